"""The tray icon: the app's icon with a badge that counts unread cases, and a tooltip that says it.

The badge is painted onto the app's icon at each size the tray asks for, in the theme's unread
colour (the list's unread dot), so it follows a dark or high-contrast palette.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QIcon, QPainter, QPen, QPixmap

from casedesktop import APP_NAME
from casedesktop.i18n import _, format_number, ngettext
from casedesktop.ui import theme

BADGE_SIZES = (16, 22, 24, 32, 48, 64)  # what trays ask for, at 1x and 2x
MOST_SHOWN = 99  # a larger count shows as "99+"


def badge_text(count: int) -> str:
    return format_number(count) if count <= MOST_SHOWN else _("{count}+").format(count=format_number(MOST_SHOWN))


def badge_pixmap(icon: QIcon, side: int, count: int) -> QPixmap:
    """`icon` at side×side with the count in a disc at its top right (the icon alone for 0)."""
    pixmap = icon.pixmap(QSize(side, side))
    if pixmap.isNull():
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
    if count <= 0:
        return pixmap
    pixmap = pixmap.copy()
    text = badge_text(count)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(7, round(side * 0.38)))
    painter.setFont(font)
    height = max(8.0, side * 0.56)
    width = max(height, painter.fontMetrics().horizontalAdvance(text) + height * 0.45)
    width = min(width, float(side))
    disc = QRectF(side - width, 0, width, height)
    marker = theme.colour("unread_marker")
    ring = max(1.0, side / 32)
    painter.setPen(QPen(theme.colour("base"), ring))
    painter.setBrush(marker)
    painter.drawRoundedRect(disc.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2), height / 2, height / 2)
    painter.setPen(theme.black_or_white(marker))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def badge_icon(icon: QIcon, count: int) -> QIcon:
    """`icon` with the unread count on it at every size a tray may ask for; `icon` for 0."""
    if count <= 0:
        return icon
    badged = QIcon()
    for side in BADGE_SIZES:
        badged.addPixmap(badge_pixmap(icon, side, count))
    return badged


def unread_tooltip(count: int) -> str:
    if count <= 0:
        return _("{app}: no unread cases").format(app=APP_NAME)
    return ngettext("{app}: {count} unread case", "{app}: {count} unread cases", count).format(
        app=APP_NAME, count=format_number(count))
