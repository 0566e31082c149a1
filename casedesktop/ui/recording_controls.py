"""The countdown before recording and the small always-on-top bar while it runs."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.recording import RecorderState, RecorderStatus


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class Countdown(QWidget):
    """3, 2, 1 in the middle of the screen; Esc cancels before anything is recorded."""

    finished = Signal()
    cancelled = Signal()

    def __init__(self, seconds: int = 3):
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.remaining = seconds
        self.label = QLabel(str(seconds))
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("font-size: 64pt; font-weight: 700; color: white; background: rgba(0,0,0,160); border-radius: 24px;")
        hint = QLabel("Recording starts… Esc cancels")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color: white; background: rgba(0,0,0,160); padding: 4px;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(hint)
        self.resize(260, 220)
        screen = QGuiApplication.primaryScreen().geometry()
        self.move(screen.center() - self.rect().center())
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.show()
        self.activateWindow()
        self.setFocus()
        if self.remaining <= 0:
            self._finish()
        else:
            self.timer.start()

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._finish()
        else:
            self.label.setText(str(self.remaining))

    def _finish(self) -> None:
        self.timer.stop()
        self.close()
        self.finished.emit()

    def cancel(self) -> None:
        self.timer.stop()
        self.close()
        self.cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
        else:
            super().keyPressEvent(event)


class RecordingControlBar(QWidget):
    """Always on top while recording: a red cue, time (and time left), size, pause and stop."""

    pauseRequested = Signal()
    resumeRequested = Signal()
    stopRequested = Signal()

    def __init__(self, max_seconds: float, max_bytes: int):
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setWindowTitle("CaseDesktop recording")
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.setStyleSheet("QWidget { background: #202124; color: white; } QPushButton { padding: 4px 10px; }")
        layout = QHBoxLayout(self)
        self.cue = QLabel("● REC")
        self.cue.setStyleSheet("color: #ff4d4d; font-weight: 700;")
        self.cue.setAccessibleName("Recording")
        self.time = QLabel("00:00")
        self.time.setAccessibleName("Elapsed time")
        self.size = QLabel("0.0 MB")
        self.size.setAccessibleName("File size")
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.clicked.connect(self.stopRequested.emit)
        for widget in (self.cue, self.time, self.size, self.pause_button, self.stop_button):
            layout.addWidget(widget)
        self.paused = False
        self._blink = QTimer(self)
        self._blink.setInterval(600)
        self._blink.timeout.connect(lambda: self.cue.setVisible(self.paused or not self.cue.isVisible()))
        self._blink.start()
        screen = QGuiApplication.primaryScreen().availableGeometry()
        self.adjustSize()
        self.move(screen.right() - self.width() - 24, screen.top() + 24)

    def _toggle_pause(self) -> None:
        (self.resumeRequested if self.paused else self.pauseRequested).emit()

    def show_status(self, status: RecorderStatus) -> None:
        self.paused = status.state is RecorderState.PAUSED
        self.pause_button.setText("Resume" if self.paused else "Pause")
        self.cue.setText("❚❚ PAUSED" if self.paused else "● REC")
        left = self.max_seconds - status.elapsed_s
        self.time.setText(f"{clock(status.elapsed_s)}  ({clock(left)} left)")
        self.size.setText(f"{status.bytes / 1e6:.1f} MB of {self.max_bytes / 1e6:.0f} MB")
        self.adjustSize()
