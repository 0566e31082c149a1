"""The list's columns in the real window: they fit the pane at widths measured once (long subjects,
statuses and names elide; numbers and dates never), step aside by the pane's width alone, leaving the
subject real room, can be picked from the header and stay picked after a restart; the unread
dot never cuts the number; the sort arrow points the way the rows run."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QMenu

from casedesktop.store import local_changes
from casedesktop.store.list_sql import SortKey
from casedesktop.store.models import CaseRow
from casedesktop.ui.caselist.model import ELIDED, STAFF_ONLY
from casedesktop.ui.caselist.table import KEYS, SUBJECT_MIN_PX, SUBJECT_SHARE, dot_margin
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

DEFAULT, WIDE = (1350, 740), (1900, 1000)


def shown(window: MainWindow) -> list[SortKey]:
    return window.table.shown_columns()


def column(key: SortKey) -> int:
    return KEYS.index(key)


def needs(window: MainWindow, key: SortKey, row: int) -> int:
    """The width a cell's text needs, in bold (the widest an unread row makes it), with the number's dot."""
    bold = QFont(window.table.font())
    bold.setBold(True)
    text = window.model.index(row, column(key)).data()
    extra = dot_margin(window.table.fontMetrics()) if key is SortKey.NUMBER else 0
    return QFontMetrics(bold).horizontalAdvance(text) + extra + 6


def test_the_columns_fit_the_default_window_and_only_the_subject_elides(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 60)
    with db.transaction() as session:
        session.get_one(CaseRow, str(uuid.UUID(int=1059))).unread = True  # row 1: not the selected one
    window = offline_window(size=DEFAULT)
    table, header = window.table, window.table.horizontalHeader()
    assert not table.horizontalScrollBar().isVisible()  # as the window opens
    window.splitter.setSizes([790, 560])  # the list's share of a window on a 1366×768 screen
    qtbot.waitUntil(lambda: table.width() > 650)
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible())
    assert header.length() <= table.viewport().width()
    assert {SortKey.NUMBER, SortKey.SUBJECT, SortKey.STATUS, SortKey.UPDATED} <= set(shown(window))
    rows = range(min(30, window.model.rowCount()))
    for key in shown(window):
        if key is SortKey.SUBJECT:
            continue
        if key in ELIDED:  # a longer value elides, whole in its tooltip
            assert all(window.model.index(r, column(key)).data(Qt.ItemDataRole.ToolTipRole)
                       == window.model.index(r, column(key)).data() for r in rows), key
        else:
            widest = max(needs(window, key, r) for r in rows)
            assert header.sectionSize(column(key)) >= widest, key  # never elided
        header_text = header.fontMetrics().horizontalAdvance(window.model.headerData(column(key), Qt.Orientation.Horizontal))
        assert header.sectionSize(column(key)) > header_text, key
    subject = header.sectionSize(column(SortKey.SUBJECT))
    assert subject >= table.fontMetrics().averageCharWidth() * 20  # the subject keeps real room
    assert max(needs(window, SortKey.SUBJECT, r) for r in rows) > subject  # and elides, with the full text as tooltip
    assert window.model.index(0, column(SortKey.SUBJECT)).data(Qt.ItemDataRole.ToolTipRole).startswith("Case 1060")

    # The unread case: bold, a dot beside the number, the whole number readable.
    assert window.model.index(1, 0).data() == "CS-1059"
    assert window.model.index(1, 0).data(Qt.ItemDataRole.FontRole).bold()
    image = table.viewport().grab().toImage()
    rect = table.visualRect(window.model.index(1, 0))
    dot = QColor(image.pixel(rect.left() + dot_margin(table.fontMetrics()) // 2 + 1, rect.center().y() + 1))
    assert dot.saturation() > 80  # the marker's colour, in a margin of its own


def test_a_wide_window_shows_every_column_and_a_narrow_pane_fewer(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 60)
    window = offline_window(size=WIDE)
    window.splitter.setSizes([1200, 700])
    qtbot.waitUntil(lambda: window.table.width() > 1100)
    assert shown(window) == [k for k in KEYS if k not in STAFF_ONLY]  # a customer has no priority
    qtbot.waitUntil(lambda: not window.table.horizontalScrollBar().isVisible())
    header = window.table.horizontalHeader()
    created = QPoint(header.sectionViewportPosition(column(SortKey.CREATED)) + 5, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=created)  # a first click on a date
    qtbot.waitUntil(lambda: window.model.query.sort is SortKey.CREATED)
    assert window.model.query.descending and window.model.index(0, 0).data() == "CS-1060"  # newest first

    window.splitter.setSizes([560, 1340])
    qtbot.waitUntil(lambda: window.table.width() < 600)
    narrow = shown(window)
    assert SortKey.CREATED not in narrow and {SortKey.NUMBER, SortKey.SUBJECT, SortKey.STATUS} <= set(narrow)
    qtbot.waitUntil(lambda: not window.table.horizontalScrollBar().isVisible())
    assert window.table.horizontalHeader().length() <= window.table.viewport().width()
    menu = window.table.column_menu()
    created = next(a for a in menu.actions() if a.data() == SortKey.CREATED.value)
    assert created.text() == "Created (no room in the list)" and created.isChecked()
    marked = {a.data() for a in menu.actions() if "(no room in the list)" in a.text()}
    assert marked == {k.value for k in window.table.hidden_for_room}
    assert marked == {k.value for k in KEYS if k not in narrow and k not in STAFF_ONLY}


def test_the_column_picker_hides_and_restores_a_column_across_restarts(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=WIDE)
    window.splitter.setSizes([1300, 600])
    qtbot.waitUntil(lambda: SortKey.PRODUCT in shown(window))
    header = window.table.horizontalHeader()
    seen: list[bool] = []

    def pick(text: str) -> None:
        menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
        seen.append(next(a for a in menu.actions() if a.text() == "Number").isEnabled())
        action = next(a for a in menu.actions() if a.text() == text)
        assert action.isCheckable()
        action.trigger()
        menu.close()

    # Right-click on the header opens the picker: Number and Subject cannot be hidden.
    from PySide6.QtCore import QTimer

    QTimer.singleShot(200, lambda: pick("Product"))
    header.customContextMenuRequested.emit(QPoint(10, 5))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [False]
    assert SortKey.PRODUCT not in shown(window)
    window.close()

    again = offline_window(size=WIDE)
    again.splitter.setSizes([1300, 600])
    qtbot.waitUntil(lambda: again.table.width() > 1200)
    assert SortKey.PRODUCT not in shown(again) and SortKey.CREATED in shown(again)
    product = next(a for a in again.table.column_menu().actions() if a.text() == "Product")
    assert not product.isChecked()
    product.trigger()
    assert SortKey.PRODUCT in shown(again)
    again.close()
    third = offline_window(size=WIDE)
    third.splitter.setSizes([1300, 600])
    qtbot.waitUntil(lambda: SortKey.PRODUCT in shown(third))


def test_newest_first_shows_a_downward_arrow_and_rows_run_newest_first(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=DEFAULT)
    header = window.table.horizontalHeader()
    assert header.sortIndicatorSection() == column(SortKey.UPDATED)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert window.model.query.descending and window.model.index(0, 0).data() == "CS-1030"

    def arrow_points_down() -> bool:
        """Of the arrow's rows of dark pixels, the widest comes first when it points down."""
        image = header.grab().toImage()
        section = column(SortKey.UPDATED)
        left = header.sectionViewportPosition(section)
        right = left + header.sectionSize(section)
        widths = []
        for y in range(image.height()):
            dark = [x for x in range(right - 22, right - 2)
                    if QColor(image.pixel(x, y)).lightness() < 160]
            if dark:
                widths.append(max(dark) - min(dark) + 1)
        assert len(widths) >= 2, widths  # an arrow is there
        return widths[0] > widths[-1]

    assert arrow_points_down()
    window.table.sortByColumn(column(SortKey.UPDATED), Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: window.model.index(0, 0).data() == "CS-1001")
    assert not arrow_points_down()
    # A first click on a date sorts newest first (the order people want from a date).
    assert window.model.headerData(column(SortKey.CREATED), Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.InitialSortOrderRole) == Qt.SortOrder.DescendingOrder


