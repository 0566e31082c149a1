"""The top of a case: its number and subject, its status in words, and the actions it allows now.

Each action button says in its tooltip (and to a screen reader) what it does, in the same line
its dialog shows (`Action.explanation`). Going back is the window's: its toolbar and menu hold
the one Back.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.domain import Action
from casedesktop.i18n import _
from casedesktop.ui import theme


class CaseHeader(QWidget):
    actionChosen = Signal(object)  # Action

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(_("Select a case to see it here."))
        self.title.setWordWrap(True)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.title.setFont(title_font)  # a font, not a style sheet: the label keeps following the palette
        layout.addWidget(self.title)

        self.actions_row = QHBoxLayout()
        self.status = QLabel()
        self.status.setAccessibleName(_("Status"))
        theme.set_text_role(self.status, "muted_text")
        self.actions_row.addWidget(self.status)
        self.actions_row.addStretch(1)
        layout.addLayout(self.actions_row)
        self.action_buttons: dict[Action, QPushButton] = {}

    def set_status(self, text: str) -> None:
        """"Open · Close requested": the case's status as the list words it."""
        self.status.setText(_("Status: {status}").format(status=text) if text else "")
        self.status.setAccessibleName(self.status.text().replace(" · ", ", ") or _("Status"))

    def set_actions(self, actions: list[Action]) -> None:
        """One button per action the case allows now, in the lifecycle's order."""
        for button in self.action_buttons.values():
            self.actions_row.removeWidget(button)
            button.hide()  # gone at once, not when the event loop gets to deleteLater
            button.deleteLater()
        self.action_buttons = {}
        for action in actions:
            button = QPushButton(action.label)
            button.setAccessibleName(action.label)
            button.setToolTip(action.explanation)
            button.setAccessibleDescription(action.explanation)
            button.clicked.connect(lambda _=False, a=action: self.actionChosen.emit(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action] = button
