"""The top of a case: Back, the case's number and subject, and the actions it allows now."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.domain import Action
from casedesktop.i18n import _
from casedesktop.ui import icons


class CaseHeader(QWidget):
    backRequested = Signal()
    actionChosen = Signal(object)  # Action

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        self.back_button = QPushButton(icons.icon("go-previous"), _("Back"))
        self.back_button.setToolTip(_("Back to the case opened before, then to the list as you left it (Alt+Left)"))
        self.back_button.setAccessibleName(_("Back to the case list"))
        self.back_button.clicked.connect(self.backRequested.emit)
        title_row.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(_("Select a case to see it here."))
        self.title.setWordWrap(True)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.title.setFont(title_font)  # a font, not a style sheet: the label keeps following the palette
        title_row.addWidget(self.title, 1)
        layout.addLayout(title_row)

        self.actions_row = QHBoxLayout()
        self.actions_row.addStretch(1)
        layout.addLayout(self.actions_row)
        self.action_buttons: dict[Action, QPushButton] = {}

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
            button.clicked.connect(lambda _=False, a=action: self.actionChosen.emit(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action] = button
