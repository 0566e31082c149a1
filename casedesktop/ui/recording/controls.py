"""The countdown before recording and the small always-on-top bar while it runs."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent, QResizeEvent, QScreen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.i18n import _, format_megabytes, format_number
from casedesktop.recording import RecorderState, RecorderStatus
from casedesktop.ui import icons, theme


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
        self.hint = QLabel(_("Recording starts… Esc cancels"))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.follow(self._colours)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.hint)
        self.resize(260, 220)
        screen = QGuiApplication.primaryScreen().geometry()
        self.move(screen.center() - self.rect().center())
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def _colours(self) -> None:
        """A box in the palette's window colours, over whatever the screen shows."""
        box = f"color: {theme.css('overlay_text')}; background: {theme.css('overlay_background')};"
        self.label.setStyleSheet(f"font-size: 64pt; font-weight: 700; {box} border-radius: 24px;")
        self.hint.setStyleSheet(f"{box} padding: 4px;")

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


MARGIN = 24  # from the screen's edges, in device-independent pixels


def bar_position(size: QSize, available: QRect, wanted: QPoint | None = None) -> QPoint:
    """Where the bar goes: `wanted` (or the top-right corner) moved as little as needed for the
    whole bar to be on `available`, the screen's area without panels, in Qt's logical pixels."""
    if wanted is None:
        wanted = QPoint(available.right() + 1 - size.width() - MARGIN, available.top() + MARGIN)
    # Right/bottom edge first, then left/top: a bar wider than the screen keeps its left end on it.
    x = max(min(wanted.x(), available.right() + 1 - size.width()), available.left())
    y = max(min(wanted.y(), available.bottom() + 1 - size.height()), available.top())
    return QPoint(x, y)


def screen_of(left: int, top: int) -> QScreen:
    """The Qt screen that shows the capture point (left, top), given in physical pixels as the
    recorder's capture areas are; the primary screen when none does."""
    for screen in QGuiApplication.screens():
        ratio = screen.devicePixelRatio()
        geometry = screen.geometry()
        physical = QRect(round(geometry.x() * ratio), round(geometry.y() * ratio),
                         round(geometry.width() * ratio), round(geometry.height() * ratio))
        if physical.contains(left, top):
            return screen
    return QGuiApplication.primaryScreen()


