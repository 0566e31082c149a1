"""The case list as a lazy Qt table model: the row count from SQL, rows fetched a page at a time.

Never all rows in Python: a bounded LRU of pages is kept, so 100,000 cases cost what one screen
costs. The query (tab, filters, search, sort) runs on a worker; `set_result` swaps it in.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QFont

from casedesktop.domain import Priority, Role, Severity, Status, status_text
from casedesktop.i18n import N_, _, format_datetime
from casedesktop.store.list_sql import CaseSummary, SortKey, SyncState
from casedesktop.ui import theme

if TYPE_CHECKING:  # SQLAlchemy: the window paints its first rows before it is loaded (ui/main.py)
    from casedesktop.store.case_list import ListQuery
    from casedesktop.store.database import CacheDB

COLUMNS: tuple[tuple[str, SortKey], ...] = (  # each column's title (English, shown through `_`) and sort key
    (N_("Number"), SortKey.NUMBER),
    (N_("Subject"), SortKey.SUBJECT),
    (N_("Status"), SortKey.STATUS),
    (N_("Severity"), SortKey.SEVERITY),
    (N_("Product"), SortKey.PRODUCT),
    (N_("Account"), SortKey.ACCOUNT),
    (N_("Owner"), SortKey.OWNER),
    (N_("Created"), SortKey.CREATED),
    (N_("Last updated"), SortKey.UPDATED),
    (N_("Priority"), SortKey.PRIORITY),  # staff only (table.py hides it from customers); last, so
    # a header state saved before it existed still restores
)
STAFF_ONLY = (SortKey.PRIORITY,)
# Staff serve many clients: the account column is named for them.
STAFF_TITLES = {SortKey.ACCOUNT: N_("Client")}
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SYNC_STATE_ROLE = Qt.ItemDataRole.UserRole + 2
# The roles `data` answers, as plain ints (Qt hands the role as an int; an enum attribute costs
# a lookup each time it is named, and a repaint asks over a thousand times).
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_FONT = Qt.ItemDataRole.FontRole.value
_DECORATION = Qt.ItemDataRole.DecorationRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_ACCESSIBLE_TEXT = Qt.ItemDataRole.AccessibleTextRole.value
_MARK_ROLES = frozenset((_FONT, _DECORATION, _FOREGROUND))  # an unread, unsent or refused case
_ANSWERED = frozenset((_DISPLAY, _TOOLTIP, _ACCESSIBLE_TEXT, int(CASE_ID_ROLE), int(SYNC_STATE_ROLE),
                       *_MARK_ROLES))
PAGE_SIZE = 128
MAX_PAGES = 24
ELIDED = (SortKey.SUBJECT, SortKey.STATUS, SortKey.PRODUCT, SortKey.ACCOUNT, SortKey.OWNER)
# Theme roles, looked up when painted so the list follows the palette: the number of a case the
# server refused a change to, and a dot beside the number of a case with news.
FAILED_ROLE = "error_text"
UNREAD_ROLE = "unread_marker"


SYNCED, WAITING, FAILED = SyncState.SYNCED, SyncState.WAITING, SyncState.FAILED


def sort_key(column: int) -> SortKey:
    return COLUMNS[column][1]


def row_status(row: CaseSummary, role: Role = Role.CUSTOMER) -> str:
    return status_text(Status(row.status), role, row.escalated, row.close_requested)


def _when(value) -> str:  # noqa: ANN001
    return format_datetime(value)


def _number_text(row: CaseSummary, _role: Role) -> str:
    if row.number:
        return row.number
    return _("Not sent (refused)") if row.sync_state == FAILED else _("Not sent yet")


def _plain_text(name: str):  # noqa: ANN202
    return lambda row, _role: getattr(row, name) or ""


# Each column's text, by column: looked up by position, not by comparing keys, on every paint.
_CELL_TEXT = tuple(
    {
        SortKey.NUMBER: _number_text,
        SortKey.STATUS: row_status,
        SortKey.SEVERITY: lambda row, _role: Severity(row.severity).label,
        SortKey.PRIORITY: lambda row, _role: Priority(row.priority).label if row.priority else "",
        SortKey.CREATED: lambda row, _role: _when(row.created_at),
        SortKey.UPDATED: lambda row, _role: _when(row.updated_at),
    }.get(key) or _plain_text(key.value)
    for _title, key in COLUMNS
)


class CaseListModel(QAbstractTableModel):
    sortRequested = Signal(object, bool)  # SortKey, descending

    def __init__(self, db: CacheDB | None, role: Role = Role.CUSTOMER):
        super().__init__()
        self._db = db  # None until the cache is open: only the first page is shown (start-up)
        self._query: ListQuery | None = None
        self.role = role
        self._count = 0
        self._pages: OrderedDict[int, list[CaseSummary]] = OrderedDict()
        self.rows_fetched = 0  # for tests and benchmarks: how many rows ever came from SQL

    @property
    def query(self) -> ListQuery:
        if self._query is None:
            from casedesktop.store.case_list import ListQuery

            self._query = ListQuery(role=self.role)
        return self._query

    @query.setter
    def query(self, query: ListQuery) -> None:
        self._query = query
        self.role = query.role

    # --- data source ---------------------------------------------------------------------------

    def attach(self, db: CacheDB) -> None:
        """The cache is open: later pages come from it (until then only the first is shown)."""
        self._db = db

    def set_first_page(self, count: int, rows: list[CaseSummary]) -> None:
        """The start-up page read with plain sqlite3 (store/first_page.py), before the cache opens."""
        self.beginResetModel()
        self._count = count
        self._pages = OrderedDict({0: rows}) if rows else OrderedDict()
        self.rows_fetched += len(rows)
        self.endResetModel()

    def set_result(self, query: ListQuery, count: int, first_page: list[CaseSummary]) -> None:
        self.beginResetModel()
        self.query = query
        self._count = count
        self._pages = OrderedDict({0: first_page}) if first_page else OrderedDict()
        self.rows_fetched += len(first_page)
        self.endResetModel()

    def row(self, row: int) -> CaseSummary | None:
        if not 0 <= row < self._count:
            return None
        number = row // PAGE_SIZE
        rows = self._pages.get(number)
        if rows is None:
            if self._db is None:
                return None  # start-up: the cache opens right after the first paint
            from casedesktop.store import case_list

            rows = case_list.page(self._db, self.query, number * PAGE_SIZE, PAGE_SIZE)
            self.rows_fetched += len(rows)
            self._pages[number] = rows
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = row - number * PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    def loaded_rows(self, limit: int) -> list[CaseSummary]:
        """Up to `limit` rows in memory, first pages first (no SQL): samples for sizing columns."""
        found: list[CaseSummary] = []
        for number in sorted(self._pages):
            found.extend(self._pages[number][: limit - len(found)])
            if len(found) >= limit:
                break
        return found

    @property
    def rows_in_memory(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    def case_id_at(self, row: int) -> str | None:
        summary = self.row(row)
        return summary.id if summary else None

    def row_of(self, case_id: str) -> int:
        """The row of a case among the pages in memory; -1 if it is not loaded (or not listed)."""
        for number, rows in self._pages.items():
            for offset, summary in enumerate(rows):
                if summary.id == case_id:
                    return number * PAGE_SIZE + offset
        return -1

    # --- Qt model ------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            key = COLUMNS[section][1]
            if self.role.is_staff and key in STAFF_TITLES:
                return _(STAFF_TITLES[key])
            return _(COLUMNS[section][0])
        if role == Qt.ItemDataRole.InitialSortOrderRole:  # a first click on a date: newest first
            newest_first = COLUMNS[section][1] in (SortKey.CREATED, SortKey.UPDATED)
            return Qt.SortOrder.DescendingOrder if newest_first else Qt.SortOrder.AscendingOrder
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS) and self._db is not None:  # start-up: first page is sorted
            self.sortRequested.emit(sort_key(column), order == Qt.SortOrder.DescendingOrder)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):  # noqa: ANN201
        # A repaint asks every visible cell for seven roles (font, alignment, colours, check state,
        # decoration, text) and most have no answer: say so before the row is looked up.
        if role not in _ANSWERED or not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        if role == _DISPLAY:
            return self.cell_text(row, index.column())
        column = index.column()
        if role in _MARK_ROLES:
            if role == _FONT and (row.unread or row.number is None):
                font = QFont()
                font.setBold(row.unread)
                font.setItalic(row.number is None)
                return font
            if role == _DECORATION and column == 0 and row.unread:
                return theme.colour(UNREAD_ROLE)
            if role == _FOREGROUND and column == 0 and row.sync_state == FAILED:
                return QBrush(theme.colour(FAILED_ROLE))
            return None
        if role == _TOOLTIP:
            if COLUMNS[column][1] in ELIDED:
                return self.cell_text(row, column)  # longer than their column's fixed width, these elide
            if row.sync_state == WAITING:
                return _("Waiting to sync: saved here, sent when the server can be reached")
            if row.sync_state == FAILED:
                return _("The server refused a change to this case; see Sync details in the status bar")
            return None
        if role == _ACCESSIBLE_TEXT:
            parts = [self.cell_text(row, column)]
            if row.sync_state in (WAITING, FAILED):
                parts.append(_("waiting to sync") if row.sync_state == WAITING else _("sync failed"))
            if row.unread:
                parts.append(_("unread"))
            return ", ".join(parts)
        if role == CASE_ID_ROLE:
            return row.id
        return row.sync_state  # SYNC_STATE_ROLE

    def cell_text(self, row: CaseSummary, column: int) -> str:
        """What a cell shows (the display role, for a row at hand)."""
        return _CELL_TEXT[column](row, self.role)
