"""Runs the case list's queries on a worker thread and hands fresh results to the model.

Typing in the search box never waits on SQL: each change bumps a generation number and interrupts
the SQL still running for an older one (sqlite3 `interrupt()` on the worker's own connection), the
worker skips work already superseded, and results that arrive late are dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal

from casedesktop.store import case_list
from casedesktop.store.case_list import ListQuery, ListReader, SummaryCards, Tab
from casedesktop.store.database import CacheDB
from casedesktop.store.queries import CaseSummary
from casedesktop.ui.caselist.model import PAGE_SIZE, CaseListModel
from casedesktop.ui.tasks import Lane

log = logging.getLogger(__name__)
_COUNT_TABS = QEvent.Type(QEvent.registerEventType())  # the second step of a big search, after the paint


@dataclass(frozen=True)
class ListResult:
    generation: int
    query: ListQuery
    count: int
    first_page: list[CaseSummary]
    tab_counts: dict[Tab, int]
    cards: SummaryCards
    products: list[str]  # the filters' choices, from what the cache holds
    accounts: list[str]
    content: tuple = ()  # equal for two results listing the same rows in the same order
    tabs_pending: bool = False  # some tab_counts are case_list.Counting() ("…"); a second result follows
    followed: str | None = None  # the case `lists_followed` is about
    lists_followed: bool | None = None  # whether the rows include it (None: nothing followed)
    refiltered: bool = True  # the tab, a filter or the search differ from the result shown before
    first: bool = False  # the controller's first result: the window is complete
    queue_counts: dict = field(default_factory=dict)  # Queue: count, staff only


def same_rows_asked(before: ListQuery | None, after: ListQuery) -> bool:
    """Whether two queries ask for the same cases (the sort aside): same tab, filters and search."""
    return before is not None and (before.tab, before.queue, before.severity, before.priority, before.product,
                                   before.account, before.search.strip()) == (
        after.tab, after.queue, after.severity, after.priority, after.product, after.account, after.search.strip())


class ListController(QObject):
    updated = Signal(object)  # ListResult, after the model took it (GUI thread)

    def __init__(self, db: CacheDB, model: CaseListModel):
        super().__init__()
        self._db = db
        self.model = model
        self.query = model.query
        self._generation = 0
        self._shown: tuple | None = None  # the content the model shows
        self._shown_query: ListQuery | None = None  # the query of the result shown last
        self.followed: str | None = None  # the case the window shows: each result says if it is listed
        self._closed = False
        self._tabs_for: tuple[int, ListQuery] | None = None  # the result whose tabs are counted next
        self._reader = ListReader(db)
        self._lane = Lane("casedesktop-list")  # one thread: the reader's connection stays on it
        model.sortRequested.connect(lambda key, descending: self.set_query(sort=key, descending=descending))

    @property
    def generation(self) -> int:
        return self._generation

    def set_query(self, **changes: object) -> None:
        """Ask for the list with these changes; nothing is asked again for the query already asked
        for (QTableView.sortByColumn asks the model to sort twice, a debounced search may repeat)."""
        query = self.query.with_(**changes)
        if query == self.query and self._generation:
            return
        self.query = query
        self.refresh()

    def refresh(self) -> None:
        if self._closed:
            return
        self._generation += 1
        self._reader.interrupt()  # whatever still runs is for an older query
        self._lane.run(self._run, self._generation, self.query, self.followed, done=self._apply_if_any, owner=self)

    def refresh_now(self) -> ListResult:
        """The same work on the calling thread: for start-up, so the first paint already has rows."""
        self._generation += 1
        self._reader.interrupt()
        result = self._compute(self._generation, self.query, self.followed)
        self._apply(result)
        return result

    def _run(self, generation: int, query: ListQuery, follow: str | None) -> ListResult | None:
        for _attempt in range(3):
            if generation != self._generation or self._closed:
                return None  # superseded before it started (or interrupted for a newer one)
            try:
                return self._compute(generation, query, follow, tabs_later=True)
            except Exception as error:
                if case_list.is_interrupted(error):
                    continue  # superseded: the loop returns; otherwise a stray interrupt, retry
                if not self._closed:
                    log.exception("The case list query failed")
                return None
        return None

    def _apply_if_any(self, result: ListResult | None) -> None:
        if result is not None:
            self._apply(result)

    def _compute(self, generation: int, query: ListQuery, follow: str | None = None,
                 tabs_later: bool = False) -> ListResult:
        found = self._reader.first(
            query, PAGE_SIZE, tabs_later=tabs_later, cancelled=lambda: generation != self._generation,
            follow=follow,
        )
        return ListResult(
            generation, query, found.count, found.first_page, found.tab_counts, found.cards,
            found.products, found.accounts, found.content, found.tabs_pending, follow, found.lists_followed,
            queue_counts=found.queue_counts,
        )

    def _run_tabs(self, generation: int, query: ListQuery, follow: str | None) -> ListResult | None:
        """The second step of a big search: the complete result, with every tab's count."""
        if generation != self._generation or self._closed:
            return None
        try:
            return self._compute(generation, query, follow)
        except Exception as error:
            if not case_list.is_interrupted(error) and not self._closed:
                log.exception("Counting the case list's tabs failed")
            return None

    def _apply(self, result: ListResult) -> None:
        if result.generation != self._generation:
            return  # a newer query is on its way
        result = replace(result, refiltered=not same_rows_asked(self._shown_query, result.query),
                         first=self._shown_query is None)
        self._shown_query = result.query
        if result.content and result.content == self._shown and result.count == self.model.rowCount():
            # The same rows in the same order (typing on within the same matches, or a search
            # every case matches): no model reset, so the selection and scroll position stay.
            self.model.query = result.query
        else:
            self.model.set_result(result.query, result.count, result.first_page)
            self._shown = result.content
        self.updated.emit(result)
        if result.tabs_pending and not self._closed:
            # Count the tabs once the list is painted, so the paint does not share the CPU (and
            # the GIL) with them: the repaint just asked for is a low-priority posted event, and
            # this one, posted after it at the same priority, comes after it (a 0 ms timer came
            # before it and made the paint twice as slow). A newer query cancels the count.
            self._tabs_for = (result.generation, result.query)
            QCoreApplication.postEvent(self, QEvent(_COUNT_TABS), Qt.EventPriority.LowEventPriority.value)

    def event(self, event: QEvent) -> bool:
        if event.type() == _COUNT_TABS:
            if self._tabs_for is not None:
                (generation, query), self._tabs_for = self._tabs_for, None
                self._submit_tabs(generation, query)
            return True
        return super().event(event)

    def _submit_tabs(self, generation: int, query: ListQuery) -> None:
        if generation == self._generation and not self._closed:
            self._lane.run(self._run_tabs, generation, query, self.followed, done=self._apply_if_any, owner=self)

    def shutdown(self) -> None:
        self._closed = True
        self._generation += 1
        self._reader.interrupt()
        self._lane.shutdown(wait=True)
        self._reader.close()
