"""Merge a case into another: find the parent case among the cached ones by its number or words
of its subject, pick it, confirm.

The search runs on a lane (the cache may hold many cases) and the newest search wins. The case
itself, merged cases and cases of another customer account are not offered: the server refuses
them. The merge then takes the lifecycle's path, as `casedesktop cases action merge --parent`
does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action, Role, Status
from casedesktop.i18n import _
from casedesktop.store import case_list
from casedesktop.store.case_list import ListQuery
from casedesktop.store.database import CacheDB
from casedesktop.store.list_sql import CaseSummary
from casedesktop.ui import theme
from casedesktop.ui.tasks import Lane, Task

RESULTS = 50  # candidates listed at a time: a search narrows them
_lane: Lane | None = None


def _search_lane() -> Lane:
    global _lane  # noqa: PLW0603 - one reader thread for every merge dialog
    if _lane is None:
        _lane = Lane("casedesktop-merge-search")
    return _lane


def candidates(db: CacheDB, role: Role, case_id: str, account: str, search: str) -> list[CaseSummary]:
    """Cached cases `case_id` may merge into, best match first (newest first without a search)."""
    rows = case_list.page(db, ListQuery(role=role, search=search.strip()), 0, RESULTS + 1)
    return [r for r in rows if r.id != case_id and r.status != Status.MERGED
            and (not account or r.account_name == account)][:RESULTS]


class MergeDialog(QDialog):
    def __init__(self, db: CacheDB, role: Role, case_id: str, case_label: str, account: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.role, self.case_id, self.account = db, role, case_id, account
        self.case_label = case_label
        self._task: Task | None = None
        self.setWindowTitle(_("Merge {case} into another case").format(case=case_label))
        self.setMinimumSize(560, 420)
        layout = QVBoxLayout(self)
        explanation = QLabel(Action.MERGE.explanation)
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        label = QLabel(_("&Find the case to merge into (number or words of its subject):"))
        label.setWordWrap(True)
        layout.addWidget(label)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("CS-1042, or words of the subject"))
        self.search.setAccessibleName(_("Find the case to merge into"))
        self.search.setClearButtonEnabled(True)
        label.setBuddy(self.search)
        layout.addWidget(self.search)
        self.results = QListWidget()
        self.results.setAccessibleName(_("Cases to merge into"))
        layout.addWidget(self.results, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        theme.set_text_role(self.note, "muted_text")
        layout.addWidget(self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)  # one search per pause in typing, not per key
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.find)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self._pick_single)
        self.results.currentItemChanged.connect(self._chosen)
        self.results.itemDoubleClicked.connect(lambda _item: self.confirm.isEnabled() and self.accept())
        self._chosen()
        self.find()

    def find(self) -> None:
        """Search the cache on the lane; a newer search drops the older one's answer."""
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()
        self.note.setText(_("Searching…"))
        self._task = _search_lane().run(candidates, self.db, self.role, self.case_id, self.account,
                                        self.search.text(), done=self._show, failed=self._failed, owner=self)

    def _show(self, rows: list[CaseSummary]) -> None:
        self._task = None
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(_("{case}: {subject} ({status})").format(
                case=row.label, subject=row.subject, status=Status(row.status).label_for(self.role)))
            item.setData(Qt.ItemDataRole.UserRole, row)
            self.results.addItem(item)
        if rows:
            self.note.setText("")
        elif self.search.text().strip():
            self.note.setText(_("No case in this profile matches; try its number or other words."))
        else:
            self.note.setText(_("No other case of this customer to merge into."))
        self._chosen()

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.note.setText(_("The search did not work: {error}").format(error=error))

    def _pick_single(self) -> None:
        if self.results.count() >= 1 and self.results.currentItem() is None:
            self.results.setCurrentRow(0)

    def chosen(self) -> CaseSummary | None:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _chosen(self, *_args: object) -> None:
        target = self.chosen()
        usable = target is not None and target.number is not None
        self.confirm.setEnabled(usable)
        if target is None:
            self.confirm.setText(_("&Merge"))
            return
        if not usable:
            self.note.setText(_("{case} has not reached the server yet; merge into it once it has a number.")
                              .format(case=target.label))
            return
        self.confirm.setText(_("&Merge into {case}").format(case=target.label))
        self.confirm.setMinimumWidth(self.confirm.sizeHint().width())  # the longer text is never cut
        self.note.setText(_("{case} will be closed as merged into {parent}, whose conversation goes on.")
                          .format(case=self.case_label, parent=target.label))
