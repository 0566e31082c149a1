"""Ask the customer: the question goes to them as a reply and the case waits on their answer, in
one step (`staff_changes.ask_customer`), so the status never says "waiting on the customer" while
nobody asked them anything.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action, TransitionError, validate_reply, visible
from casedesktop.i18n import _
from casedesktop.store import staff_changes
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.meta import Identity
from casedesktop.ui.field_message import FieldMessage
from casedesktop.ui.tasks import writes


class AskCustomerDialog(QDialog):
    def __init__(self, case_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(Action.PENDING_CUSTOMER.label)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        explanation = QLabel(_("Your question goes to the customer as a reply, and {case} waits on their "
                               "answer. Their answer hands it back to support.").format(case=case_label))
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        label = QLabel(_("&Question for the customer:"))
        layout.addWidget(label)
        self.question = QPlainTextEdit()
        self.question.setTabChangesFocus(True)
        self.question.setAccessibleName(_("Question for the customer"))
        label.setBuddy(self.question)
        layout.addWidget(self.question, 1)
        self.message = FieldMessage(self.question)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setText(_("&Ask and wait"))
        self.confirm.setToolTip(_("Send the question and set the case to waiting on the customer"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.question.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        self.confirm.setEnabled(bool(visible(self.question.toPlainText())))

    def accept(self) -> None:
        """Only a question the reply rules take (not too long…); else why, under it, text kept."""
        errors = validate_reply(self.value())
        if errors:
            self.message.show_error(errors[0].message)
            self.question.setFocus()
            return
        super().accept()

    def value(self) -> str:
        return self.question.toPlainText().strip()


def ask_customer(parent: QWidget, db: CacheDB, identity: Identity, case_id: str, case_label: str,
                 changed: Callable[[Changes], None]) -> bool:
    """Ask for the question, then write it and the new status on the write lane; True when asked.
    A refusal (the case moved on meanwhile) is shown when the cache answers."""
    dialog = AskCustomerDialog(case_label, parent)
    if dialog.exec() != AskCustomerDialog.DialogCode.Accepted:
        return False

    def refused(error: BaseException) -> None:
        if not isinstance(error, TransitionError | InvalidInput):
            raise error
        QMessageBox.warning(parent, Action.PENDING_CUSTOMER.label, str(error))

    writes().run(staff_changes.ask_customer, db, identity, case_id, dialog.value(),
                 done=lambda result: changed(result[1]), failed=refused, owner=parent)
    return True
