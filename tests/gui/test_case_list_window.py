"""The main window's list on a seeded cache: sort, tabs and counts, filters, search, lazy fetching,
and the lifecycle buttons of the detail pane in every state."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt

from casedesktop.domain import Action
from casedesktop.store import queries
from casedesktop.store.models import CaseRow
from casedesktop.ui.caselist.model import PAGE_SIZE
from casedesktop.ui.dialogs.reason import ReasonDialog
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases


@pytest.fixture
def window(db, offline_window) -> MainWindow:  # noqa: ANN001
    seed_cases(db, 60)
    return offline_window(size=None)


def visible_numbers(window: MainWindow) -> list[str]:
    return [window.model.index(r, 0).data() for r in range(window.model.rowCount())]


def test_model_passes_qt_model_tests(qtmodeltester, window: MainWindow) -> None:
    qtmodeltester.check(window.model, force_py=True)


def test_sort_by_clicking_a_header(qtbot, window: MainWindow) -> None:
    assert visible_numbers(window)[0] == "CS-1060"  # last updated first
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(0) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    qtbot.waitUntil(lambda: visible_numbers(window)[0] in ("CS-1001", "CS-1060") and window.model.query.sort.value == "number")
    first = visible_numbers(window)[0]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5))
    qtbot.waitUntil(lambda: visible_numbers(window)[0] != first)
    assert sorted(visible_numbers(window)) == sorted(f"CS-{n}" for n in range(1001, 1061))


def test_a_new_result_is_laid_out_at_once(qtbot, window: MainWindow) -> None:
    """A model reset lays its rows out at once, not from a timer whose layout would repaint the list
    a second time right after the reset's own paint (a sort change or a search keystroke painted
    every row twice)."""
    bar = window.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # 60 rows do not fit
    model = window.model
    model.set_result(model.query, 3, [model.row(r) for r in range(3)])
    assert bar.maximum() == 0  # already laid out for 3 rows, before any event is processed


def test_tabs_show_counts_and_filter(qtbot, window: MainWindow) -> None:
    labels = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert labels == ["All (60)", "Open (40)", "Waiting on you (20)", "Resolved (10)", "Closed (10)"]
    window.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: window.model.rowCount() == 10)
    assert {window.model.index(r, 2).data() for r in range(10)} == {"Resolved"}
    window.cards.buttons["waiting_on_me"].click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 20)
    assert window.tabs.currentIndex() == 2
    # "Waiting on you" holds cases waiting on the customer and resolved ones (to accept or reject): the tab says so
    assert window.tabs.tabToolTip(2) == "Cases that are Waiting on you, Resolved"
    assert window.tabs.tabToolTip(0) == "Every case"


def test_tabs_cards_and_status_column_word_waiting_alike(qtbot, window: MainWindow, monkeypatch) -> None:  # noqa: ANN001
    from casedesktop.domain import Role, Status
    from casedesktop.store import list_sql
    from casedesktop.store.list_sql import Tab

    waiting = Status.PENDING_CUSTOMER.label_for(Role.CUSTOMER)
    assert Tab.WAITING_ON_ME.label == waiting
    assert window.cards.buttons["waiting_on_me"].accessibleName() == waiting
    assert window.tabs.tabText(2).startswith(waiting)
    # A tab's words have a translation context of their own (they are shown counted).
    contexts = []
    monkeypatch.setattr(list_sql, "pgettext", lambda context, message: contexts.append(context) or message)
    assert [tab.label for tab in Tab] == ["All", "Open", waiting, "Resolved", "Closed"]
    assert set(contexts) == {"status tab"}


def test_filters_and_search_as_you_type(qtbot, window: MainWindow) -> None:
    window.filters.severity.setCurrentIndex(window.filters.severity.findData("critical"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 15)
    assert {window.model.index(r, 3).data() for r in range(15)} == {"Critical"}
    assert window.tabs.tabText(0) == "All (15)"
    window.filters.product.setCurrentIndex(window.filters.product.findData("Ledger Cloud"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 15)  # critical cases are all Ledger Cloud
    window.filters.severity.setCurrentIndex(0)
    window.filters.product.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 60)
    window.focus_search()
    qtbot.keyClicks(window.filters.search, "CS-1042")
    qtbot.waitUntil(lambda: visible_numbers(window) == ["CS-1042"], timeout=3000)
    window.filters.search.clear()
    qtbot.keyClicks(window.filters.search, "nothing matches this")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=3000)


def test_the_search_clear_button_shows_only_over_text(qtbot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QToolButton

    clear = window.filters.search.findChild(QToolButton)
    assert not clear.isVisible()
    window.focus_search()
    qtbot.keyClicks(window.filters.search, "Payroll")
    qtbot.waitUntil(lambda: window.model.query.search == "Payroll")
    assert clear.isVisible()
    window.cards.buttons["open"].click()  # a card clears the search, as a click on the button would
    qtbot.waitUntil(lambda: window.model.query.search == "" and window.filters.search.text() == "")
    qtbot.waitUntil(lambda: not clear.isVisible())


def test_a_large_cache_is_fetched_lazily(qtbot, db, offline_window) -> None:
    seed_cases(db, 100_000)
    main = offline_window(size=None)
    assert main.model.rowCount() == 100_000
    assert main.model.rows_fetched <= 2 * PAGE_SIZE  # one screen, not 100,000 rows
    main.table.scrollToBottom()
    qtbot.wait(50)
    assert main.model.index(99_999, 0).data() == "CS-1001"
    assert main.model.rows_in_memory <= 24 * PAGE_SIZE
    assert main.model.rows_fetched < 2_000


# What a customer may do in each state (the lifecycle table; merged cases allow nothing).
CUSTOMER_BUTTONS = {
    "new": {Action.ESCALATE, Action.REQUEST_CLOSE, Action.CLOSE},
    "open": {Action.ESCALATE, Action.REQUEST_CLOSE, Action.CLOSE},
    "pending_customer": {Action.ESCALATE, Action.REQUEST_CLOSE, Action.CLOSE},
    "on_hold": {Action.ESCALATE, Action.REQUEST_CLOSE, Action.CLOSE},
    "resolved": {Action.ACCEPT, Action.REJECT},  # accepting closes it: Close case would only confuse
    "closed": {Action.REOPEN},
    "merged": set(),
}


@pytest.mark.parametrize(("status", "expected"), CUSTOMER_BUTTONS.items())
def test_each_lifecycle_button_appears_exactly_where_allowed(qtbot, window: MainWindow, db, status, expected) -> None:  # noqa: ANN001
    case_id = str(uuid.UUID(int=1003))  # not escalated
    with db.transaction() as session:
        session.get_one(CaseRow, case_id).status = status
    window.detail.show_case(case_id)
    assert set(window.detail.action_buttons) == expected
    assert all(b.text() == a.label for a, b in window.detail.action_buttons.items())


def test_reason_dialog_refuses_an_empty_reason(qtbot) -> None:
    dialog = ReasonDialog(Action.REOPEN, required=True)
    qtbot.addWidget(dialog)
    assert not dialog.confirm.isEnabled()
    qtbot.keyClicks(dialog.text, "   ")
    assert not dialog.confirm.isEnabled()
    qtbot.keyClicks(dialog.text, "It came back after the update")
    assert dialog.confirm.isEnabled()


def test_an_offline_action_shows_as_pending(qtbot, window: MainWindow, db) -> None:
    case_id = str(uuid.UUID(int=1002))  # open
    window.detail.show_case(case_id)
    assert window.detail.take_action(Action.ESCALATE, "Payroll deadline tomorrow")
    settle()  # the write lane has it, and its Changes reached the window
    assert "waiting to sync" in window.detail.title.text()
    assert "waiting to sync" in window.detail.activity.toPlainText()
    assert queries.case_detail(db, case_id).sync_state == "waiting"
