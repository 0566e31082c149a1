"""What the list says and does around its rows: empty states, letting go of a case the filters no
longer show, cards that always set the same filter, the keyboard, and the filters' names."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casedesktop.store.list_sql import Tab
from tests.support import seed_cases

SIZE = (1350, 740)


def test_empty_states_say_why_and_offer_the_way_back(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 60)
    window = offline_window(size=SIZE)
    empty = window.table.empty
    assert not empty.isVisible()
    window.focus_search()
    qtbot.keyClicks(window.filters.search, "xyzzy")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0 and empty.isVisible(), timeout=3000)
    assert empty.title.text() == "No cases match “xyzzy”"
    assert empty.button.text() == "Clear search"
    qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 60 and not empty.isVisible())
    assert window.filters.search.text() == ""

    window.filters.severity.setCurrentIndex(window.filters.severity.findData("critical"))
    window.filters.product.setCurrentIndex(window.filters.product.findData("Payroll"))  # critical ones are Ledger Cloud
    qtbot.waitUntil(lambda: window.model.rowCount() == 0 and empty.isVisible())
    assert empty.title.text() == "No cases match these filters"
    assert empty.button.text() == "Clear filters"
    qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 60)
    assert window.filters.severity.currentData() == "" and window.filters.product.currentData() == ""
    assert not empty.isVisible()


def test_no_cases_at_all_says_so_and_offers_a_new_case(qtbot, offline_window) -> None:  # noqa: ANN001
    window = offline_window(size=SIZE)
    empty = window.table.empty
    qtbot.waitUntil(empty.isVisible)
    assert empty.title.text() == "No cases yet"
    assert empty.button.text() == "Create a case…"


def test_the_case_pane_lets_go_of_a_case_the_filters_leave_out(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 400)
    window = offline_window(size=SIZE)
    resolved = str(uuid.UUID(int=1005))
    window.select_case(resolved)
    assert window.detail.case_id == resolved
    window.tabs.setCurrentIndex(list(Tab).index(Tab.OPEN))
    qtbot.waitUntil(lambda: window.model.query.tab is Tab.OPEN and window.detail.case_id is None)
    assert not window.table.selectionModel().hasSelection()

    # A case the new result lists, even far below its first page, stays open.
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.model.query.tab is Tab.ALL)
    deep = str(uuid.UUID(int=1002))  # open, last updated long ago: near the end of 400 rows
    window.select_case(deep)
    assert window.detail.case_id == deep
    window.tabs.setCurrentIndex(list(Tab).index(Tab.OPEN))
    qtbot.waitUntil(lambda: window.model.query.tab is Tab.OPEN)
    qtbot.wait(100)
    assert window.model.row_of(deep) == -1  # not on the first page
    assert window.detail.case_id == deep


def test_each_card_sets_one_whole_filter_and_shows_what_it_counts(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 60)
    window = offline_window(size=SIZE)
    cards = window.cards
    counts = {key: int(button.text().split("\n")[1]) for key, button in cards.buttons.items()}
    window.focus_search()
    qtbot.keyClicks(window.filters.search, "Ledger")  # whatever was set before
    window.filters.product.setCurrentIndex(window.filters.product.findData("Payroll"))
    for key in ("critical", "open", "waiting_on_me", "resolved", "critical", "open"):
        qtbot.mouseClick(cards.buttons[key], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda k=key: window.model.rowCount() == counts[k] and cards.buttons[k].isChecked())
        assert window.filters.search.text() == "" and window.filters.product.currentData() == ""
        assert sum(b.isChecked() for b in cards.buttons.values()) == 1
    assert counts["open"] == 40 and counts["critical"] == 10


def test_tab_leaves_the_list_and_arrows_move_in_it(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=SIZE)
    table = window.table
    assert not table.tabKeyNavigation()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    row = table.currentIndex().row()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == row + 1
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert window.detail.isAncestorOf(QApplication.focusWidget())  # the case comes next
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.tabs  # the status tabs come before


def test_filters_have_names_and_the_account_filter_needs_accounts(db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 8)  # two accounts
    window = offline_window(size=SIZE)
    filters = window.filters
    assert (filters.severity.accessibleName(), filters.product.accessibleName(), filters.account.accessibleName()) == (
        "Severity filter", "Product filter", "Account filter")
    assert filters.account.isVisible()


def test_one_account_needs_no_account_filter_or_column(db, offline_window) -> None:  # noqa: ANN001
    from sqlalchemy import update

    from casedesktop.store.models import CaseRow

    seed_cases(db, 8)
    with db.transaction() as session:
        session.execute(update(CaseRow).values(account_name="Northwind Traders"))
    single = offline_window(size=SIZE)
    assert not single.filters.account.isVisible()
    assert "account_name" not in {k.value for k in single.table.shown_columns()}
    assert single.table.accessibleDescription() == "8 cases"
    resolved = list(Tab).index(Tab.RESOLVED)
    assert single.tabs.accessibleTabName(resolved) == "Resolved, 1 case"  # counted words, for a screen reader
    assert single.tabs.tabText(resolved) == "Resolved (1)"


def test_back_is_enabled_only_with_somewhere_to_go(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=SIZE)
    assert not window.back_action.isEnabled()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # opens the case: the list is a place to go back to
    assert window.back_action.isEnabled()
    window.back_action.trigger()
    assert window.table.hasFocus() or QApplication.focusWidget() is window.table
    assert not window.back_action.isEnabled()
