"""Runs the case list's queries on a worker thread and hands fresh results to the model.

Typing in the search box never waits on SQL: each change bumps a generation number, the worker
skips work already superseded, and results that arrive late are dropped.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from casedesktop.store import case_list
from casedesktop.store.case_list import ListQuery, SummaryCards, Tab
from casedesktop.store.database import CacheDB
from casedesktop.store.queries import CaseSummary
from casedesktop.ui.case_list_model import PAGE_SIZE, CaseListModel


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


class ListController(QObject):
    _resultReady = Signal(object)  # ListResult, emitted from the worker thread
    updated = Signal(object)  # ListResult, after the model took it (GUI thread)

    def __init__(self, db: CacheDB, model: CaseListModel):
        super().__init__()
        self._db = db
        self.model = model
        self.query = model.query
        self._generation = 0
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casedesktop-list")
        self._resultReady.connect(self._apply)
        model.sortRequested.connect(lambda key, descending: self.set_query(sort=key, descending=descending))

    def set_query(self, **changes: object) -> None:
        self.query = self.query.with_(**changes)
        self.refresh()

    def refresh(self) -> None:
        if self._closed:
            return
        self._generation += 1
        self._executor.submit(self._run, self._generation, self.query)

    def refresh_now(self) -> ListResult:
        """The same work on the calling thread: for start-up, so the first paint already has rows."""
        self._generation += 1
        result = self._compute(self._generation, self.query)
        self._apply(result)
        return result

    def _run(self, generation: int, query: ListQuery) -> None:
        if generation != self._generation:
            return  # superseded before it started
        self._resultReady.emit(self._compute(generation, query))

    def _compute(self, generation: int, query: ListQuery) -> ListResult:
        return ListResult(
            generation,
            query,
            case_list.count(self._db, query),
            case_list.page(self._db, query, 0, PAGE_SIZE),
            case_list.tab_counts(self._db, query),
            case_list.summary_cards(self._db, query.role),
            case_list.distinct_values(self._db, "product"),
            case_list.distinct_values(self._db, "account"),
        )

    def _apply(self, result: ListResult) -> None:
        if result.generation != self._generation:
            return  # a newer query is on its way
        self.model.set_result(result.query, result.count, result.first_page)
        self.updated.emit(result)

    def shutdown(self) -> None:
        self._closed = True
        self._generation += 1
        self._executor.shutdown(wait=True, cancel_futures=True)
