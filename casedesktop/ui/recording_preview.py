"""After stopping: play the recording back, then attach it, record again, or discard it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.recording import RecordingResult
from casedesktop.ui.recording_controls import clock


class PreviewChoice(Enum):
    ATTACH = "attach"
    RECORD_AGAIN = "again"
    DISCARD = "discard"


class RecordingPreview(QDialog):
    def __init__(self, result: RecordingResult, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Your recording")
        self.resize(820, 560)
        self.result = result
        self.choice: PreviewChoice | None = None  # closed without choosing: the file is kept
        layout = QVBoxLayout(self)
        self.video = QVideoWidget()
        self.video.setAccessibleName("Recording preview")
        layout.addWidget(self.video, 1)
        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.video)
        self.player.setSource(QUrl.fromLocalFile(str(Path(result.path).resolve())))
        reason = {"time_limit": " — stopped at the time limit", "size_limit": " — stopped before the size limit"}.get(result.stop_reason, "")
        self.info = QLabel(
            f"{clock(result.duration_s)} · {result.bytes / 1e6:.1f} MB · {result.width}×{result.height}"
            f"{f' · {result.frames_dropped} frames skipped' if result.frames_dropped else ''}{reason}"
        )
        layout.addWidget(self.info)
        row = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.clicked.connect(self._toggle_play)
        row.addWidget(self.play_button)
        row.addStretch(1)
        self.discard_button = QPushButton("Discard")
        self.again_button = QPushButton("Record again")
        self.attach_button = QPushButton("Attach")
        self.attach_button.setDefault(True)
        for button, choice in ((self.discard_button, PreviewChoice.DISCARD), (self.again_button, PreviewChoice.RECORD_AGAIN),
                               (self.attach_button, PreviewChoice.ATTACH)):
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            row.addWidget(button)
        layout.addLayout(row)

    def _toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText("▶ Play")
        else:
            self.player.play()
            self.play_button.setText("❚❚ Pause")

    def _choose(self, choice: PreviewChoice) -> None:
        self.choice = choice
        self.player.stop()
        self.player.setSource(QUrl())  # release the file before it is moved or deleted
        self.accept()
