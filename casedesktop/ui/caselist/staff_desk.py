"""What the window adds for support staff around the list: queue tabs in place of the status
tabs, the priority filter, the desk's cards (the server's summary, fetched off the GUI thread
after each sync; offline the last figures stay), and the Triage… command for the selected cases
(File menu, Ctrl+Shift+T, the rows' context menu). A customer's window never builds it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QTabBar, QWidget

from casedesktop.domain.queues import Queue
from casedesktop.i18n import _, ngettext, pgettext
from casedesktop.store import reference
from casedesktop.store.list_sql import SortKey
from casedesktop.ui.caselist.summary_cards import STAFF_CARD_FILTERS, StaffCardsBar
from casedesktop.ui.caselist.table import KEYS
from casedesktop.ui.dialogs.bulk_triage import BulkTriageDialog, triage_cases
from casedesktop.ui.tasks import background, writes

if TYPE_CHECKING:
    from casedesktop.api import StaffSummaryOut
    from casedesktop.sync.worker import SyncStatus
    from casedesktop.ui.caselist.controller import ListResult
    from casedesktop.ui.mainwindow.window import MainWindow

log = logging.getLogger(__name__)

QUEUES = tuple(Queue)  # the tabs, in domain/queues.py's order
# A context of their own, as the customer's status tabs: a queue names a group of cases, counted.
_QUEUE_LABELS = {
    Queue.ALL: lambda: pgettext("queue tab", "All"),
    Queue.UNASSIGNED: lambda: pgettext("queue tab", "Unassigned"),
    Queue.MINE: lambda: pgettext("queue tab", "Mine"),
    Queue.OPEN: lambda: pgettext("queue tab", "Open"),
    Queue.WAITING: lambda: pgettext("queue tab", "Waiting on customer"),
    Queue.RESOLVED: lambda: pgettext("queue tab", "Resolved"),
    Queue.OVERDUE: lambda: pgettext("queue tab", "Overdue"),
}
_QUEUE_TIPS = {
    Queue.ALL: lambda: _("Every case"),
    Queue.UNASSIGNED: lambda: _("Active cases nobody owns"),
    Queue.MINE: lambda: _("Active cases you own"),
    Queue.OPEN: lambda: _("Cases still being worked on, by support or the customer"),
    Queue.WAITING: lambda: _("Cases waiting on the customer's answer"),
    Queue.RESOLVED: lambda: _("Resolved and closed cases"),
    Queue.OVERDUE: lambda: _("Active cases that missed a service level target"),
}


def queue_label(queue: Queue) -> str:
    return _QUEUE_LABELS[queue]()


def fetch_desk_summary(profile: object) -> StaffSummaryOut:
    """The server's summary (runs on a background lane: it is a network call)."""
    from casedesktop.sync.staff_desk import fetch_summary

    client = profile.api()  # type: ignore[attr-defined]
    try:
        return fetch_summary(client)
    finally:
        client.close()


