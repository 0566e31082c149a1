"""A full-screen overlay on which the user draws the region to record with a rubber band."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QRubberBand, QWidget

from casedesktop.i18n import _
from casedesktop.recording import Rect
from casedesktop.ui import theme

MIN_SIZE = 32


def to_device_pixels(rect: QRect, ratio: float) -> Rect:
    """Qt gives logical pixels; mss captures physical ones (they differ at 150 % or 200 %)."""
    left, top = round(rect.left() * ratio), round(rect.top() * ratio)
    width, height = round(rect.width() * ratio), round(rect.height() * ratio)
    return Rect(left, top, width - width % 2, height - height % 2)


class RegionPicker(QWidget):
    """Covers the whole virtual desktop; drag to choose, Enter or release to accept, Esc cancels."""

    picked = Signal(object)  # Rect in device pixels
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName(_("Draw the area to record; Escape cancels"))
        desktop = QRect()
        for screen in QGuiApplication.screens():
            desktop = desktop.united(screen.geometry())
        self.setGeometry(desktop)
        self._origin: QPoint | None = None
        self.band = QRubberBand(QRubberBand.Shape.Rectangle, self)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        colours = theme.current()
        painter = QPainter(self)
        painter.fillRect(self.rect(), colours.screen_dim)
        # The hint on a box of the palette's own colours: readable over any screen content.
        text = _("Drag to choose the area to record · Esc cancels")
        metrics = painter.fontMetrics()
        box = metrics.boundingRect(text).adjusted(-12, -6, 12, 6)
        box.moveTo(self.rect().center().x() - box.width() // 2, 40)
        painter.fillRect(box, colours.overlay_background)
        painter.setPen(colours.overlay_text)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._origin = event.position().toPoint()
        self.band.setGeometry(QRect(self._origin, QSize()))
        self.band.show()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._origin is not None:
            self.band.setGeometry(QRect(self._origin, event.position().toPoint()).normalized())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._origin is not None:
            self.band.setGeometry(QRect(self._origin, event.position().toPoint()).normalized())
            self.accept_selection()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            self.close()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_selection()

    def accept_selection(self) -> None:
        selected = self.band.geometry()
        if selected.width() < MIN_SIZE or selected.height() < MIN_SIZE:
            self._origin = None
            self.band.hide()
            return  # too small to be meant: let the user draw again
        global_rect = QRect(self.mapToGlobal(selected.topLeft()), selected.size())
        self.picked.emit(to_device_pixels(global_rect, self.devicePixelRatioF()))
        self.close()
