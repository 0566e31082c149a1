"""One screenshot being marked up: the picture, its marks, its crop, and their undo history.

Every change goes through the undo stack (`add`, `crop_to`), so Ctrl+Z takes back a crop as it
takes back an arrow. The picture itself is never painted on: `render` flattens a copy, which is
why undoing a redaction is possible in the editor and why the attached file, made from `render`,
has none of what a redaction covered.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QImage, QUndoCommand, QUndoStack

from casedesktop.i18n import _
from casedesktop.ui.screenshot.marks import Arrow, Frame, Highlight, Mark, Note, flatten


def describe(mark: Mark) -> str:
    """What adding `mark` did, as the Undo button's tooltip names it."""
    if isinstance(mark, Arrow):
        return _("Add an arrow")
    if isinstance(mark, Frame):
        return _("Add a rectangle")
    if isinstance(mark, Note):
        return _("Add text")
    if isinstance(mark, Highlight):
        return _("Highlight")
    return _("Redact")


class Markup(QObject):
    """The picture (in its own pixels, device pixel ratio 1) and what has been done to it."""

    changed = Signal()

    def __init__(self, picture: QImage, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picture = picture.convertToFormat(QImage.Format.Format_RGB32)
        self.picture.setDevicePixelRatio(1.0)  # a HiDPI grab says 2: its pixels are still its pixels
        self.marks: list[Mark] = []
        self.crop: QRect | None = None
        self.history = QUndoStack(self)

    def area(self) -> QRect:
        """The part of the picture that is kept: the crop, or all of it."""
        return QRect(self.crop) if self.crop is not None else self.picture.rect()

    def is_marked(self) -> bool:
        """Whether anything would be lost by closing: a mark or a crop."""
        return bool(self.marks) or self.crop is not None

    def add(self, mark: Mark) -> None:
        self.history.push(_AddMark(self, mark))

    def crop_to(self, rect: QRect) -> None:
        """Keep only `rect` (picture pixels) of what is kept now."""
        rect = rect.intersected(self.area())
        if not rect.isEmpty() and rect != self.area():
            self.history.push(_Crop(self, self.crop, rect))

    def render(self) -> QImage:
        return flatten(self.picture, self.marks, self.crop)


class _AddMark(QUndoCommand):
    def __init__(self, markup: Markup, mark: Mark) -> None:
        super().__init__(describe(mark))
        self._markup, self._mark = markup, mark

    def redo(self) -> None:
        self._markup.marks.append(self._mark)
        self._markup.changed.emit()

    def undo(self) -> None:
        self._markup.marks.remove(self._mark)
        self._markup.changed.emit()


class _Crop(QUndoCommand):
    def __init__(self, markup: Markup, before: QRect | None, after: QRect) -> None:
        super().__init__(_("Crop"))
        self._markup, self._before, self._after = markup, before, after

    def redo(self) -> None:
        self._markup.crop = QRect(self._after)
        self._markup.changed.emit()

    def undo(self) -> None:
        self._markup.crop = QRect(self._before) if self._before is not None else None
        self._markup.changed.emit()
