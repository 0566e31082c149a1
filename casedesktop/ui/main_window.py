"""The main window: case list on the left, the selected case on the right, sync in the status bar."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMainWindow,
    QSplitter,
    QTableView,
    QToolBar,
    QWidget,
)

from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.ui.case_list_model import CaseListModel
from casedesktop.ui.detail_pane import CaseDetailPane
from casedesktop.ui.new_case_dialog import NewCaseDialog
from casedesktop.ui.sync_indicator import SyncIndicator

WINDOW_TITLE = "CaseDesktop"
COLUMN_WIDTHS = {0: 80, 2: 150, 3: 75, 4: 110, 5: 120}  # Subject (1) takes the rest


class MainWindow(QMainWindow):
    def __init__(self, db: CacheDB, identity: Identity, request_sync=None, parent: QWidget | None = None):  # noqa: ANN001
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(1280, 800)
        self._db = db
        self._identity = identity
        self._request_sync = request_sync or (lambda: None)

        self.model = CaseListModel(db)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Cases")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setHighlightSections(False)

        self.detail = CaseDetailPane(db, identity)
        self.detail.changed.connect(self.local_change)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 520])
        self.setCentralWidget(splitter)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        self.addToolBar(toolbar)
        self.new_case_action = QAction("&New case", self)
        self.new_case_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_case_action.triggered.connect(self.open_new_case)
        toolbar.addAction(self.new_case_action)
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_action.triggered.connect(self._request_sync)
        toolbar.addAction(self.sync_action)
        self.reply_action = QAction("&Reply", self)
        self.reply_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reply_action.triggered.connect(self._focus_reply)
        self.addAction(self.reply_action)
        self.send_action = QAction("Send reply", self)
        self.send_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.send_action.triggered.connect(self.detail.send_button.click)
        self.addAction(self.send_action)

        self.sync_indicator = SyncIndicator()
        self.sync_indicator.syncRequested.connect(self._request_sync)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.statusBar().showMessage(f"Signed in as {identity.name} <{identity.email}> on {identity.server_url}")

        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.reload()
        self._select_first_if_none()

    # --- navigation ----------------------------------------------------------------------------

    def _current_changed(self, current, _previous) -> None:  # noqa: ANN001
        self.detail.show_case(self.model.case_id_at(current.row()) if current.isValid() else None)

    def select_case(self, case_id: str) -> None:
        row = self.model.row_of(case_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.scrollTo(index)

    def _select_first_if_none(self) -> None:
        if self.detail.case_id is None and self.model.rowCount() > 0:
            self.table.selectRow(0)

    def _focus_reply(self) -> None:
        self.detail.tabs.setCurrentIndex(1)
        self.detail.reply_box.setFocus()

    # --- changes -------------------------------------------------------------------------------

    def open_new_case(self) -> NewCaseDialog:
        dialog = NewCaseDialog(self._db, self._identity, parent=self)
        dialog.accepted.connect(lambda: self._case_created(dialog))
        dialog.open()
        return dialog

    def _case_created(self, dialog: NewCaseDialog) -> None:
        self.local_change(dialog.changes)
        if dialog.created_case_id:
            self.select_case(dialog.created_case_id)
            self.statusBar().showMessage("Case saved. It will be sent to support as soon as you are online.", 8000)

    def local_change(self, changes: Changes) -> None:
        """The user changed something: show it at once and send it when we can."""
        self.apply_changes(changes)
        if changes.outbox_changed:
            self._request_sync()

    def apply_changes(self, changes: Changes) -> None:
        """The one place that tells the list and the detail pane to refresh."""
        if changes.list_changed or changes.case_ids:
            current = self.detail.case_id
            self.model.reload()
            if current:
                self.select_case(current)
            else:
                self._select_first_if_none()
        if self.detail.case_id and self.detail.case_id in changes.case_ids:
            self.detail.refresh()
