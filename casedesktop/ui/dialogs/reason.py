"""Asks for the text an action needs (a reason, a resolution summary); Confirm enables once it is filled.

It opens with the line that says what the action does, the same as its button's tooltip.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action
from casedesktop.i18n import _


class ReasonDialog(QDialog):
    def __init__(self, action: Action, required: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(action.label)
        self.setMinimumWidth(440)  # the explanation reads on one or two lines, not a column
        self.required = required
        layout = QVBoxLayout(self)
        # What the action does, in the words of its button's tooltip.
        self.explanation = QLabel(action.explanation)
        self.explanation.setWordWrap(True)
        font = self.explanation.font()
        font.setBold(True)
        self.explanation.setFont(font)
        layout.addWidget(self.explanation)
        prompt = {
            Action.ESCALATE: _("Why does this case need escalating?"),
            Action.REJECT: _("Why does the resolution not solve the problem?"),
            Action.REQUEST_CLOSE: _("Anything support should know (optional):"),
            Action.CLOSE: _("Why are you closing it (optional)?"),
            Action.REOPEN: _("Why are you reopening the case (the issue recurred, the fix was incomplete…)?"),
            Action.RESOLVE: _("Resolution summary: what was done?"),
        }.get(action, _("Comment (optional):"))
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName(prompt)
        self.text.setTabChangesFocus(True)  # Tab goes on to the buttons
        label.setBuddy(self.text)
        layout.addWidget(self.text)
        # Staff write it too (reopening, holding a case): say plainly that it is not an internal note.
        self.audience = QLabel(_("Support staff and the customer both see this in the case's activity."))
        self.audience.setWordWrap(True)
        layout.addWidget(self.audience)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setText(action.label)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.confirm.setEnabled(not self.required or bool(self.value()))

    def value(self) -> str:
        return self.text.toPlainText().strip()
