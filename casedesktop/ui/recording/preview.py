"""After stopping: play the recording back, then attach it, record again, or discard it.

The first frame shows as soon as the dialog opens and a seek bar reaches any moment (the player is
`player_view.VideoPlayerView`), so the user can check what the recording shows before it goes to a
case; it says which case that is.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _, format_size
from casedesktop.recording import RecordingResult
from casedesktop.recording.playback import fit
from casedesktop.ui import theme
from casedesktop.ui.recording.controls import clock
from casedesktop.ui.recording.player_view import VideoPlayerView

VIDEO_BOX = (800, 450)  # decoded at most this size: the dialog's picture area
CHOPPY_SHARE = 0.05  # dropped frames below this share of the recording are not worth a word


def choppiness_note(frames_encoded: int, frames_dropped: int) -> str:
    """Plain words for frames the computer was too busy to record: nothing when few were."""
    total = frames_encoded + frames_dropped
    if total <= 0 or frames_dropped / total < CHOPPY_SHARE:
        return ""
    return _("The video is slightly choppy: the computer was busy while recording.")


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
        layout = QVBoxLayout(self)
        self.playback = VideoPlayerView(
            Path(result.path), VIDEO_BOX, _("Recording preview"), duration_s=result.duration_s,
            picture_size=fit(max(result.width, 2), max(result.height, 2), *VIDEO_BOX))
        layout.addWidget(self.playback, 1)
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
        self.playback.play_button.setFocus()

    def ask_discard(self) -> bool:
        """Deleting a recording cannot be undone: ask first, naming its length."""
        was_playing = self.playback.pause()
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
            self.playback.toggle()
        return False

    def _choose(self, choice: PreviewChoice) -> None:
        self.choice = choice
        self.playback.release()  # before the file is moved or deleted
        self.accept()

    def done(self, code: int) -> None:  # noqa: D102 - closing by any way stops the player
        self.playback.release()
        super().done(code)
