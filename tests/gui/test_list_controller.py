"""The list controller: a newer query interrupts an older one, the tabs' counts of a big search
come second, and a result listing the same rows does not reset the model."""

from __future__ import annotations

import threading
import time

import pytest

from casedesktop.store import case_list
from casedesktop.store.case_list import Counting, ListQuery, Tab
from casedesktop.store.database import open_cache
from casedesktop.ui.caselist.controller import ListController
from casedesktop.ui.caselist.model import CaseListModel
from tests.support import seed_cases

FOREVER = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture
def controller(qtbot, profile_dir):  # noqa: ANN001
    db = open_cache(profile_dir)
    seed_cases(db, 300)
    model = CaseListModel(db)
    controller = ListController(db, model)
    controller.refresh_now()
    yield controller
    controller.shutdown()
    db.close()


def numbers(controller: ListController) -> list[str]:
    model = controller.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_a_newer_query_interrupts_the_older_one(qtbot, controller: ListController, monkeypatch) -> None:  # noqa: ANN001
    reader = controller._reader
    original = reader.first
    started = threading.Event()
    errors: list[BaseException] = []

    def first(query: ListQuery, page_size: int, **kwargs: object) -> object:
        if query.search == "slow":  # stands for a query that would take long
            connection = reader._reader().connection
            connection.set_progress_handler(lambda: started.set(), 1000)  # it runs
            try:
                connection.execute(FOREVER).fetchall()
            except Exception as error:
                errors.append(error)
                raise
            finally:
                connection.set_progress_handler(None, 0)
        return original(query, page_size, **kwargs)

    monkeypatch.setattr(reader, "first", first)
    shown: list[str] = []
    controller.updated.connect(lambda result: shown.append(result.query.search))
    controller.set_query(search="slow")
    assert started.wait(5)
    t0 = time.monotonic()
    controller.set_query(search="CS-1042")
    qtbot.waitUntil(lambda: numbers(controller) == ["CS-1042"], timeout=3000)
    assert time.monotonic() - t0 < 2
    assert errors and case_list.is_interrupted(errors[0])
    qtbot.wait(50)
    assert shown == ["CS-1042"]  # the superseded query never reached the model


def test_tab_counts_of_a_big_search_come_second(qtbot, controller: ListController, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(case_list, "TAB_COUNTS_INLINE", 10)
    results = []
    controller.updated.connect(results.append)
    controller.set_query(search="payroll")  # 75 of the 300 cases
    qtbot.waitUntil(lambda: len(results) == 2, timeout=3000)
    quick, complete = results
    assert quick.tabs_pending and isinstance(quick.tab_counts[Tab.OPEN], Counting)
    assert quick.count == quick.tab_counts[Tab.ALL] == 75
    assert f"{quick.tab_counts[Tab.OPEN]}" == "…"
    assert not complete.tabs_pending and complete.tab_counts == case_list.tab_counts(controller._db, controller.query)
    assert complete.first_page == quick.first_page


def test_the_same_rows_do_not_reset_the_model(qtbot, controller: ListController) -> None:  # noqa: ANN001
    resets: list[int] = []
    controller.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(controller.updated):
        controller.set_query(search="ledger")  # every case mentions it: the same list
    assert resets == [] and controller.model.query.search == "ledger"
    with qtbot.waitSignal(controller.updated):
        controller.set_query(search="pa")
    assert len(resets) == 1
    with qtbot.waitSignal(controller.updated):
        controller.set_query(search="payro")  # the same matches as "pa"
    assert len(resets) == 1 and controller.model.rowCount() == 75
    with qtbot.waitSignal(controller.updated):
        controller.set_query(search="payroll", tab=Tab.CLOSED)
    assert len(resets) == 2
    assert set(numbers(controller)) == {r.number for r in case_list.page(controller._db, controller.query, 0, 500)}


def test_a_sort_asked_twice_runs_one_query(qtbot, controller: ListController) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from casedesktop.store.case_list import SortKey

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(controller.model)
    view.setSortingEnabled(True)
    results = []
    controller.updated.connect(results.append)
    before = controller.generation
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt asks the model to sort twice for it
    assert controller.generation == before + 1
    qtbot.waitUntil(lambda: len(results) == 1, timeout=3000)
    assert results[0].query.sort is SortKey.NUMBER and not results[0].query.descending
    assert numbers(controller)[:2] == ["CS-1001", "CS-1002"]
    controller.set_query(sort=SortKey.NUMBER)  # nothing changes: nothing is asked again
    qtbot.wait(50)
    assert controller.generation == before + 1 and len(results) == 1
    controller.set_query(sort=SortKey.NUMBER, descending=True)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=3000)
    assert numbers(controller)[0] == "CS-1300"


def test_the_tabs_of_a_big_search_are_counted_after_the_list_is_painted(
        qtbot, controller: ListController, monkeypatch) -> None:  # noqa: ANN001
    """The second step must not share the CPU with the paint it follows."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QTableView

    monkeypatch.setattr(case_list, "TAB_COUNTS_INLINE", 10)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(controller.model)
    view.show()
    qtbot.waitExposed(view)
    order: list[str] = []

    class PaintSpy(QObject):
        def eventFilter(self, _obj, event) -> bool:  # noqa: ANN001, N802
            if event.type() == QEvent.Type.Paint:
                order.append("paint")
            return False

    spy = PaintSpy()
    view.viewport().installEventFilter(spy)
    submit = controller._submit_tabs
    monkeypatch.setattr(controller, "_submit_tabs", lambda *args: (order.append("tabs"), submit(*args)))
    results = []
    controller.updated.connect(results.append)
    qtbot.wait(50)
    order.clear()
    controller.set_query(search="payroll")  # 75 of the 300 cases
    qtbot.waitUntil(lambda: len(results) == 2, timeout=3000)
    assert results[0].tabs_pending and not results[1].tabs_pending
    assert "tabs" in order and "paint" in order[: order.index("tabs")], order
