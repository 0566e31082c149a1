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

QUESTIONS = (
    ("solved", "Did the resolution solve your problem?", ("Yes", "Partly", "No")),
    ("satisfaction", "How satisfied are you with the support you received?", ("1", "2", "3", "4", "5")),
)


class SurveyDialog(QDialog):
    """Accepting closes the case whatever is answered; the answers are optional."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Accept resolution")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The case will be closed. Two optional questions help us improve:"))
        self.groups: dict[str, QButtonGroup] = {}
        for key, question, choices in QUESTIONS:
            layout.addWidget(QLabel(question))
            row = QHBoxLayout()
            group = QButtonGroup(self)
            for i, choice in enumerate(choices):
                button = QRadioButton(choice)
                button.setAccessibleName(f"{question} {choice}")
                group.addButton(button, i)
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
            self.groups[key] = group
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Anything else? (optional)")
        self.comment.setMaximumHeight(70)
        layout.addWidget(self.comment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Accept and close")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def answers(self) -> dict[str, str]:
        result = {}
        for key, group in self.groups.items():
            if group.checkedButton() is not None:
                result[key] = group.checkedButton().text()
        if self.comment.toPlainText().strip():
            result["comment"] = self.comment.toPlainText().strip()
        return result
