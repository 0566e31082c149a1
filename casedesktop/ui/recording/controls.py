"""The countdown before recording and the small always-on-top bar while it runs."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QMoveEvent,
    QResizeEvent,
    QScreen,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.i18n import _, format_size
from casedesktop.recording import RecorderState, RecorderStatus
from casedesktop.ui import icons, theme


def clock(seconds: float) -> str:
    """A length as a player shows it: 0:42, 12:05, 1:02:09."""
    seconds = max(0, int(seconds))
    hours, minutes = divmod(seconds // 60, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds % 60:02d}"
    return f"{minutes}:{seconds % 60:02d}"


class Countdown(QWidget):
    """3, 2, 1 in the middle of the screen; Esc cancels before anything is recorded."""

    finished = Signal()
    cancelled = Signal()

    def __init__(self, seconds: int = 3, screen: QScreen | None = None):
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAccessibleName(_("Recording starts in a moment; Escape cancels"))
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
        area = (screen or QGuiApplication.primaryScreen()).geometry()  # the screen to be recorded
        self.move(area.center() - self.rect().center())
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
    """Where the bar goes: `wanted` (or the bottom centre, away from the title bars' buttons) moved
    as little as needed for the whole bar to be on `available`, the screen's area without panels,
    in Qt's logical pixels."""
    if wanted is None:
        wanted = QPoint(available.left() + (available.width() - size.width()) // 2,
                        available.bottom() + 1 - size.height() - MARGIN)
    # Right/bottom edge first, then left/top: a bar wider than the screen keeps its left end on it.
    x = max(min(wanted.x(), available.right() + 1 - size.width()), available.left())
    y = max(min(wanted.y(), available.bottom() + 1 - size.height()), available.top())
    return QPoint(x, y)


GAP = 8  # between the recorded area and a bar placed beside it


def bar_home(size: QSize, recorded: QScreen, captured: QRect) -> tuple[QScreen, QPoint]:
    """Where the bar stays out of the video: beside the recorded area (below, above, right, left)
    on its screen; else on a screen the recording does not show; else the bottom centre of the
    recorded screen, where the recorder blacks it out."""
    available = recorded.availableGeometry()
    beside = (QPoint(captured.center().x() - size.width() // 2, captured.bottom() + 1 + GAP),
              QPoint(captured.center().x() - size.width() // 2, captured.top() - GAP - size.height()),
              QPoint(captured.right() + 1 + GAP, captured.top()),
              QPoint(captured.left() - GAP - size.width(), captured.top()))
    for wanted in beside:
        where = bar_position(size, available, wanted)
        if not QRect(where, size).intersects(captured) and available.contains(QRect(where, size)):
            return recorded, where
    for other in QGuiApplication.screens():
        if other is not recorded and not other.geometry().intersects(captured):
            return other, bar_position(size, other.availableGeometry())
    return recorded, bar_position(size, available)


class RecordingControlBar(QWidget):
    """Always on top while recording: a red cue, time (and time left), size, pause and stop.

    Its layout is fixed (every label as wide as its widest text), so it never grows off the screen
    or shifts while the cue blinks. Given the `captured` area, it starts beside it, out of the
    video (`bar_home`), and says where it is (`moved`), so the recorder can black it out when it
    is over the area after all. It stays wholly on its screen and can be dragged by any part that
    is not a button. The keyboard reaches it too: it is a window of its own (Alt+Tab), Stop has
    the focus in it, and Esc or Ctrl+Shift+R stops.
    """

    pauseRequested = Signal()
    resumeRequested = Signal()
    stopRequested = Signal()
    moved = Signal(QRect)  # its new frame, in global logical pixels

    def __init__(self, max_seconds: float, max_bytes: int, screen: QScreen | None = None,
                 captured: QRect | None = None):
        # Not a tool window: it is listed with the other windows, so the keyboard can reach it.
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # the recorded app keeps the keyboard
        self.setWindowTitle(_("CaseDesktop recording"))
        self.setAccessibleName(_("Recording controls"))
        self.max_seconds = max_seconds
        self.max_bytes = max_bytes
        self.home_screen = screen or QGuiApplication.primaryScreen()
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        theme.follow(self._colours)
        layout = QHBoxLayout(self)
        self.cue_icon = QLabel()  # an icon, not a dot glyph: fonts that lack it draw a box
        self.cue_icon.setFixedWidth(self.fontMetrics().height() + 2)
        self.cue = QLabel(_("REC"))
        self.cue.setAccessibleName(_("Recording"))
        self.time = QLabel(clock(0))
        self.time.setAccessibleName(_("Elapsed time"))
        self.size = QLabel(self._size_text(0))
        self.size.setAccessibleName(_("File size"))
        self.pause_button = QPushButton(icons.icon("media-playback-pause"), _("Pause"))
        self.pause_button.setAccessibleName(_("Pause recording"))
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button = QPushButton(icons.icon("media-playback-stop"), _("Stop"))
        self.stop_button.setAccessibleName(_("Stop recording"))
        self.stop_button.setToolTip(_("Stop recording (Esc)"))
        self.stop_button.clicked.connect(self.stopRequested.emit)
        self.stop_button.setAutoDefault(True)  # Enter on it stops, as Space does
        self.setFocusProxy(self.stop_button)  # whenever the bar gets the keyboard, Stop has it
        QShortcut(QKeySequence("Ctrl+Shift+R"), self, self.stopRequested.emit)  # the window's Record/Stop
        self._fix_width(self.cue, _("REC"), _("PAUSED"))
        self._fix_width(self.time, self._time_text(clock(max_seconds), clock(max_seconds)),
                        self._time_text("88:88", "88:88"))
        # The widest the size can read, so that the bar never changes width while it grows.
        self._fix_width(self.size, *(self._size_text(n) for n in (1023, 1023 * 1024, int(9.9 * 1024 * 1024),
                                                                  max_bytes)))
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
        if captured is not None:
            self.home_screen, where = bar_home(self.frameGeometry().size(), self.home_screen, captured)
        else:
            where = bar_position(self.frameGeometry().size(), self.home_screen.availableGeometry())
        self.move(where)

    def _size_text(self, size: int) -> str:
        """"1.5 MB of 40 MB": the limit in the words the New Case dialog announces it."""
        # Translators: a size out of a whole (sent so far, recorded of the limit): "1.2 MB of 40 MB".
        return _("{done} of {total}").format(done=format_size(size), total=format_size(self.max_bytes))

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
        """Move the bar (as little as needed) so all of it is on its screen."""
        self.move(bar_position(self.frameGeometry().size(), self.home_screen.availableGeometry(), self.pos()))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.keep_on_screen()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.stop_button.setFocus()  # taken when the bar is activated (Alt+Tab, a click), not before

    def moveEvent(self, event: QMoveEvent) -> None:  # noqa: N802
        super().moveEvent(event)
        self.moved.emit(self.frameGeometry())

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
            self.move(bar_position(self.frameGeometry().size(), self.home_screen.availableGeometry(), wanted))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag_from = None
        super().mouseReleaseEvent(event)

    def show_status(self, status: RecorderStatus) -> None:
        self.paused = status.state is RecorderState.PAUSED
        self.pause_button.setText(_("Resume") if self.paused else _("Pause"))
        self.pause_button.setAccessibleName(_("Resume recording") if self.paused else _("Pause recording"))
        self.cue.setText(_("PAUSED") if self.paused else _("REC"))
        self.pause_button.setIcon(icons.icon("media-playback-start" if self.paused else "media-playback-pause"))
        self._show_cue()
        left = self.max_seconds - status.elapsed_s
        self.time.setText(self._time_text(clock(status.elapsed_s), clock(left)))
        self.size.setText(self._size_text(status.bytes))
