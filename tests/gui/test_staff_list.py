"""Staff's case list: queue tabs with counts, the priority column and filter, the desk's cards
from the server's summary (a click filters), a new case triaged at once; a customer's list keeps
its status tabs, columns and cards."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casedesktop.domain.queues import Queue
from casedesktop.store import case_list, queries
from casedesktop.store.case_list import ListQuery
from casedesktop.store.list_sql import SortKey, Tab
from casedesktop.ui import theme
from casedesktop.ui.caselist.model import COLUMNS
from casedesktop.ui.caselist.staff_desk import QUEUES, queue_label
from casedesktop.ui.main import Session
from casedesktop.ui.tasks import settle
from tests.support import AGENT, CUSTOMER, Staff

pytestmark = pytest.mark.gui


@pytest.fixture
def agent_session(qtbot, signed_in) -> Callable[[], Session]:  # noqa: ANN001
    """The window signed in as the demo's agent, once its first sync and the desk's summary are in."""

    def start() -> Session:
        session = signed_in(AGENT)
        cards = session.window.staff_desk.cards
        qtbot.waitUntil(lambda: cards.summary is not None, timeout=15_000)
        settle()
        return session

    return start


def tab_count(window, queue: Queue) -> int:  # noqa: ANN001
    text = window.staff_desk.queues.tabText(QUEUES.index(queue))
    return int(text.rsplit("(", 1)[1].rstrip(")"))


def test_queue_tabs_count_as_the_server_and_the_domain_rule(qtbot, agent_session, server_process) -> None:  # noqa: ANN001
    window = agent_session().window
    assert window.tabs.isHidden() and window.staff_desk.queues.isVisible()
    assert window.model.query.sort is SortKey.UPDATED  # a new column does not move the default sort
    assert [window.staff_desk.queues.tabText(i).rsplit(" (", 1)[0] for i in range(len(QUEUES))] == [
        "All", "Unassigned", "Mine", "Open", "Waiting on customer", "Resolved", "Overdue"]
    staff = Staff(server_process.url)
    summary = staff.session.get(f"{staff.url}/staff/summary").json()
    assert tab_count(window, Queue.ALL) == summary["total"]
    assert tab_count(window, Queue.OPEN) == summary["open"]
    assert tab_count(window, Queue.UNASSIGNED) == summary["unassigned"]
    assert tab_count(window, Queue.MINE) == summary["mine"]
    assert tab_count(window, Queue.OVERDUE) == summary["overdue"]
    for queue in Queue:  # each tab lists what the server's ?queue= lists
        served = len(staff.session.get(f"{staff.url}/cases", params={"queue": queue.value}).json())
        window.staff_desk.queues.setCurrentIndex(QUEUES.index(queue))
        qtbot.waitUntil(lambda q=queue, n=served: window.model.query.queue is q and window.model.rowCount() == n)
        assert tab_count(window, queue) == served, queue


def test_the_priority_column_and_filter(qtbot, agent_session, server_process) -> None:  # noqa: ANN001
    window = agent_session().window
    window.resize(1366, 768)
    qtbot.wait(100)
    column = next(i for i, (_t, key) in enumerate(COLUMNS) if key is SortKey.PRIORITY)
    assert not window.table.isColumnHidden(column)
    account = next(i for i, (_t, key) in enumerate(COLUMNS) if key is SortKey.ACCOUNT)
    assert window.model.headerData(account, Qt.Orientation.Horizontal) == "Client"
    combo = window.filters.priority
    assert combo.isVisible()
    combo.setCurrentIndex(combo.findData("critical"))
    staff = Staff(server_process.url)
    served = staff.session.get(f"{staff.url}/cases", params={"priority": "critical"}).json()
    assert served
    qtbot.waitUntil(lambda: window.model.query.priority == "critical" and window.model.rowCount() == len(served))
    shown = {window.model.index(r, column).data() for r in range(window.model.rowCount())}
    assert shown == {"Critical"}


def test_a_card_click_filters_and_counts_match(qtbot, agent_session) -> None:  # noqa: ANN001
    window = agent_session().window
    cards = window.staff_desk.cards
    summary = cards.summary
    assert cards.buttons["critical"].text().endswith(str(summary.critical))
    qtbot.mouseClick(cards.buttons["critical"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.query.priority == "critical" and window.model.query.queue is Queue.OPEN)
    qtbot.waitUntil(lambda: window.model.rowCount() == summary.critical)
    assert window.filters.priority.currentData() == "critical"
    assert window.staff_desk.queues.currentIndex() == QUEUES.index(Queue.OPEN)
    qtbot.waitUntil(lambda: cards.buttons["critical"].isChecked())
    qtbot.mouseClick(cards.buttons["overdue"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.query.queue is Queue.OVERDUE and window.model.query.priority == "")
    qtbot.waitUntil(lambda: window.model.rowCount() == summary.overdue)
    assert window.filters.priority.currentData() == ""


def test_the_cards_keep_the_last_figures_when_the_server_is_gone(qtbot, agent_session, server_process) -> None:  # noqa: ANN001
    window = agent_session().window
    cards = window.staff_desk.cards
    before = cards.buttons["total"].text()
    server_process.stop()
    window.staff_desk.refresh_summary()
    settle()
    assert cards.buttons["total"].text() == before and "—" not in before


def test_staff_create_a_case_with_priority_category_and_source(qtbot, agent_session, server_process) -> None:  # noqa: ANN001
    session = agent_session()
    window = session.window
    dialog = window.open_new_case()
    assert dialog.source.currentData() == "Email"
    categories = [dialog.category.itemData(i) for i in range(1, dialog.category.count())]
    assert categories, "the vendor's categories are cached for staff"
    dialog.priority.setCurrentIndex(dialog.priority.findData("high"))
    dialog.category.setCurrentIndex(dialog.category.findData(categories[0]))
    dialog.source.setCurrentIndex(dialog.source.findData("Phone"))
    dialog.subject.setText("Printer in reception logs out")
    dialog.description.setPlainText("Called in: the printer logs out every minute.")
    if dialog.account.count() > 1:
        dialog.account.setCurrentIndex(1)
    dialog.create()
    settle()
    qtbot.waitUntil(lambda: dialog.created_case_id is not None, timeout=5000)
    row = queries.case_detail(window.session.db, dialog.created_case_id).case
    assert (row.priority, row.category, row.source) == ("high", categories[0], "Phone")
    window.session.request_sync()
    qtbot.waitUntil(lambda: window.unsent_count() == 0, timeout=15_000)
    staff = Staff(server_process.url)
    served = staff.session.get(f"{staff.url}/cases/{dialog.created_case_id}").json()
    assert (served["priority"], served["category"], served["source"]) == ("high", categories[0], "Phone")


def test_a_customer_list_is_unchanged(qtbot, signed_in) -> None:  # noqa: ANN001
    window = signed_in(CUSTOMER).window
    assert window.staff_desk is None and window.tabs.isVisible()
    assert window.model.query.sort is SortKey.UPDATED and window.model.query.descending  # newest first
    assert [window.tabs.tabText(i).rsplit(" (", 1)[0] for i in range(window.tabs.count())] == [t.label for t in Tab]
    assert window.cards.isVisible() and set(window.cards.buttons) == {"open", "waiting_on_me", "resolved", "critical"}
    assert not window.filters.priority.isVisible()
    column = next(i for i, (_t, key) in enumerate(COLUMNS) if key is SortKey.PRIORITY)
    assert window.table.isColumnHidden(column)
    assert SortKey.PRIORITY not in window.table.shown_columns()
    menu = [a.data() for a in window.table.column_menu().actions() if a.data()]
    assert "priority" not in menu
    account = next(i for i, (_t, key) in enumerate(COLUMNS) if key is SortKey.ACCOUNT)
    assert window.model.headerData(account, Qt.Orientation.Horizontal) == "Account"
    dialog = window.open_new_case()
    assert dialog.priority is None and dialog.category is None and dialog.source is None
    dialog.reject()
    assert case_list.queue_counts(window.session.db, ListQuery()) is not None  # the query works, unused


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot_of_the_agents_list(qtbot, agent_session, screenshot, scheme) -> None:  # noqa: ANN001
    app = QApplication.instance()
    theme.apply_scheme(app, scheme)
    try:
        window = agent_session().window
        window.resize(1366, 768)
        qtbot.wait(300)
        for queue in QUEUES:  # every tab's label is whole, with its count
            rect = window.staff_desk.queues.tabRect(QUEUES.index(queue))
            needed = window.staff_desk.queues.fontMetrics().horizontalAdvance(
                window.staff_desk.queues.tabText(QUEUES.index(queue)))
            assert rect.width() >= needed, queue_label(queue)
        for button in window.staff_desk.cards.buttons.values():
            for line in button.text().splitlines():
                assert button.fontMetrics().horizontalAdvance(line) <= button.width(), line
        screenshot(window, f"staff-list-{scheme}")
    finally:
        theme.apply_scheme(app, "system")
