"""The Changes view: one place for what sync could not do as the user asked.

- Changes the server refused, with its reason and the user's kept text: retry or discard each
  (FailedChangesDialog's list and buttons, reused as they are).
- Messages about the user's own changes (store/conflicts.py): what the server changed meanwhile and
  the text the user wrote, kept; mark them seen, or open the case.

Each part shows only when it has something; with nothing in either, one plain sentence says so.

Reached from the status bar's "Details…" button and View ▸ Changes… (Ctrl+Shift+C).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from casedesktop.i18n import N_, _
from casedesktop.store import conflicts, outbox
from casedesktop.store.database import CacheDB
from casedesktop.ui.dialogs.failed_changes import FailedChangesDialog
from casedesktop.ui.tasks import writes

NOTICE_LABELS = {  # English, shown through `_`
    conflicts.NoticeKind.REFUSED.value: N_("Refused"),
    conflicts.NoticeKind.OVERTAKEN.value: N_("Already done by someone else"),
    conflicts.NoticeKind.MOVED_ON.value: N_("The case moved on"),
    conflicts.NoticeKind.RECOVERED.value: N_("Cache recovered"),
}
CASE_ROLE = Qt.ItemDataRole.UserRole + 2
NOTICE_ROLE = Qt.ItemDataRole.UserRole + 3


def _heading(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setBuddy(buddy)  # Alt + the underlined letter puts the keyboard in the list
    return label


class ChangesDialog(FailedChangesDialog):
    """Refused changes (retry, discard) and notices (mark seen, open the case) in one dialog."""

    openCaseRequested = Signal(str)  # case id
    unseenChanged = Signal(int)  # notices not seen yet, after the user marked some

    def __init__(self, db: CacheDB, parent: QWidget | None = None):
        super().__init__(db, parent)  # builds the refused list and its buttons, then reload()
        self.notices: list[conflicts.Notice] = []
        self.setWindowTitle(_("Changes"))
        self.setAccessibleName(_("Changes"))
        self.resize(760, 560)
        layout = self.layout()
        self.intro.setWordWrap(True)
        self.empty_state = QLabel(_("Everything you did has reached support. Nothing is waiting to be sent."))
        self.empty_state.setWordWrap(True)
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.insertWidget(0, self.empty_state, 1)
        self.refused_heading = _heading(_("Changes support could not &accept"), self.list)
        layout.insertWidget(1, self.refused_heading)
        self.list.setAccessibleName(_("Changes support could not accept"))
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setMinimumHeight(90)
        self.retry_button.setAccessibleName(_("Retry the refused change"))
        self.retry_button.setToolTip(_("Send the change again (after the cause is fixed)"))
        self.discard_button.setAccessibleName(_("Discard the refused change"))
        self.discard_button.setToolTip(_("Take the change back for good; the case keeps the server's state"))

        self.kept = QTextBrowser()
        self.kept.setAccessibleName(_("The selected change: the server's reason and your kept text"))
        self.kept.setMaximumHeight(90)
        self.list.currentItemChanged.connect(lambda *_: self._show_kept())
        self.list.itemActivated.connect(self._open_failed)

        self.notice_list = QListWidget()
        self.notice_list.setAccessibleName(_("Messages about your changes"))
        self.notice_list.setWordWrap(True)
        self.notice_list.setSpacing(3)
        self.notice_list.currentItemChanged.connect(lambda *_: self._update_notice_buttons())
        self.notice_list.itemActivated.connect(lambda _item: self.open_selected_case())
        self.seen_button = QPushButton(_("Mark as &seen"))
        self.seen_button.setAccessibleName(_("Mark the notices of this case as seen"))
        self.seen_button.setToolTip(_("Mark every notice about this case as seen"))
        self.seen_button.clicked.connect(self.mark_selected_seen)
        self.all_seen_button = QPushButton(_("Mark a&ll as seen"))
        self.all_seen_button.setAccessibleName(_("Mark all notices as seen"))
        self.all_seen_button.clicked.connect(self.mark_all_seen)
        self.open_button = QPushButton(_("&Open case"))
        self.open_button.setAccessibleName(_("Open the case of the selected notice"))
        self.open_button.setToolTip(_("Close this view and open the case (Enter on a notice does the same)"))
        self.open_button.clicked.connect(self.open_selected_case)
        row = QHBoxLayout()
        for button in (self.seen_button, self.all_seen_button, self.open_button):
            row.addWidget(button)
        row.addStretch(1)

        at = layout.count() - 1  # before the Close button
        layout.insertWidget(at, self.kept)
        self.notice_heading = _heading(_("&Messages about your changes"), self.notice_list)
        layout.insertWidget(at + 1, self.notice_heading)
        layout.insertWidget(at + 2, self.notice_list, 1)
        layout.insertLayout(at + 3, row)
        self.reload()

    # --- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        super().reload()
        self._failed_cases: dict[str, str] = {f.op_id: f.case_id for f in outbox.failed_ops(self._db)}
        if not hasattr(self, "notice_list"):
            return  # FailedChangesDialog's __init__: the notices part is not built yet
        self._show_kept()
        self.notices = conflicts.notices(self._db)
        selected = self._selected_notice()
        self.notice_list.clear()
        for notice in self.notices:
            kind = NOTICE_LABELS.get(notice.kind)
            text = _("{kind}: {message}").format(kind=_(kind) if kind else notice.kind, message=notice.message)
            if not notice.seen:
                text = _("New · {notice}").format(notice=text)
            if notice.your_text:
                text += "\n" + _("You wrote: “{text}”").format(text=notice.your_text)
            item = QListWidgetItem(text)
            item.setData(CASE_ROLE, notice.case_id)
            item.setData(NOTICE_ROLE, notice.id)
            item.setToolTip(item.text())
            if not notice.seen:
                font = QFont(self.notice_list.font())
                font.setBold(True)
                item.setFont(font)
            self.notice_list.addItem(item)
            if selected is not None and selected.id == notice.id:
                self.notice_list.setCurrentItem(item)
        if self.notice_list.currentItem() is None and self.notice_list.count():
            self.notice_list.setCurrentRow(0)
        self._update_notice_buttons()
        self._show_parts()

    def _show_parts(self) -> None:
        """Only the parts that have something; the plain sentence when neither has."""
        refused, notices = self.list.count() > 0, bool(self.notices)
        for widget in (self.refused_heading, self.intro, self.list, self.retry_button, self.discard_button,
                       self.kept):
            widget.setVisible(refused)
        for widget in (self.notice_heading, self.notice_list, self.seen_button, self.all_seen_button,
                       self.open_button):
            widget.setVisible(notices)
        self.empty_state.setVisible(not refused and not notices)

    def _show_kept(self) -> None:
        op_id = self._selected()
        if op_id is None:
            self.kept.setPlainText("")
            return
        item = self.list.currentItem()
        kept = next((n.your_text for n in conflicts.notices(self._db) if n.op_id == op_id and n.your_text), "")
        self.kept.setPlainText(item.text() + ("\n\n" + _("Your text, kept: “{text}”").format(text=kept) if kept else ""))

    def _selected_notice(self) -> conflicts.Notice | None:
        item = self.notice_list.currentItem() if hasattr(self, "notice_list") else None
        notice_id = item.data(NOTICE_ROLE) if item else None
        return next((n for n in self.notices if n.id == notice_id), None)

    def _update_notice_buttons(self) -> None:
        notice = self._selected_notice()
        self.seen_button.setEnabled(notice is not None and not notice.seen)
        self.open_button.setEnabled(notice is not None)
        self.all_seen_button.setEnabled(any(not n.seen for n in self.notices))

    # --- acting ----------------------------------------------------------------------------------

    def _unseen(self) -> int:
        return sum(1 for n in conflicts.notices(self._db, unseen_only=True))

    def mark_selected_seen(self) -> None:
        notice = self._selected_notice()
        if notice is not None:
            writes().run(conflicts.mark_seen, self._db, notice.case_id, done=lambda _: self._seen(), owner=self)

    def mark_all_seen(self) -> None:
        writes().run(conflicts.mark_seen, self._db, done=lambda _: self._seen(), owner=self)

    def _seen(self) -> None:
        self.reload()
        self.unseenChanged.emit(self._unseen())

    def open_selected_case(self) -> None:
        notice = self._selected_notice()
        if notice is not None:
            self._open(notice.case_id)

    def _open_failed(self, item: QListWidgetItem) -> None:
        case_id = self._failed_cases.get(item.data(256))
        if case_id:
            self._open(case_id)

    def _open(self, case_id: str) -> None:
        conflicts.mark_seen(self._db, case_id)  # opening the case is reading what it says
        self.unseenChanged.emit(self._unseen())
        self.accept()
        self.openCaseRequested.emit(case_id)