def test_an_unsent_case_reads_not_sent_yet_and_a_close_request_shows(db, offline_window, customer) -> None:  # noqa: ANN001
    seed_cases(db, 10)
    case_id, _changes = local_changes.create_case(db, customer, subject="Printer queue stuck", description="Since today.")
    with db.transaction() as session:
        session.get_one(CaseRow, str(uuid.UUID(int=1002))).close_requested = True  # open
        session.get_one(CaseRow, str(uuid.UUID(int=1005))).close_requested = True  # resolved
    window = offline_window(size=DEFAULT)
    settle()
    row = window.model.row_of(case_id)
    assert window.model.index(row, 0).data() == "Not sent yet"
    assert window.table.horizontalHeader().sectionSize(0) >= needs(window, SortKey.NUMBER, row)
    status = column(SortKey.STATUS)
    assert window.model.index(window.model.row_of(str(uuid.UUID(int=1002))), status).data() == "Open · Close requested"
    assert window.model.index(window.model.row_of(str(uuid.UUID(int=1005))), status).data() == "Resolved"


def test_columns_stay_put_when_a_status_gets_longer(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=DEFAULT)
    window.splitter.setSizes([790, 560])
    qtbot.waitUntil(lambda: window.table.width() > 650)
    header = window.table.horizontalHeader()
    before = (shown(window), [header.sectionSize(i) for i in range(header.count())])
    assert SortKey.PRODUCT in before[0]
    with db.transaction() as session:
        for n in range(1001, 1031):  # every case now reads "… · Escalated · Close requested"
            row = session.get_one(CaseRow, str(uuid.UUID(int=n)))
            row.close_requested = row.escalated = True
    with qtbot.waitSignal(window.controller.updated, timeout=10_000):
        window.controller.refresh()
    statuses = [window.model.index(r, column(SortKey.STATUS)).data() for r in range(30)]
    longest = max(statuses, key=len)
    assert "Close requested" in longest
    assert (shown(window), [header.sectionSize(i) for i in range(header.count())]) == before
    index = window.model.index(statuses.index(longest), column(SortKey.STATUS))
    assert index.data(Qt.ItemDataRole.ToolTipRole) == longest  # elided in the cell, whole in its tooltip


