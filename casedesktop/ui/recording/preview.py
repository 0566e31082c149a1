"""After stopping: play the recording back, then attach it, record again, or discard it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _, format_number, ngettext
from casedesktop.recording import RecordingResult
from casedesktop.recording.playback import Player, VideoImage, first_image
from casedesktop.ui import icons, theme
from casedesktop.ui.recording.controls import clock

VIDEO_BOX = (800, 450)  # decoded at most this size: the dialog's picture area


class _PlayerSignals(QObject):
    """Carries the player thread's frames and its end to the GUI thread (queued connections)."""

    image = Signal(object)
    ended = Signal(object)


class PreviewChoice(Enum):
    ATTACH = "attach"
    RECORD_AGAIN = "again"
    DISCARD = "discard"


class RecordingPreview(QDialog):
    def __init__(self, result: RecordingResult, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Your recording"))
        self.result = result
        self.choice: PreviewChoice | None = None  # closed without choosing: the file is kept
        self.frames_shown = 0
        layout = QVBoxLayout(self)
        self.video = QLabel()
        self.video.setAccessibleName(_("Recording preview"))
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setMinimumSize(320, 180)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.follow(self._video_colours)
        layout.addWidget(self.video, 1)
        facts = [clock(result.duration_s),
                 _("{size} MB").format(size=format_number(result.bytes / 1e6, 1, grouping=False)),
                 f"{result.width}×{result.height}"]
        if result.frames_dropped:
            # Translators: English says "frames" for any count here.
            facts.append(ngettext("{count} frame skipped", "{count} frames skipped", result.frames_dropped).format(
                count=result.frames_dropped))
        info = " · ".join(facts)
        if result.stop_reason == "time_limit":
            info += " — " + _("stopped at the time limit")
        elif result.stop_reason == "size_limit":
            info += " — " + _("stopped before the size limit")
        self.info = QLabel(info)
        layout.addWidget(self.info)
        row = QHBoxLayout()
        self.play_button = QPushButton(icons.icon("media-playback-start"), _("Play"))
        self.play_button.clicked.connect(self._toggle_play)
        row.addWidget(self.play_button)
        self.position = QLabel(clock(0))
        row.addWidget(self.position)
        row.addStretch(1)
        self.discard_button = QPushButton(_("Discard"))
        self.again_button = QPushButton(_("Record again"))
        self.attach_button = QPushButton(_("Attach"))
        self.attach_button.setDefault(True)
        for button, choice in ((self.discard_button, PreviewChoice.DISCARD), (self.again_button, PreviewChoice.RECORD_AGAIN),
                               (self.attach_button, PreviewChoice.ATTACH)):
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            row.addWidget(button)
        layout.addLayout(row)
        self._signals = _PlayerSignals(self)
        self._signals.image.connect(self._show)
        self._signals.ended.connect(self._ended)
        path = Path(result.path)
        self.player = Player(path, VIDEO_BOX, self._signals.image.emit, self._signals.ended.emit)
        self._show_poster(path)

    def _video_colours(self) -> None:
        self.video.setStyleSheet(f"background: {theme.css('video_background')}; color: {theme.css('video_text')};")

    def _show_poster(self, path: Path) -> None:
        """The first frame, so the dialog shows the recording before Play (a small decode)."""
        try:
            poster = first_image(path, VIDEO_BOX)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is shown, not raised
            self.video.setText(_("The recording cannot be played: {error}").format(error=exc))
            self.play_button.setEnabled(False)
            return
        if poster is None:
            self.video.setText(_("The recording holds no video."))
            self.play_button.setEnabled(False)
        else:
            self._show(poster)

    def _show(self, image: VideoImage) -> None:
        picture = QImage(image.rgb, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
        self.video.setPixmap(QPixmap.fromImage(picture))  # fromImage copies: `image.rgb` may go
        self.position.setText(clock(image.time_s))
        self.frames_shown += 1

    def _ended(self, error: str | None) -> None:
        self._show_play(False)
        if error:
            self.video.setText(error)

    def _toggle_play(self) -> None:
        if self.player.playing:
            self.player.pause()
            self._show_play(False)
        else:
            self.player.play()
            self._show_play(True)

    def _show_play(self, playing: bool) -> None:
        self.play_button.setText(_("Pause") if playing else _("Play"))
        self.play_button.setIcon(icons.icon("media-playback-pause" if playing else "media-playback-start"))

    def _choose(self, choice: PreviewChoice) -> None:
        self.choice = choice
        self.player.close()  # release the file before it is moved or deleted
        self.accept()

    def done(self, code: int) -> None:  # noqa: D102 - closing by any way stops the player
        self.player.close()
        super().done(code)
