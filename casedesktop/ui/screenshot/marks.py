"""The marks a user draws on a screenshot, and how each one paints itself.

Every mark is kept in the picture's own pixels, never the screen's: the editor shows the picture
at any zoom through the painter's transform, and `flatten` paints the very same marks at 1:1, so
what is attached does not depend on the zoom it was drawn at. Marks paint in the order they were
made, each over the ones before, except redactions, which paint last of all (`in_paint_order`): a
redaction is an opaque fill of whole pixels with antialiasing off, so nothing of what it covers
survives in the attached file, and no later mark (a highlight over it) can tint it.

Stroke widths and text sizes grow with the picture (`stroke_width`), so a mark on a 4K capture is
as visible as one on a small window's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QPolygonF,
    QTextDocument,
)

from casedesktop.ui import theme

HEAD_LENGTH, HEAD_HALF_WIDTH = 4.5, 2.6  # an arrow's head, in stroke widths
NOTE_SIZE = 4.5  # a note's text height, in stroke widths
NOTE_PADDING = 0.3  # space around a note's text inside its box, in text heights
NOTE_MIN_CONTRAST = 3.0  # of a note's text on its white box, else the box is black


def stroke_width(size: QSize) -> float:
    """The pen for a picture of `size`: 4 px up to about 1400 px across, then in proportion
    (6 px on a full-HD capture, 12 on a 4K one)."""
    return max(4.0, round(max(size.width(), size.height()) / 320))


@dataclass(frozen=True, eq=False)
class Arrow:
    """A line from `start` with a head at `end`, pointing at what matters."""

    start: QPointF
    end: QPointF
    colour: QColor
    width: float

    def paint(self, painter: QPainter) -> None:
        line = QLineF(self.start, self.end)
        length = line.length()
        if length <= 0:
            return
        head = min(HEAD_LENGTH * self.width, length)
        unit = QPointF(line.dx() / length, line.dy() / length)
        normal = QPointF(-unit.y(), unit.x()) * (HEAD_HALF_WIDTH * self.width * head / (HEAD_LENGTH * self.width))
        base = self.end - unit * head
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(self.colour, self.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(QLineF(self.start, base + unit * (head * 0.3)))  # into the head: no gap at its base
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawPolygon(QPolygonF([self.end, base + normal, base - normal]))
        painter.restore()


@dataclass(frozen=True, eq=False)
class Frame:
    """A rectangle's outline around something."""

    rect: QRectF
    colour: QColor
    width: float

    def paint(self, painter: QPainter) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(self.colour, self.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.SquareCap,
                            Qt.PenJoinStyle.MiterJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect.normalized())
        painter.restore()


@dataclass(frozen=True, eq=False)
class Highlight:
    """A marker's translucent stripe over a rectangle: what is under it stays readable."""

    rect: QRectF

    def paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect.normalized(), theme.highlighter_colour())


@dataclass(frozen=True, eq=False)
class Redaction:
    """Whole pixels replaced by solid black: not blurred, not pixelated, nothing left to undo."""

    rect: QRect

    @staticmethod
    def covering(rect: QRectF) -> Redaction:
        """The redaction of every pixel `rect` touches, even in part."""
        return Redaction(rect.normalized().toAlignedRect())

    def paint(self, painter: QPainter) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.fillRect(self.rect, theme.redaction_colour())
        painter.restore()


def note_font(pixel_size: int) -> QFont:
    """The application's font at `pixel_size`, bold enough to read on any picture."""
    font = QFont(QGuiApplication.font())
    font.setPixelSize(max(1, pixel_size))
    font.setWeight(QFont.Weight.DemiBold)
    return font


def note_document(text: str, pixel_size: int) -> QTextDocument:
    """A note's text laid out as the in-place editor lays it out, so committing it moves nothing."""
    document = QTextDocument()
    document.setDefaultFont(note_font(pixel_size))
    document.setDocumentMargin(max(1.0, pixel_size * NOTE_PADDING))
    document.setPlainText(text)
    return document


def note_background(colour: QColor) -> QColor:
    """White behind a note, as a label stuck on the picture; black behind text too pale for white."""
    white = theme.markup_colours()["white"]
    return white if theme.contrast(colour, white) >= NOTE_MIN_CONTRAST else theme.black_or_white(colour)


def paint_note_box(painter: QPainter, box: QRectF, colour: QColor) -> None:
    """The box behind a note, edged in the text's colour, so a note reads on any picture."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    edge = max(1.0, box.height() / 24)
    painter.setPen(QPen(colour, edge))
    painter.setBrush(note_background(colour))
    radius = min(box.height(), box.width()) * 0.12
    painter.drawRoundedRect(box.adjusted(edge / 2, edge / 2, -edge / 2, -edge / 2), radius, radius)
    painter.restore()


@dataclass(frozen=True, eq=False)
class Note:
    """Text on its own box, its top left corner at `position`."""

    position: QPointF
    text: str
    colour: QColor
    pixel_size: int

    def paint(self, painter: QPainter) -> None:
        document = note_document(self.text, self.pixel_size)
        paint_note_box(painter, QRectF(self.position, document.size()), self.colour)
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette(context.palette)
        palette.setColor(QPalette.ColorRole.Text, self.colour)
        context.palette = palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.translate(self.position)
        document.documentLayout().draw(painter, context)
        painter.restore()


Mark = Arrow | Frame | Highlight | Redaction | Note


def inside(box: QRectF, bounds: QRectF) -> QRectF:
    """`box` moved (not resized) as little as needed to lie within `bounds`, where it fits: a
    note typed near the picture's edge is kept whole instead of cut off."""
    x = min(max(box.left(), bounds.left()), max(bounds.left(), bounds.right() - box.width()))
    y = min(max(box.top(), bounds.top()), max(bounds.top(), bounds.bottom() - box.height()))
    return QRectF(x, y, box.width(), box.height())


def between(start: QPointF, end: QPointF) -> QRectF:
    """The rectangle two corners span, whichever way it was dragged."""
    return QRectF(start, end).normalized()


def is_drawn(start: QPointF, end: QPointF, scale: float, least: float = 4.0) -> bool:
    """Whether a drag went far enough on the screen (`least` screen pixels at `scale`) to be a
    mark rather than a click."""
    return math.hypot(end.x() - start.x(), end.y() - start.y()) * scale >= least


def in_paint_order(marks: list[Mark]) -> list[Mark]:
    """The marks as they are painted: in the order made, redactions over everything."""
    return [m for m in marks if not isinstance(m, Redaction)] + [m for m in marks if isinstance(m, Redaction)]


def flatten(picture: QImage, marks: list[Mark], crop: QRect | None = None) -> QImage:
    """`picture` with `marks` painted in, cut to `crop`: the pixels that are attached."""
    out = picture.convertToFormat(QImage.Format.Format_RGB32)
    out.setDevicePixelRatio(1.0)
    if marks:
        painter = QPainter(out)
        for mark in in_paint_order(marks):
            mark.paint(painter)
        painter.end()
    if crop is not None:
        out = out.copy(crop.intersected(out.rect()))
    return out
