"""The changes the server refused, with its reason: retry (after fixing) or discard each."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import N_, _
from casedesktop.store import outbox
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.ui.tasks import writes

KIND_LABELS = {"create_case": N_("New case"), "add_comment": N_("Reply"), "action": N_("Action")}  # shown through `_`


class FailedChangesDialog(QDialog):
    changed = Signal(object)  # Changes

    def __init__(self, db: CacheDB, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Changes the server refused"))
        self.resize(640, 360)
        self._db = db
        layout = QVBoxLayout(self)
        self.intro = QLabel(_("Your text is kept. Retry after the cause is fixed, or discard the change."))
        layout.addWidget(self.intro)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Refused changes"))
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.retry_button = QPushButton(_("&Retry"))
        self.discard_button = QPushButton(_("&Discard…"))
        self.retry_button.clicked.connect(self.retry_selected)
        self.discard_button.clicked.connect(lambda: self.discard_selected())  # asks first: not clicked(checked) as confirm
        row.addWidget(self.retry_button)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for failed in outbox.failed_ops(self._db):
            kind = _(KIND_LABELS[failed.kind]) if failed.kind in KIND_LABELS else failed.kind
            if failed.case_number:
                text = _("{kind} on {case}: {error}").format(kind=kind, case=failed.case_number, error=failed.error)
            else:
                text = _("{kind} on a new case: {error}").format(kind=kind, error=failed.error)
            item = QListWidgetItem(text)
            item.setData(256, failed.op_id)
            self.list.addItem(item)
        has_rows = self.list.count() > 0
        if has_rows:
            self.list.setCurrentRow(0)
        self.retry_button.setEnabled(has_rows)
        self.discard_button.setEnabled(has_rows)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(256) if item else None

    def retry_selected(self) -> None:
        op_id = self._selected()
        if op_id:
            writes().run(outbox.retry, self._db, op_id, done=self._done, owner=self)

    def discard_selected(self, confirm: bool = True) -> None:
        op_id = self._selected()
        if not op_id:
            return
        if confirm and QMessageBox.question(self, _("Discard change"), _("Discard this change for good?")) != QMessageBox.StandardButton.Yes:
            return
        writes().run(outbox.discard, self._db, op_id, done=self._done, owner=self)

    def _done(self, changes: Changes) -> None:
        self.changed.emit(changes)
        self.reload()
