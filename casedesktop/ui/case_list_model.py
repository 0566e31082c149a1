"""The case list as a Qt table model over the cache."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from casedesktop.domain import Severity, Status
from casedesktop.store import queries
from casedesktop.store.database import CacheDB
from casedesktop.store.queries import CaseSummary, SyncState

COLUMNS = ("Number", "Subject", "Status", "Severity", "Product", "Updated")
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SYNC_STATE_ROLE = Qt.ItemDataRole.UserRole + 2


def _status_text(row: CaseSummary) -> str:
    text = Status(row.status).label
    if row.escalated:
        text += " · Escalated"
    return text


class CaseListModel(QAbstractTableModel):
    def __init__(self, db: CacheDB):
        super().__init__()
        self._db = db
        self._rows: list[CaseSummary] = []

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = queries.list_cases(self._db)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.number or {SyncState.FAILED: "Not sent (refused)"}.get(row.sync_state, "Waiting to sync")
            return (
                row.subject if column == 1 else
                _status_text(row) if column == 2 else
                Severity(row.severity).label if column == 3 else
                row.product if column == 4 else
                row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            )
        if role == Qt.ItemDataRole.ToolTipRole and row.sync_state != SyncState.SYNCED:
            return "Waiting to sync with the server" if row.sync_state == SyncState.WAITING else "The server refused a change; see Sync details"
        if role == Qt.ItemDataRole.FontRole and (row.unread or column == 0 and row.number is None):
            font = QFont()
            font.setBold(row.unread)
            font.setItalic(row.number is None)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == 0 and row.sync_state == SyncState.FAILED:
            return QBrush(QColor("#c0392b"))
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return f"{row.label}, {row.sync_state}"
        if role == CASE_ID_ROLE:
            return row.id
        if role == SYNC_STATE_ROLE:
            return row.sync_state
        return None

    def case_id_at(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: str) -> int:
        for i, row in enumerate(self._rows):
            if row.id == case_id:
                return i
        return -1
