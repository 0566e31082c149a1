"""Resolve a case in one dialog: the summary the customer reads (required), the root cause and
the kind of resolution (both for staff's records, optional).

The summary becomes the resolution card and the activity entry; the earlier resolution of a case
reopened later stays in its activity. Each text is checked against the domain's limit where it
is typed, so nothing is lost to a refusal after Resolve.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action, ActionInput
from casedesktop.domain.fields import REASON_MAX
from casedesktop.i18n import N_, _, format_number, ngettext
from casedesktop.ui.field_message import FieldMessage

# Kinds of resolution offered (free text is taken too: the server keeps any up to 200 characters).
# Stored in English, as data; shown translated.
RESOLUTION_TYPES = (N_("Configuration"), N_("How-to"), N_("Bug fix"), N_("Workaround"), N_("Duplicate"),
                    N_("No fault found"))
TYPE_MAX = 200


class ResolveDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(Action.RESOLVE.label)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        explanation = QLabel(Action.RESOLVE.explanation)
        explanation.setWordWrap(True)
        font = explanation.font()
        font.setBold(True)
        explanation.setFont(font)
        layout.addWidget(explanation)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText(_("One or two lines the customer reads: what was done."))
        self.summary.setAccessibleName(_("Resolution summary (required)"))
        self.summary_message = FieldMessage(self.summary)
        summary_box = QVBoxLayout()
        summary_box.setSpacing(2)
        summary_box.addWidget(self.summary)
        summary_box.addWidget(self.summary_message)
        summary_label = QLabel(_("&Summary (required):"))
        summary_label.setBuddy(self.summary)
        form.addRow(summary_label, summary_box)

        self.root_cause = QPlainTextEdit()
        self.root_cause.setTabChangesFocus(True)
        self.root_cause.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.root_cause.setPlaceholderText(_("What caused the problem (optional)"))
        self.root_cause.setAccessibleName(_("Root cause"))
        self.root_cause_message = FieldMessage(self.root_cause)
        cause_box = QVBoxLayout()
        cause_box.setSpacing(2)
        cause_box.addWidget(self.root_cause)
        cause_box.addWidget(self.root_cause_message)
        cause_label = QLabel(_("&Root cause:"))
        cause_label.setBuddy(self.root_cause)
        form.addRow(cause_label, cause_box)

        self.resolution_type = QComboBox()
        self.resolution_type.setEditable(True)
        self.resolution_type.addItem(_("(not given)"), "")
        for name in RESOLUTION_TYPES:
            self.resolution_type.addItem(_(name), name)
        self.resolution_type.setAccessibleName(_("Resolution type"))
        self.resolution_type.lineEdit().setMaxLength(TYPE_MAX)
        type_label = QLabel(_("Resolution &type:"))
        type_label.setBuddy(self.resolution_type)
        form.addRow(type_label, self.resolution_type)
        layout.addLayout(form, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setText(Action.RESOLVE.label)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.summary.textChanged.connect(self._check)
        self.root_cause.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        """Resolve enables with a summary; a text over the limit says so under itself."""
        problems = False
        for field, message in ((self.summary, self.summary_message), (self.root_cause, self.root_cause_message)):
            length = len(field.toPlainText().strip())
            if length > REASON_MAX:
                too_long = ngettext("{count} character: keep it to {limit}.",
                                    "{count} characters: keep it to {limit}.", length)
                message.show_error(too_long.format(count=format_number(length), limit=format_number(REASON_MAX)))
                problems = True
            else:
                message.clear()
        self.confirm.setEnabled(bool(self.summary.toPlainText().strip()) and not problems)

    def type_value(self) -> str:
        """The chosen kind as stored (English for the offered ones), or what was typed."""
        text = self.resolution_type.currentText().strip()
        index = self.resolution_type.findText(text)
        return self.resolution_type.itemData(index) if index >= 0 else text

    def value(self) -> ActionInput:
        return ActionInput(summary=self.summary.toPlainText().strip(),
                           root_cause=self.root_cause.toPlainText().strip(),
                           resolution_type=self.type_value())