def test_the_smallest_window_gives_the_subject_room_before_dates(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=(960, 540))
    table, header = window.table, window.table.horizontalHeader()
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible())
    keys = shown(window)
    assert SortKey.CREATED not in keys and SortKey.UPDATED in keys
    subject = header.sectionSize(column(SortKey.SUBJECT))
    # About its share (the status keeps its header's room), far from the dates taking it all.
    assert subject >= 0.9 * min(SUBJECT_MIN_PX, SUBJECT_SHARE * table.viewport().width())
    assert header.length() <= table.viewport().width()


def test_the_menu_ticks_exactly_what_it_shows_for_one_account(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 30)
    window = offline_window(size=WIDE)
    window.splitter.setSizes([1300, 600])
    qtbot.waitUntil(lambda: window.table.width() > 1200)
    window.table.set_single_account(True)
    assert SortKey.ACCOUNT not in shown(window)
    for action in window.table.column_menu().actions():
        if not action.isCheckable():
            continue
        key = SortKey(action.data())
        explained = "(" in action.text()
        assert (action.isChecked() and not explained) == (key in shown(window)), action.text()
    account = next(a for a in window.table.column_menu().actions() if a.data() == SortKey.ACCOUNT.value)
    assert account.text() == "Account (all cases are one account's)"
