"""The area picker: a still picture of the screen under a dim veil, on which the user draws, moves
and resizes the area to record.

The picture is taken before the picker shows (`QScreen.grabWindow(0)`, a few milliseconds) and
painted by the picker itself, so it needs no compositor: a translucent window over the live
screen is solid black without one. It covers one screen, the one the app's window is on.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QRegion,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from casedesktop.i18n import _
from casedesktop.recording import Rect
from casedesktop.ui import theme
from casedesktop.ui.recording.screens import to_capture_rect

MIN_SIZE = 32  # logical pixels: a smaller area is a slip of the mouse, not a choice
HANDLE = 10  # side of a resize handle, logical pixels
VEIL_ALPHA = 140  # of 255: the picture stays readable under the veil, the chosen area stands out
NUDGE, NUDGE_FAR = 1, 10  # arrow keys move or resize the area by this much (with Ctrl: far)


class Handle(Enum):
    """What a press grabs: an edge or corner of the area (x and y: which sides move), its inside."""

    TOP_LEFT = (-1, -1)
    TOP = (0, -1)
    TOP_RIGHT = (1, -1)
    RIGHT = (1, 0)
    BOTTOM_RIGHT = (1, 1)
    BOTTOM = (0, 1)
    BOTTOM_LEFT = (-1, 1)
    LEFT = (-1, 0)


_CURSORS = {
    (-1, -1): Qt.CursorShape.SizeFDiagCursor, (1, 1): Qt.CursorShape.SizeFDiagCursor,
    (1, -1): Qt.CursorShape.SizeBDiagCursor, (-1, 1): Qt.CursorShape.SizeBDiagCursor,
    (0, -1): Qt.CursorShape.SizeVerCursor, (0, 1): Qt.CursorShape.SizeVerCursor,
    (-1, 0): Qt.CursorShape.SizeHorCursor, (1, 0): Qt.CursorShape.SizeHorCursor,
}


def handle_rects(area: QRect) -> dict[Handle, QRect]:
    """The eight handles, centred on the area's corners and edge midpoints."""
    cx, cy = area.center().x(), area.center().y()
    xs = {-1: area.left(), 0: cx, 1: area.right()}
    ys = {-1: area.top(), 0: cy, 1: area.bottom()}
    return {h: QRect(xs[h.value[0]] - HANDLE // 2, ys[h.value[1]] - HANDLE // 2, HANDLE, HANDLE) for h in Handle}


def resized(area: QRect, handle: Handle, to: QPoint) -> QRect:
    """The area with the sides `handle` moves taken to `to`; dragged past the opposite side, it flips."""
    left, top, right, bottom = area.left(), area.top(), area.right(), area.bottom()
    dx, dy = handle.value
    if dx < 0:
        left = to.x()
    elif dx > 0:
        right = to.x()
    if dy < 0:
        top = to.y()
    elif dy > 0:
        bottom = to.y()
    return QRect(QPoint(left, top), QPoint(right, bottom)).normalized()


class RegionPicker(QWidget):
    """Covers one screen with its still picture; drag to draw an area, drag its handles to resize it,
    drag inside to move it, Enter (or a double-click) records it, Escape cancels."""

    picked = Signal(object)  # Rect in the recorder's (physical) pixels
    cancelled = Signal()

    def __init__(self, screen: QScreen | None = None, picture: QPixmap | None = None) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # the picture covers every pixel
        self.setWindowModality(Qt.WindowModality.ApplicationModal)  # over a modal dialog too (private areas)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(True)  # the cursor tells a handle from the inside before a press
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle(_("Choose the area to record"))
        self.setAccessibleName(_("Choose the area to record"))
        self.setAccessibleDescription(_(
            "Drag to draw the area, then press Enter to record it. Arrow keys move the area, Shift with the arrow "
            "keys resizes it. Escape cancels."))
        self.target_screen = screen or QGuiApplication.primaryScreen()
        self.picture = picture if picture is not None else self.target_screen.grabWindow(0)
        self.setScreen(self.target_screen)
        self.setGeometry(self.target_screen.geometry())
        self.selection = QRect()  # in this widget's coordinates; empty until drawn
        self._grabbed: Handle | str | None = None  # a handle, "move", "draw" or nothing
        self._press = QPoint()
        self._start_area = QRect()
        self._done = False

    # --- showing ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Show over the whole screen and take the keyboard, so Escape and Enter work at once."""
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def screen_area(self) -> QRect:
        """Where the screen is in this widget's coordinates (the picture is painted there)."""
        geometry = self.target_screen.geometry()
        return QRect(self.mapFromGlobal(geometry.topLeft()), geometry.size())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        colours = theme.current()
        painter = QPainter(self)
        painter.fillRect(self.rect(), colours.video_background)
        painter.drawPixmap(self.screen_area(), self.picture)
        veil = QRegion(self.rect())
        if not self.selection.isEmpty():
            veil = veil.subtracted(QRegion(self.selection))
        painter.setClipRegion(veil)
        dim = QColor(colours.screen_dim)  # a copy: the theme's own colour stays as it is
        dim.setAlpha(max(dim.alpha(), VEIL_ALPHA))  # darker than a plain veil: the area must stand out
        painter.fillRect(self.rect(), dim)
        painter.setClipping(False)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        if not self.selection.isEmpty():
            painter.setPen(QPen(highlight, 2))
            painter.drawRect(self.selection.adjusted(-1, -1, 0, 0))
            painter.setPen(QPen(colours.window, 1))
            for box in handle_rects(self.selection).values():
                painter.fillRect(box, highlight)
                painter.drawRect(box.adjusted(0, 0, -1, -1))
            self._draw_label(painter, self.size_text(), self._size_label_place(painter))
        self._draw_label(painter, self.hint_text(), self._hint_place(painter))
        painter.end()

    def _draw_label(self, painter: QPainter, text: str, box: QRect) -> None:
        """Text on a box of the palette's own colours: readable over any screen content."""
        colours = theme.current()
        painter.fillRect(box, colours.overlay_background)
        painter.setPen(colours.overlay_text)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _label_box(self, painter: QPainter, text: str) -> QRect:
        return painter.fontMetrics().boundingRect(text).adjusted(-10, -5, 10, 5)

    def _hint_place(self, painter: QPainter) -> QRect:
        """Top centre of the screen, or its bottom when the area is under the top."""
        box = self._label_box(painter, self.hint_text())
        screen = self.screen_area()
        box.moveTo(screen.center().x() - box.width() // 2, screen.top() + 40)
        if box.intersects(self.selection):
            box.moveBottom(screen.bottom() - 40)
        return box

    def _size_label_place(self, painter: QPainter) -> QRect:
        """Just below the area's bottom-right corner, or inside it where the screen ends."""
        box = self._label_box(painter, self.size_text())
        box.moveTopRight(self.selection.bottomRight() + QPoint(0, HANDLE))
        if box.bottom() > self.rect().bottom():
            box.moveBottomRight(self.selection.bottomRight() - QPoint(HANDLE, HANDLE))
        if box.left() < 0:
            box.moveLeft(0)
        return box

    def hint_text(self) -> str:
        if self.selection.isEmpty():
            return _("Drag to choose the area to record. Escape cancels.")
        return _("Drag the handles to adjust it. Enter records this area, Escape cancels.")

    def size_text(self) -> str:
        """The area's size as it will be recorded (physical pixels), e.g. 1280×720."""
        area = self.chosen()
        return _("{width}×{height}").format(width=area.width, height=area.height)

    def chosen(self) -> Rect:
        """The selection in the recorder's pixels."""
        return to_capture_rect(QRect(self.mapToGlobal(self.selection.topLeft()), self.selection.size()),
                               self.target_screen)

    # --- mouse -----------------------------------------------------------------------------------

    def _handle_at(self, point: QPoint) -> Handle | str | None:
        if self.selection.isEmpty():
            return None
        for handle, box in handle_rects(self.selection).items():
            if box.adjusted(-3, -3, 3, 3).contains(point):
                return handle
        return "move" if self.selection.contains(point) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position().toPoint()
        self._press = point
        self._start_area = QRect(self.selection)
        self._grabbed = self._handle_at(point) or "draw"
        if self._grabbed == "draw":
            self.selection = QRect()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        point = self._clamped(event.position().toPoint())
        if self._grabbed is None:
            over = self._handle_at(point)
            if isinstance(over, Handle):
                self.setCursor(_CURSORS[over.value])
            else:
                self.setCursor(Qt.CursorShape.SizeAllCursor if over == "move" else Qt.CursorShape.CrossCursor)
            return
        if self._grabbed == "draw":
            self.selection = QRect(self._press, point).normalized()
        elif self._grabbed == "move":
            self.selection = self._inside(self._start_area.translated(point - self._press))
        else:
            self.selection = resized(self._start_area, self._grabbed, point)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._grabbed is not None:
            self.mouseMoveEvent(event)
            self._grabbed = None
            if self.selection.width() < MIN_SIZE or self.selection.height() < MIN_SIZE:
                self.selection = QRect()  # too small to be meant: a click, not an area
            self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.selection.contains(event.position().toPoint()):
            self.accept_selection()

    def _clamped(self, point: QPoint) -> QPoint:
        area = self.rect()
        return QPoint(min(max(point.x(), area.left()), area.right()), min(max(point.y(), area.top()), area.bottom()))

    def _inside(self, area: QRect) -> QRect:
        """`area` moved (not resized) as little as needed to lie on the screen."""
        bounds = self.rect()
        area.moveLeft(max(bounds.left(), min(area.left(), bounds.right() + 1 - area.width())))
        area.moveTop(max(bounds.top(), min(area.top(), bounds.bottom() + 1 - area.height())))
        return area

    # --- keyboard --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_selection()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._nudge(key, event.modifiers())
        else:
            super().keyPressEvent(event)

    def _nudge(self, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
        """Arrow keys move the area; with Shift they move its right or bottom edge. Without an
        area yet, the first arrow makes one in the middle of the screen."""
        if self.selection.isEmpty():
            size = self.rect().size() / 2
            self.selection = QRect(self.rect().center() - QPoint(size.width() // 2, size.height() // 2), size)
            self.update()
            return
        step = NUDGE_FAR if modifiers & Qt.KeyboardModifier.ControlModifier else NUDGE
        dx = {Qt.Key.Key_Left: -step, Qt.Key.Key_Right: step}.get(key, 0)
        dy = {Qt.Key.Key_Up: -step, Qt.Key.Key_Down: step}.get(key, 0)
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            grown = QRect(self.selection.topLeft(), QSize(max(MIN_SIZE, self.selection.width() + dx),
                                                          max(MIN_SIZE, self.selection.height() + dy)))
            self.selection = grown.intersected(self.rect())
        else:
            self.selection = self._inside(self.selection.translated(dx, dy))
        self.update()

    # --- the answer ------------------------------------------------------------------------------

    def accept_selection(self) -> None:
        if self._done or self.selection.width() < MIN_SIZE or self.selection.height() < MIN_SIZE:
            return  # nothing drawn yet: the hint says what to do
        self._done = True
        area = self.chosen()
        self.close()
        self.picked.emit(area)

    def cancel(self) -> None:
        if self._done:
            return
        self._done = True
        self.close()
        self.cancelled.emit()

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - closed by the window manager: a cancel
        super().closeEvent(event)
        if not self._done:
            self._done = True
            self.cancelled.emit()
