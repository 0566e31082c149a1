"""Qt's screens in the recorder's pixels: Qt places windows in logical pixels, mss captures
physical ones, and they differ on a screen scaled to 150 % or 200 %.

Qt keeps each screen's top-left corner in physical pixels and divides only distances inside a
screen by its scale, so a point converts through the corner of the screen it is on.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication, QScreen

from casedesktop.recording import Rect


def physical_rect(screen: QScreen) -> Rect:
    """The screen's area in physical pixels, as mss lists monitors."""
    geometry, ratio = screen.geometry(), screen.devicePixelRatio()
    return Rect(geometry.x(), geometry.y(), round(geometry.width() * ratio), round(geometry.height() * ratio))


def to_capture_rect(rect: QRect, screen: QScreen) -> Rect:
    """A rectangle on `screen` in Qt's global logical pixels, in physical pixels with even sides
    (the video's yuv420p needs them even)."""
    corner, ratio = screen.geometry().topLeft(), screen.devicePixelRatio()
    left = corner.x() + round((rect.x() - corner.x()) * ratio)
    top = corner.y() + round((rect.y() - corner.y()) * ratio)
    width, height = round(rect.width() * ratio), round(rect.height() * ratio)
    return Rect(left, top, width - width % 2, height - height % 2)


def to_logical_rect(rect: Rect, screen: QScreen) -> QRect:
    """A capture rectangle (physical pixels) where Qt places it on `screen`."""
    corner, ratio = screen.geometry().topLeft(), screen.devicePixelRatio()
    return QRect(corner + QPoint(round((rect.left - corner.x()) / ratio), round((rect.top - corner.y()) / ratio)),
                 QPoint(corner.x() + round((rect.right - corner.x()) / ratio) - 1,
                        corner.y() + round((rect.bottom - corner.y()) / ratio) - 1))


def screen_of(left: int, top: int) -> QScreen:
    """The screen that shows the capture point (left, top), in physical pixels; the primary
    screen when none does."""
    for screen in QGuiApplication.screens():
        area = physical_rect(screen)
        if area.left <= left < area.right and area.top <= top < area.bottom:
            return screen
    return QGuiApplication.primaryScreen()