class RecordingControlBar(QWidget):
    """Always on top while recording: a red cue, time (and time left), size, pause and stop.

    Its layout is fixed (every label as wide as its widest text), so it never grows off the screen
    or shifts while the cue blinks; it stays wholly on the screen it records, can be dragged by
    any part that is not a button, and Esc stops the recording.
    """

    pauseRequested = Signal()
    resumeRequested = Signal()
    stopRequested = Signal()

    def __init__(self, max_seconds: float, max_bytes: int, screen: QScreen | None = None):
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setWindowTitle(_("CaseDesktop recording"))
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.recorded_screen = screen or QGuiApplication.primaryScreen()
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        theme.follow(self._colours)
        layout = QHBoxLayout(self)
        self.cue_icon = QLabel()  # an icon, not a dot glyph: fonts that lack it draw a box
        self.cue_icon.setFixedWidth(self.fontMetrics().height() + 2)
        self.cue = QLabel(_("REC"))
        self.cue.setAccessibleName(_("Recording"))
        self.time = QLabel("00:00")
        self.time.setAccessibleName(_("Elapsed time"))
        self.size = QLabel(format_megabytes(0))
        self.size.setAccessibleName(_("File size"))
        self.pause_button = QPushButton(icons.icon("media-playback-pause"), _("Pause"))
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button = QPushButton(icons.icon("media-playback-stop"), _("Stop"))
        self.stop_button.setToolTip(_("Stop recording (Esc)"))
        self.stop_button.clicked.connect(self.stopRequested.emit)
        self._fix_width(self.cue, _("REC"), _("PAUSED"))
        self._fix_width(self.time, self._time_text(clock(max_seconds), clock(max_seconds)),
                        self._time_text("88:88", "88:88"))
        self._fix_width(self.size, self._size_text(max_bytes))
        self._fix_width(self.pause_button, _("Pause"), _("Resume"),
                        padding=28 + self.pause_button.iconSize().width() + 4)
        for widget in (self.cue_icon, self.cue, self.time, self.size, self.pause_button, self.stop_button):
            layout.addWidget(widget)
        self.paused = False
        self._cue_lit = True
        self._show_cue()
        self._blink = QTimer(self)
        self._blink.setInterval(600)
        self._blink.timeout.connect(self._toggle_cue)
        self._blink.start()
        self._drag_from: QPoint | None = None
        self.adjustSize()
        self.setFixedSize(self.sizeHint())
        self.move(bar_position(self.frameGeometry().size(), self.recorded_screen.availableGeometry()))

    def _size_text(self, size: float) -> str:
        """"1.5 MB of 42 MB" (decimal megabytes, as the limit is announced)."""
        return _("{size} MB of {limit} MB").format(size=format_number(size / 1e6, 1, grouping=False),
                                                   limit=format_number(self.max_bytes / 1e6, 0, grouping=False))

    @staticmethod
    def _time_text(elapsed: str, left: str) -> str:
        return _("{elapsed}  ({left} left)").format(elapsed=elapsed, left=left)

    def _colours(self) -> None:
        """The palette's window colours with a border in the recording colour: the bar stands out
        on any screen and reads in light, dark and high-contrast themes alike."""
        self.setStyleSheet(
            f"RecordingControlBar {{ background: {theme.css('window')}; border: 2px solid {theme.css('recording_cue')}; }}"
            " QPushButton { padding: 4px 10px; }")

    @staticmethod
    def _fix_width(widget: QWidget, *texts: str, padding: int = 6) -> None:
        metrics = widget.fontMetrics()
        widget.setFixedWidth(max(metrics.horizontalAdvance(text) for text in texts) + padding)

    def _toggle_cue(self) -> None:
        self._cue_lit = self.paused or not self._cue_lit
        self._show_cue()

    def _show_cue(self) -> None:
        """Blink by colour, not by hiding: the layout never moves."""
        role = "paused_cue" if self.paused else ("recording_cue" if self._cue_lit else "recording_cue_dim")
        name = "media-playback-pause" if self.paused else "media-record"
        self.cue_icon.setPixmap(icons.pixmap(name, self.fontMetrics().height(), role, self.devicePixelRatioF()))
        self.cue.setStyleSheet(f"color: {theme.css(role)}; font-weight: 700;")

    def _toggle_pause(self) -> None:
        (self.resumeRequested if self.paused else self.pauseRequested).emit()

    def keep_on_screen(self) -> None:
        """Move the bar (as little as needed) so all of it is on the screen it records."""
        self.move(bar_position(self.frameGeometry().size(), self.recorded_screen.availableGeometry(), self.pos()))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.keep_on_screen()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.stopRequested.emit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.pos()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_from is not None:
            wanted = event.globalPosition().toPoint() - self._drag_from
            self.move(bar_position(self.frameGeometry().size(), self.recorded_screen.availableGeometry(), wanted))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag_from = None
        super().mouseReleaseEvent(event)

    def show_status(self, status: RecorderStatus) -> None:
        self.paused = status.state is RecorderState.PAUSED
        self.pause_button.setText(_("Resume") if self.paused else _("Pause"))
        self.cue.setText(_("PAUSED") if self.paused else _("REC"))
        self.pause_button.setIcon(icons.icon("media-playback-start" if self.paused else "media-playback-pause"))
        self._show_cue()
        left = self.max_seconds - status.elapsed_s
        self.time.setText(self._time_text(clock(status.elapsed_s), clock(left)))
        self.size.setText(self._size_text(status.bytes))
