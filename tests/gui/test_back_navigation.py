"""Back: every case viewed (moving in the list, Enter, a notification, a link) stacks on top; Enter
remembers the list; the window's one Back (Alt+Left, the toolbar, the View menu) goes to the case
viewed before, then to the list with its selection, scroll position and search as they were left,
and is enabled only while it can."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QToolButton

from casedesktop.ui.mainwindow.window import MainWindow
from tests.support import seed_cases


@pytest.fixture
def window(db, offline_window) -> MainWindow:  # noqa: ANN001
    seed_cases(db, 400)
    return offline_window(size=(1360, 820))


def _case_id(number: int) -> str:
    return str(uuid.UUID(int=number))


def _selected(window: MainWindow) -> str | None:
    index = window.table.currentIndex()
    return window.model.case_id_at(index.row()) if index.isValid() and window.table.selectionModel().isRowSelected(index.row()) else None


def _search(qtbot, window: MainWindow, text: str) -> None:  # noqa: ANN001
    window.focus_search()
    qtbot.keyClicks(window.filters.search, text)
    qtbot.waitUntil(lambda: window.model.query.search == text and window.model.rowCount() == 100)


def _pick_row(qtbot, window: MainWindow, row: int, scroll: int) -> str:  # noqa: ANN001
    window.table.setFocus()
    window.table.verticalScrollBar().setValue(scroll)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().setCurrentIndex(window.model.index(row, 0), flags)
    window.table.verticalScrollBar().setValue(scroll)  # the row stays in view: it was chosen there
    qtbot.waitUntil(lambda: window.table.hasFocus())
    return window.model.case_id_at(row)


def test_back_goes_through_the_opened_cases_then_to_the_list_as_it_was(qtbot, window: MainWindow) -> None:
    _search(qtbot, window, "Payroll")
    scroll = 40
    a = _pick_row(qtbot, window, 50, scroll)
    assert window.detail.case_id == a
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # Enter opens the case
    assert window.detail.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: window.detail.reply_box.hasFocus())

    # A notification opens a case further up the list; then a link opens one the search does not list.
    b = window.model.case_id_at(2)
    window.notifier.notify(b, "CS update", "A reply from support")
    window.notifier.open_last()
    assert window.detail.case_id == b and _selected(window) == b
    assert window.table.verticalScrollBar().value() < scroll  # the list moved to show it
    c = _case_id(1004)  # "Inventory": not among the Payroll results
    assert window.model.row_of(c) == -1
    window.open_case(c)
    assert window.detail.case_id == c
    with qtbot.waitSignal(window.controller.updated, timeout=10_000):
        window.controller.refresh()  # a sync refreshes the list meanwhile
    window.table.verticalScrollBar().setValue(0)  # and the list is somewhere else now

    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # Back: to B
    assert window.detail.case_id == b and _selected(window) == b
    toolbar_back = next(w for w in window.findChildren(QToolButton) if w.defaultAction() is window.back_action)
    qtbot.mouseClick(toolbar_back, Qt.MouseButton.LeftButton)  # Back (toolbar): to A
    assert window.detail.case_id == a and _selected(window) == a
    assert window.detail.tabs.currentIndex() == 1
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.back_action in view_menu.actions()
    window.back_action.trigger()  # Back (the View menu's, the same action): the list
    qtbot.waitUntil(lambda: window.table.hasFocus())
    assert _selected(window) == a and window.detail.case_id == a
    assert window.table.verticalScrollBar().value() == scroll
    assert window.filters.search.text() == "Payroll" and window.model.query.search == "Payroll"
    assert window.model.rowCount() == 100

    # Nothing left to go back to: Back is disabled, and Alt+Left keeps the list as it is.
    assert not window.back_action.isEnabled() and not toolbar_back.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert _selected(window) == a and window.table.verticalScrollBar().value() == scroll


def test_back_restores_a_search_and_tab_changed_by_what_was_opened(qtbot, window: MainWindow) -> None:
    _search(qtbot, window, "Payroll")
    a = _pick_row(qtbot, window, 30, 20)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    # Say a link opened a case by clearing the search and switching the status tab to find it.
    window.filters.search.clear()
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.model.query.search == "" and window.model.query.tab.value == "open")
    window.open_case(_case_id(1002))
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # to A
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # to the list as it was
    qtbot.waitUntil(lambda: window.model.query.search == "Payroll" and _selected(window) == a)
    assert window.filters.search.text() == "Payroll" and window.tabs.currentIndex() == 0
    assert window.table.verticalScrollBar().value() == 20
    assert window.table.hasFocus()


def test_back_returns_to_cases_viewed_by_moving_in_the_list(qtbot, window: MainWindow) -> None:
    a = _pick_row(qtbot, window, 10, 0)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    linked = _case_id(1001)
    window.open_case(linked)
    assert window.model.row_of(linked) == -1  # a link to a case the list does not show
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the user goes on in the list by themselves
    moved = _selected(window)
    assert moved not in (a, None) and window.detail.case_id == moved
    assert window.back_action.isEnabled()

    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # to the linked case
    assert window.detail.case_id == linked and _selected(window) is None
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # to A
    assert window.detail.case_id == a and _selected(window) == a
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # to the list as Enter left it
    qtbot.waitUntil(lambda: window.table.hasFocus())
    assert _selected(window) == a and not window.back_action.isEnabled()


def test_back_after_clicking_through_the_list_without_opening(qtbot, window: MainWindow) -> None:
    start = _selected(window)  # the window shows the first row at start
    assert start == window.model.case_id_at(0) and not window.back_action.isEnabled()
    first = _pick_row(qtbot, window, 5, 0)
    second = _pick_row(qtbot, window, 8, 0)
    third = _pick_row(qtbot, window, 12, 0)
    assert window.detail.case_id == third and window.back_action.isEnabled()
    for earlier in (second, first, start):
        window.back_action.trigger()
        assert window.detail.case_id == earlier and _selected(window) == earlier
    assert not window.back_action.isEnabled()  # the case the window started with: nothing before it


def test_history_keeps_the_last_cases_only(qtbot, window: MainWindow) -> None:
    from casedesktop.ui.caselist.navigation import HISTORY_LIMIT

    for row in range(HISTORY_LIMIT + 10):
        _pick_row(qtbot, window, row, 0)
    assert len(window.navigator.cases) == HISTORY_LIMIT
    assert window.navigator.cases[-1] == window.model.case_id_at(HISTORY_LIMIT + 9)


def test_back_and_changes_have_names_and_shortcuts(window: MainWindow) -> None:
    assert window.back_action.shortcut().toString() == "Alt+Left"
    assert window.changes_action.shortcut().toString() == "Ctrl+Shift+C"
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert {window.back_action, window.changes_action} <= set(view_menu.actions())
    assert not hasattr(window.detail, "back_button")  # one Back, the window's: the pane has none
