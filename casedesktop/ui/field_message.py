"""The line under a form field that says what is wrong with it, and the marks of an invalid field.

The line keeps its height while empty, so a form that shows its errors neither grows nor moves:
the field the user is looking at stays where it was. A message longer than the line is painted
elided; the whole text stays the label's text and tooltip and becomes the field's accessible
description, so a screen reader reads it whole when the field gets focus.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from casedesktop.ui import icons, speech, theme

ERROR, NOTICE = "error", "notice"
_ICONS = {ERROR: "dialog-error", NOTICE: "dialog-warning"}
_TEXT_ROLES = {ERROR: "error_text", NOTICE: "warning_text"}
_ICON_GAP = 4


class FieldMessage(QLabel):
    """An error or a notice about `field`, painted under it in a space it always keeps."""

    def __init__(self, field: QWidget, lines: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = field
        self.kind = ""  # ERROR, NOTICE, or "" while there is nothing to say
        self._lines = lines
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Ignored: a long message must never widen the form; it is elided instead.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)
        theme.follow(self._colours)

    @property
    def invalid(self) -> bool:
        return self.kind == ERROR

    def show_error(self, message: str) -> None:
        self._show(message, ERROR)

    def show_notice(self, message: str) -> None:
        """Something the user should know that blocks nothing (e.g. what was cut from a paste)."""
        self._show(message, NOTICE)

    def clear(self) -> None:
        self._show("", "")

    def announce(self) -> None:
        """Have a screen reader say the message now (as well as when the field gets focus)."""
        if self.text():
            speech.send(QAccessibleEvent(self, QAccessible.Event.Alert))

    def _show(self, message: str, kind: str) -> None:
        if not message:
            kind = ""
        if (message, kind) == (self.text(), self.kind):
            return
        self.kind = kind
        self.setText(message)
        self.setToolTip(message)
        self.field.setAccessibleDescription(message)
        self.field.setProperty("invalid", kind == ERROR)  # for style sheets and tests
        self._colours()

    def _colours(self) -> None:
        """The message in its role's colour; an invalid field's background tinted (the palette's
        error background, so it reads in dark and high-contrast themes and never resizes it)."""
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, theme.colour(_TEXT_ROLES.get(self.kind, "error_text")))
        self.setPalette(palette)
        if self.kind == ERROR:
            marked = self.field.palette()
            marked.setColor(QPalette.ColorRole.Base, theme.colour("error_background"))
            self.field.setPalette(marked)
        else:
            self.field.setPalette(QPalette())  # nothing of its own: the parent's again
        self.update()

    # --- size and painting -----------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self.text():
            return
        painter = QPainter(self)
        metrics = self.fontMetrics()
        side = metrics.height()
        painter.drawPixmap(QRect(0, 1, side, side), icons.pixmap(_ICONS[self.kind], side, _TEXT_ROLES[self.kind],
                                                                 self.devicePixelRatioF()))
        left = side + _ICON_GAP
        width = max(1, self.width() - left)
        for index, line in enumerate(self._wrapped(width)):
            rect = QRect(left, 1 + index * metrics.lineSpacing(), width, metrics.lineSpacing())
            self.style().drawItemText(painter, rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                      self.palette(), self.isEnabled(), line, QPalette.ColorRole.WindowText)

    def _wrapped(self, width: int) -> list[str]:
        """The message in at most `lines` lines of `width`, the last one elided if it goes on."""
        text = self.text()
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        starts: list[int] = []
        while len(starts) < self._lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            starts.append(line.textStart())
        layout.endLayout()
        ends = [*starts[1:], len(text)]
        lines = [text[start:end].strip() for start, end in zip(starts, ends, strict=True)]
        if lines:
            rest = text[starts[-1]:].strip()
            lines[-1] = self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width)
        return lines


def with_message(field: QWidget, lines: int = 1) -> tuple[QWidget, FieldMessage]:
    """`field` over its message line, in one widget for a form row; the row's label (its buddy)
    and clicks on it reach the field."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(1)
    message = FieldMessage(field, lines)
    layout.addWidget(field)
    layout.addWidget(message)
    box.setFocusProxy(field)
    return box, message
