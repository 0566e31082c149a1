"""The picture being marked up, at any zoom, and the mouse and keys of each drawing tool.

A `QGraphicsView` over a scene in the picture's own pixels: the view's transform is the zoom, so a
drag is turned into picture pixels by inverting it and a mark drawn at 300 % is the mark drawn at
fit. One item paints the picture, its marks and the mark being dragged (the same `paint` that
`marks.flatten` uses for the attached file); the only other item is the in-place text box while a
note is typed, replaced by a `Note` mark when it is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from casedesktop.ui import theme
from casedesktop.ui.screenshot.marks import (
    NOTE_PADDING,
    NOTE_SIZE,
    Arrow,
    Frame,
    Highlight,
    Mark,
    Note,
    Redaction,
    between,
    in_paint_order,
    inside,
    is_drawn,
    note_document,
    note_font,
    paint_note_box,
    stroke_width,
)
from casedesktop.ui.screenshot.marks_document import Markup

MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 0.05, 8.0, 1.25


class Tool(Enum):
    ARROW = "arrow"
    RECTANGLE = "rectangle"
    TEXT = "text"
    HIGHLIGHT = "highlight"
    CROP = "crop"
    REDACT = "redact"


COLOURED_TOOLS = frozenset({Tool.ARROW, Tool.RECTANGLE, Tool.TEXT})  # the others have a fixed colour


class _Picture(QGraphicsItem):
    """The picture with its marks, the mark being dragged and, while cropping, the area to keep."""

    def __init__(self, canvas: MarkupCanvas) -> None:
        super().__init__()
        self._canvas = canvas
        self._pixmap = QPixmap.fromImage(canvas.markup.picture)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(self._pixmap.rect())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        canvas = self._canvas
        area = QRectF(canvas.markup.area())
        painter.setClipRect(area)
        exposed = option.exposedRect.intersected(area)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, canvas.zoom() < 1)
        painter.drawPixmap(exposed, self._pixmap, exposed)
        for mark in in_paint_order(canvas.markup.marks):
            mark.paint(painter)
        if canvas.drawing is not None:
            canvas.drawing.paint(painter)
        if canvas.crop_pending is not None:
            self._paint_crop(painter, area, QRectF(canvas.crop_pending))

    def _paint_crop(self, painter: QPainter, area: QRectF, keep: QRectF) -> None:
        veil = QPainterPath()
        veil.setFillRule(Qt.FillRule.OddEvenFill)
        veil.addRect(area)
        veil.addRect(keep)
        dim = theme.colour("screen_dim")
        dim.setAlpha(150)
        painter.fillPath(veil, dim)
        pen = QPen(theme.focus_colour(self._canvas.palette()), 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)  # two screen pixels at any zoom
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(keep)


class _NoteEditor(QGraphicsTextItem):
    """The text box a click of the Text tool opens: Enter (or a click elsewhere) keeps the text,
    Shift+Enter starts a new line, Escape drops it."""

    def __init__(self, position: QPointF, colour: QColor, pixel_size: int,
                 finished: Callable[[bool], None]) -> None:
        super().__init__()
        self.colour, self.pixel_size = colour, pixel_size
        self._finished = finished
        self.setFont(note_font(pixel_size))
        self.document().setDocumentMargin(max(1.0, pixel_size * NOTE_PADDING))
        self.setDefaultTextColor(colour)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.setPos(position)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        box = self.boundingRect()
        paint_note_box(painter, box, self.colour)
        plain = QStyleOptionGraphicsItem(option)
        plain.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)  # no dotted frame
        super().paint(painter, plain, widget)
        pen = QPen(theme.focus_colour(widget.palette() if widget is not None else self.scene().palette()), 2,
                   Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            event.accept()
            self._finished(True)
        elif event.key() == Qt.Key.Key_Escape:
            event.accept()
            self._finished(False)
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        # Another window or a menu taking the keyboard for a moment is not "clicking elsewhere".
        if event.reason() not in (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason):
            self._finished(True)


class MarkupCanvas(QGraphicsView):
    """Shows `markup` and turns drags into its marks with the current `tool` and `colour`."""

    zoom_changed = Signal(float)
    crop_pending_changed = Signal(bool)

    def __init__(self, markup: Markup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.markup = markup
        self.tool = Tool.ARROW
        self.colour = next(iter(theme.markup_colours().values()))
        self.drawing: Mark | None = None  # the mark being dragged, not yet in the history
        self.crop_pending: QRect | None = None  # the area to keep, drawn but not applied yet
        self._press: QPointF | None = None
        self._note: _NoteEditor | None = None
        self._retired: list[_NoteEditor] = []
        self._fitting = True  # follow the window's size until the user picks a zoom
        self.setScene(QGraphicsScene(self))
        self._picture = _Picture(self)
        self.scene().addItem(self._picture)
        self.setSceneRect(QRectF(markup.area()))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        markup.changed.connect(self._markup_changed)
        theme.follow(self._paint_backdrop)

    def _paint_backdrop(self) -> None:
        """Around the picture: a step away from the window's colour, so a white screenshot still has
        an edge in a light theme and a dark one in a dark theme."""
        self.setBackgroundBrush(theme.blend(theme.colour("window"), theme.colour("window_text"), 0.18))

    # --- tools -----------------------------------------------------------------------------------

    def set_tool(self, tool: Tool) -> None:
        self.finish_note()
        if tool != Tool.CROP:
            self.cancel_crop()
        self.tool = tool
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor if tool == Tool.TEXT else Qt.CursorShape.CrossCursor)

    def set_colour(self, colour: QColor) -> None:
        self.colour = QColor(colour)

    def stroke(self) -> float:
        return stroke_width(self.markup.picture.size())

    def note_size(self) -> int:
        return round(self.stroke() * NOTE_SIZE)

    def finish_editing(self) -> None:
        """Keep what is half done (a note being typed, a crop drawn but not applied): Attach uses it."""
        self.finish_note()
        self.apply_crop()

    # --- zoom ------------------------------------------------------------------------------------

    def zoom(self) -> float:
        """The view's scale: picture pixels to the widget's (logical) pixels."""
        return self.transform().m11()

    def actual_scale(self) -> float:
        """The zoom at which one picture pixel is one pixel of the screen (a half on a 2x screen)."""
        return 1 / self.devicePixelRatioF()

    def set_zoom(self, scale: float) -> None:
        """Show the picture at `scale` (see `zoom`); the user chose it, so a resize keeps it."""
        self._fitting = False
        self._apply_zoom(scale)

    def _apply_zoom(self, scale: float) -> None:
        scale = min(MAX_ZOOM, max(MIN_ZOOM, scale))
        if scale != self.zoom():
            self.setTransform(QTransform.fromScale(scale, scale))
            self.zoom_changed.emit(scale)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(self.actual_scale())

    def fit(self) -> None:
        """The whole kept area in view, never enlarged past its own size; and keep it so on resize."""
        self._fitting = True
        area = self.markup.area()
        room = self.maximumViewportSize()  # without scroll bars, which a fitted picture does not need
        if area.isEmpty() or room.isEmpty():
            return
        self._apply_zoom(min(self.actual_scale(), room.width() / area.width(), room.height() / area.height()))
        self.centerOn(QRectF(area).center())

    def is_fitting(self) -> bool:
        return self._fitting

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().resizeEvent(event)
        if self._fitting:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.angleDelta().y():
            self.set_zoom(self.zoom() * ZOOM_STEP ** (event.angleDelta().y() / 120))
            event.accept()
        else:
            super().wheelEvent(event)

    # --- the mouse -------------------------------------------------------------------------------

    def to_picture(self, position: QPointF) -> QPointF:
        """A point of the viewport in picture pixels."""
        return self.viewportTransform().inverted()[0].map(position)

    def _clamped(self, point: QPointF) -> QPointF:
        area = QRectF(self.markup.area())
        return QPointF(min(max(point.x(), area.left()), area.right()),
                       min(max(point.y(), area.top()), area.bottom()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        point = self.to_picture(event.position())
        if self._note is not None:
            if self._note.contains(self._note.mapFromScene(point)):
                super().mousePressEvent(event)  # moves the caret, selects
            else:
                self.finish_note()  # a click elsewhere keeps the text
                event.accept()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        event.accept()
        if self.tool == Tool.TEXT:
            self._open_note(self._clamped(point))
        else:
            self._press = self._clamped(point)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press is None:
            super().mouseMoveEvent(event)
            return
        event.accept()
        end = self._clamped(self.to_picture(event.position()))
        if self.tool == Tool.CROP:
            if is_drawn(self._press, end, self.zoom()):
                self._set_crop_pending(between(self._press, end).toAlignedRect().intersected(self.markup.area()))
        else:
            self.drawing = self._mark(self._press, end) if is_drawn(self._press, end, self.zoom()) else None
        self._picture.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press is None:
            super().mouseReleaseEvent(event)
            return
        event.accept()
        start, self._press = self._press, None
        end = self._clamped(self.to_picture(event.position()))
        self.drawing = None
        if is_drawn(start, end, self.zoom()):
            if self.tool == Tool.CROP:
                self._set_crop_pending(between(start, end).toAlignedRect().intersected(self.markup.area()))
            else:
                self.markup.add(self._mark(start, end))
        self._picture.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        point = self.to_picture(event.position())
        if self.tool == Tool.CROP and self.crop_pending is not None and QRectF(self.crop_pending).contains(point):
            event.accept()
            self.apply_crop()
        elif self._note is not None:
            super().mouseDoubleClickEvent(event)  # selects a word of the note
        else:
            self.mousePressEvent(event)  # a quick second drag

    def _mark(self, start: QPointF, end: QPointF) -> Mark:
        if self.tool == Tool.ARROW:
            return Arrow(start, end, QColor(self.colour), self.stroke())
        if self.tool == Tool.RECTANGLE:
            return Frame(between(start, end), QColor(self.colour), self.stroke())
        if self.tool == Tool.HIGHLIGHT:
            return Highlight(between(start, end))
        return Redaction.covering(between(start, end))

    # --- the keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self._note is not None:
            super().keyPressEvent(event)  # to the text box
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # never the dialog's Attach: Enter belongs to the picture here
            self.apply_crop()
        elif event.key() == Qt.Key.Key_Escape and (self.crop_pending is not None or self._press is not None):
            event.accept()
            self._press, self.drawing = None, None
            self.cancel_crop()
            self._picture.update()
        else:
            super().keyPressEvent(event)

    # --- crop ------------------------------------------------------------------------------------

    def _set_crop_pending(self, rect: QRect | None) -> None:
        was = self.crop_pending is not None
        self.crop_pending = rect if rect is not None and not rect.isEmpty() else None
        self._picture.update()
        if was != (self.crop_pending is not None):
            self.crop_pending_changed.emit(self.crop_pending is not None)

    def apply_crop(self) -> None:
        rect = self.crop_pending
        self._set_crop_pending(None)
        if rect is not None:
            self.markup.crop_to(rect)

    def cancel_crop(self) -> None:
        self._set_crop_pending(None)

    # --- notes -----------------------------------------------------------------------------------

    def is_typing(self) -> bool:
        return self._note is not None

    def _open_note(self, at: QPointF) -> None:
        size = self.note_size()
        margin = max(1.0, size * NOTE_PADDING)
        line = QFontMetricsF(note_font(size)).height()
        # The caret's middle where the user clicked.
        note = _NoteEditor(at - QPointF(margin, margin + line / 2), QColor(self.colour), size, self._close_note)
        self._note = note
        self.scene().addItem(note)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        note.setFocus(Qt.FocusReason.MouseFocusReason)

    def finish_note(self) -> None:
        """Keep the note being typed, if any (a tool change, a click elsewhere, Attach)."""
        self._close_note(True)

    def _close_note(self, keep: bool) -> None:
        note, self._note = self._note, None
        if note is None:
            return
        text = note.toPlainText().strip()
        if keep and text:
            box = QRectF(note.pos(), note_document(text, note.pixel_size).size())
            self.markup.add(Note(inside(box, QRectF(self.markup.picture.rect())).topLeft(), text,
                                 QColor(note.colour), note.pixel_size))
        # The box may be in the middle of its own key or focus event: hide it now, remove it after.
        note.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        note.hide()
        self._retired.append(note)
        QTimer.singleShot(0, self, self._remove_retired)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove_retired(self) -> None:
        for note in self._retired:
            if note.scene() is not None:
                note.scene().removeItem(note)
        self._retired.clear()

    # --- following the markup --------------------------------------------------------------------

    def _markup_changed(self) -> None:
        self.setSceneRect(QRectF(self.markup.area()))
        if self._fitting:
            self.fit()
        self._picture.update()
