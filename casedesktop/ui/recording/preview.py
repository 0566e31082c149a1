"""After stopping: play the recording back, then attach it, record again, or discard it.

The first frame shows as soon as the dialog opens and a seek bar reaches any moment, so the user
can check what the recording shows before it goes to a case; it says which case that is. All
decoding runs on the player's thread (`recording/playback.py`), never on the GUI thread.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _, format_size
from casedesktop.recording import RecordingResult
from casedesktop.recording.playback import Player, VideoImage, fit
from casedesktop.ui import icons, theme
from casedesktop.ui.recording.controls import clock

VIDEO_BOX = (800, 450)  # decoded at most this size: the dialog's picture area
CHOPPY_SHARE = 0.05  # dropped frames below this share of the recording are not worth a word


def choppiness_note(frames_encoded: int, frames_dropped: int) -> str:
    """Plain words for frames the computer was too busy to record: nothing when few were."""
    total = frames_encoded + frames_dropped
    if total <= 0 or frames_dropped / total < CHOPPY_SHARE:
        return ""
    return _("The video is slightly choppy: the computer was busy while recording.")


class _PlayerSignals(QObject):
    """Carries the player thread's frames and its end to the GUI thread (queued connections)."""

    image = Signal(object)
    ended = Signal(object)


class PreviewChoice(Enum):
    ATTACH = "attach"
    RECORD_AGAIN = "again"
    DISCARD = "discard"


class RecordingPreview(QDialog):
    """Shows a finished recording; `choice` says what the user chose (None: closed, keep the file).

    `destination` names where Attach puts it ("CS-1042: Printer offline"); empty for a new case.
    """

    def __init__(self, result: RecordingResult, parent: QWidget | None = None, destination: str = ""):
        super().__init__(parent)
        self.setWindowTitle(_("Your recording"))
        self.result = result
        self.choice: PreviewChoice | None = None  # closed without choosing: the file is kept
        self.frames_shown = 0
        self.duration_ms = max(1, round(result.duration_s * 1000))
        self._moving_slider = False  # the player moved it: not a seek by the user
        layout = QVBoxLayout(self)
        self.video = QLabel()
        self.video.setAccessibleName(_("Recording preview"))
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # As large as the decoded frames from the start: the dialog does not jump when the first comes.
        self.video.setMinimumSize(*fit(max(result.width, 2), max(result.height, 2), *VIDEO_BOX))
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.follow(self._video_colours)
        layout.addWidget(self.video, 1)
        facts = [clock(result.duration_s),
                 format_size(result.bytes),
                 f"{result.width}×{result.height}"]
        info = " · ".join(facts)
        if result.stop_reason == "time_limit":
            info += " — " + _("stopped at the time limit")
        elif result.stop_reason == "size_limit":
            info += " — " + _("stopped before the size limit")
        note = choppiness_note(result.frames_encoded, result.frames_dropped)
        self.info = QLabel(info)
        self.info.setWordWrap(True)
        self.choppy = QLabel(note)
        self.choppy.setWordWrap(True)
        self.choppy.setVisible(bool(note))
        theme.set_text_role(self.choppy, "muted_text")

        seek_row = QHBoxLayout()
        self.play_button = QPushButton(icons.icon("media-playback-start"), _("Play"))
        self.play_button.setAccessibleName(_("Play the recording"))
        self.play_button.clicked.connect(self._toggle_play)
        seek_row.addWidget(self.play_button)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(_("Position in the recording"))
        self.slider.setRange(0, self.duration_ms)
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(5000)
        self.slider.valueChanged.connect(self._slider_moved)
        seek_row.addWidget(self.slider, 1)
        self.position = QLabel(self._position_text(0))
        self.position.setAccessibleName(_("Time"))
        self.position.setMinimumWidth(self.position.fontMetrics().horizontalAdvance(
            self._position_text(result.duration_s)) + 6)
        seek_row.addWidget(self.position)
        layout.addLayout(seek_row)
        layout.addWidget(self.info)
        layout.addWidget(self.choppy)

        self.destination = QLabel(_("Will be attached to {case}").format(case=destination) if destination
                                  else _("Will be attached to your new case"))
        self.destination.setWordWrap(True)
        layout.addWidget(self.destination)
        row = QHBoxLayout()
        self.discard_button = QPushButton(_("Discard…"))
        self.discard_button.clicked.connect(self.ask_discard)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        self.again_button = QPushButton(_("Record again"))
        self.again_button.clicked.connect(lambda: self._choose(PreviewChoice.RECORD_AGAIN))
        self.attach_button = QPushButton(_("Attach"))
        self.attach_button.clicked.connect(lambda: self._choose(PreviewChoice.ATTACH))
        self.attach_button.setDefault(True)
        row.addWidget(self.again_button)
        row.addWidget(self.attach_button)
        layout.addLayout(row)
        self._signals = _PlayerSignals(self)
        self._signals.image.connect(self._show)
        self._signals.ended.connect(self._ended)
        self.player = Player(Path(result.path), VIDEO_BOX, self._signals.image.emit, self._signals.ended.emit)
        self.player.open()  # the first frame comes from the player's thread in a moment
        self.play_button.setFocus()

    def _video_colours(self) -> None:
        self.video.setStyleSheet(f"background: {theme.css('video_background')}; color: {theme.css('video_text')};")

    def _position_text(self, seconds: float) -> str:
        return _("{elapsed} / {total}").format(elapsed=clock(seconds), total=clock(self.result.duration_s))

    def _show(self, image: VideoImage) -> None:
        picture = QImage(image.rgb, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
        self.video.setPixmap(QPixmap.fromImage(picture))  # fromImage copies: `image.rgb` may go
        self.position.setText(self._position_text(image.time_s))
        if not self.slider.isSliderDown():
            self._moving_slider = True
            self.slider.setValue(round(image.time_s * 1000))
            self._moving_slider = False
        self.frames_shown += 1

    def _slider_moved(self, value: int) -> None:
        """The user dragged, clicked or keyed the slider: show that moment (playing on if playing)."""
        if not self._moving_slider:
            self.player.seek(value / 1000)

    def _ended(self, error: str | None) -> None:
        self._show_play(False)
        if error:
            self.video.setText(error)
            self.play_button.setEnabled(False)
            self.slider.setEnabled(False)

    def _toggle_play(self) -> None:
        if self.player.playing:
            self.player.pause()
            self._show_play(False)
        else:
            self.player.play()
            self._show_play(True)

    def _show_play(self, playing: bool) -> None:
        self.play_button.setText(_("Pause") if playing else _("Play"))
        self.play_button.setAccessibleName(_("Pause the recording") if playing else _("Play the recording"))
        self.play_button.setIcon(icons.icon("media-playback-pause" if playing else "media-playback-start"))

    def ask_discard(self) -> bool:
        """Deleting a recording cannot be undone: ask first, naming its length."""
        was_playing = self.player.playing
        self.player.pause()
        self._show_play(False)
        answer = QMessageBox.question(
            self, _("Discard the recording"),
            _("Discard this {duration} recording? It cannot be brought back.").format(
                duration=clock(self.result.duration_s)),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Discard:
            self._choose(PreviewChoice.DISCARD)
            return True
        if was_playing:
            self._toggle_play()
        return False

    def _choose(self, choice: PreviewChoice) -> None:
        self.choice = choice
        self.player.close()  # release the file before it is moved or deleted
        self.accept()

    def done(self, code: int) -> None:  # noqa: D102 - closing by any way stops the player
        self.player.close()
        super().done(code)
