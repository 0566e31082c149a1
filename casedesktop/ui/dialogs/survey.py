"""The optional two-question survey offered when a customer accepts a resolution."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action
from casedesktop.i18n import N_, _

# The answers are sent as these English values; the dialog shows them translated.
QUESTIONS = (
    ("solved", N_("Did the resolution solve your problem?"), (N_("Yes"), N_("Partly"), N_("No"))),
    ("satisfaction", N_("How satisfied are you with the support you received?"), ("1", "2", "3", "4", "5")),
)


class SurveyDialog(QDialog):
    """Accepting closes the case whatever is answered; the answers are optional."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Accept resolution"))
        layout = QVBoxLayout(self)
        self.explanation = QLabel(Action.ACCEPT.explanation)  # the same line as the button's tooltip
        font = self.explanation.font()
        font.setBold(True)
        self.explanation.setFont(font)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        layout.addWidget(QLabel(_("Two optional questions help us improve:")))
        self.groups: dict[str, QButtonGroup] = {}
        for key, question, choices in QUESTIONS:
            layout.addWidget(QLabel(_(question)))
            row = QHBoxLayout()
            group = QButtonGroup(self)
            for i, choice in enumerate(choices):
                button = QRadioButton(_(choice) if choice.isalpha() else choice)
                button.setAccessibleName(f"{_(question)} {button.text()}")
                group.addButton(button, i)
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
            self.groups[key] = group
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(_("Anything else? (optional)"))
        self.comment.setAccessibleName(_("Anything else? (optional)"))
        self.comment.setTabChangesFocus(True)  # Tab goes on to the buttons
        self.comment.setMaximumHeight(70)
        layout.addWidget(self.comment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Accept and close"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def answers(self) -> dict[str, str]:
        result = {}
        for key, _question, choices in QUESTIONS:
            checked = self.groups[key].checkedId()
            if checked >= 0:
                result[key] = choices[checked]  # the English value, whatever the button shows
        if self.comment.toPlainText().strip():
            result["comment"] = self.comment.toPlainText().strip()
        return result