class StaffDesk:
    def __init__(self, window: MainWindow):
        self.window = window
        self._build_list(window)
        self.triage_action = QAction(_("Tri&age selected cases…"), window)
        self.triage_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.triage_action.setToolTip(_("Set priority, category, source or owner of the selected cases (Ctrl+Shift+T)"))
        self.triage_action.triggered.connect(lambda: self.triage_selection())
        window.addAction(self.triage_action)  # the shortcut works wherever the focus is
        window.commands.file_menu.insertAction(window.commands.sync, self.triage_action)
        window.table.offer_row_actions([self.triage_action])
        self.dialog: BulkTriageDialog | None = None

    def triage_selection(self) -> BulkTriageDialog | None:
        """Ask what to set on the selected cases (the open case when none is selected), then write it."""
        window = self.window
        case_ids = window.table.selected_case_ids() or ([window.detail.case_id] if window.detail.case_id else [])
        if not case_ids:
            QMessageBox.information(window, _("Triage"), _("Select the cases to triage in the list first."))
            return None
        session = window.session
        dialog = BulkTriageDialog(len(case_ids), reference.load(session.db).categories, window)
        self.dialog = dialog

        def chosen() -> None:
            choice = dialog.choice()
            writes().run(triage_cases, session.db, session.identity, case_ids, choice, owner=window,
                         done=lambda changes: self._written(changes, len(case_ids)))

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def _written(self, changes: object, count: int) -> None:
        self.window.local_change(changes)
        self.window.statusBar().showMessage(ngettext(
            "Saved the triage of {count} case; it will be sent at the next sync.",
            "Saved the triage of {count} cases; they will be sent at the next sync.", count).format(count=count), 10000)

    # --- the list: queue tabs, priority filter, cards --------------------------------------------

    def _build_list(self, window: MainWindow) -> None:
        session = window.session
        self.queues = QTabBar()
        self.queues.setAccessibleName(_("Case queue tabs"))
        # Seven queues with their counts: on a narrow list, scroll arrows rather than cut counts.
        self.queues.setUsesScrollButtons(True)
        self.queues.setElideMode(Qt.TextElideMode.ElideNone)
        self.queues.setExpanding(False)
        for i, queue in enumerate(QUEUES):
            self.queues.addTab(queue_label(queue))
            self.queues.setTabToolTip(i, _QUEUE_TIPS[queue]())
        window.tabs.blockSignals(True)
        window.tabs.setCurrentIndex(0)  # the status tabs give way to the queues: all statuses
        window.tabs.blockSignals(False)
        window.tabs.hide()
        window.left_layout.insertWidget(window.left_layout.indexOf(window.tabs) + 1, self.queues)
        self.queues.currentChanged.connect(lambda i: window.controller.set_query(queue=QUEUES[i]))

        window.filters.show_priority()
        header = window.table.horizontalHeader()
        priority, severity = KEYS.index(SortKey.PRIORITY), KEYS.index(SortKey.SEVERITY)
        if header.visualIndex(priority) == header.count() - 1:  # the model's last: beside severity
            header.moveSection(header.visualIndex(priority), header.visualIndex(severity) + 1)
        self.cards = StaffCardsBar()
        window.cards.hide()  # the customer's cards count the cache; staff's count every case
        window.left_layout.insertWidget(window.left_layout.indexOf(window.cards) + 1, self.cards)
        self.cards.cardClicked.connect(self.card_clicked)
        window.controller.query = window.controller.query.with_(user_id=session.identity.user_id)
        window.controller.updated.connect(self._list_updated)
        self._last_sync: object = None
        if session.sync is not None:
            session.sync.statusChanged.connect(self._sync_status)
        self.refresh_summary()

    def _list_updated(self, result: ListResult) -> None:
        for i, queue in enumerate(QUEUES):
            count = result.queue_counts.get(queue)
            if count is None:
                continue
            self.queues.setTabText(i, _("{tab} ({count})").format(tab=queue_label(queue), count=count))
            cases = ngettext("{count} case", "{count} cases", count).format(count=count)
            self.queues.setAccessibleTabName(i, _("{tab}, {cases}").format(tab=queue_label(queue), cases=cases))
        self.cards.mark_current(result.query)
        chain = [self.window.filters.priority, self.window.filters.product, self.window.filters.account,
                 self.queues, self.window.table]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    def show_queue(self, queue: Queue, priority: str = "") -> None:
        """One queue with one priority, every other filter and the search cleared: one query."""
        window = self.window
        self.queues.blockSignals(True)
        self.queues.setCurrentIndex(QUEUES.index(queue))
        self.queues.blockSignals(False)
        filters = window.filters
        for combo, value in ((filters.priority, priority), (filters.severity, ""), (filters.product, ""),
                             (filters.account, "")):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        filters.set_search("")
        window.controller.set_query(queue=queue, priority=filters.priority.currentData() or "", severity="",
                                    product="", account="", search="")

    def card_clicked(self, key: str) -> None:
        queue, priority = STAFF_CARD_FILTERS[key]
        self.show_queue(queue, priority)

    # --- the server's summary ------------------------------------------------------------------

    def _sync_status(self, status: SyncStatus) -> None:
        """After each pass that reached the server, the figures again."""
        if status.online and not status.syncing and status.last_sync != self._last_sync:
            self._last_sync = status.last_sync
            self.refresh_summary()

    def refresh_summary(self) -> None:
        session = self.window.session
        if session.identity.server_url:
            background().run(fetch_desk_summary, session.profile, done=self.cards.show_summary,
                             failed=self._summary_failed, owner=self.cards)

    def _summary_failed(self, error: BaseException) -> None:
        log.info("The desk's summary could not be fetched: %s", error)  # the last figures stay
