"""The main window: cards, search and filters, status tabs and the case list on the left; the
selected case on the right; sync in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMainWindow,
    QSplitter,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casedesktop import APP_ID
from casedesktop.domain import Role, Status
from casedesktop.i18n import _, pgettext
from casedesktop.store.list_sql import Tab, tab_statuses
from casedesktop.ui.caselist.model import COLUMNS, CaseListModel, sort_key
from casedesktop.ui.mainwindow.actions import create_actions
from casedesktop.ui.recording.files import RECORDINGS_DIR, leftover_recordings

if TYPE_CHECKING:
    from casedesktop.store.changes import Changes
    from casedesktop.ui.caselist.controller import ListResult
    from casedesktop.ui.dialogs.changes import ChangesDialog
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.errors import SupportRequest
    from casedesktop.ui.session import ProfileSession


WINDOW_TITLE = "CaseDesktop"  # the app's name, in every language
DEFAULT_WIDTHS = (80, 260, 150, 75, 110, 120, 110, 120, 120)


def saved_sort(settings: QSettings) -> tuple[int, bool]:
    """The list's saved sort column and direction; last updated, newest first, if none or invalid."""
    default = len(COLUMNS) - 1, True
    try:
        column = int(settings.value("list/sort_column", default[0]))
    except (TypeError, ValueError):
        return default
    if not 0 <= column < len(COLUMNS):
        return default
    return column, settings.value("list/sort_descending", "true") in (True, "true")




FRAME_ALLOWANCE = 64  # title bar and frame a window manager adds (openbox's came to 51 px at 1366×768)


def default_size(available: QRect) -> QSize:
    """The first start's size: 1360×820, or less where the screen's free area is smaller (with room
    for the window manager's title bar), so the status bar and the reply box are never below it."""
    return QSize(min(1360, available.width() - 16), min(820, available.height() - FRAME_ALLOWANCE))


def app_icon() -> QIcon:
    """The app's icon, drawn from its SVG at whatever size the window manager, tray or dialog asks."""
    from casedesktop.ui.resources import resource_path

    return QIcon(str(resource_path(f"{APP_ID}.svg")))


class MainWindow(QMainWindow):
    """`MainWindow(session)` builds the whole window. A cold start builds it in two steps:
    `MainWindow.early(settings, role)` (the list, its first page read with plain sqlite3, and
    the window's frame: Qt only) is shown at once, and `attach(session)` adds the rest after the
    first paint."""

    def __init__(self, session: ProfileSession | None, parent: QWidget | None = None, *,
                 settings: QSettings | None = None, role: Role | None = None):
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(app_icon())
        available = QGuiApplication.primaryScreen().availableGeometry()
        self.resize(default_size(available))
        self.move(available.topLeft())  # the window manager adds its frame; the whole of it fits
        self.session: ProfileSession | None = None
        self.settings = settings if session is None else session.settings
        self.profile_dir = Path(self.settings.fileName()).parent
        self.recording = None  # the RecordingFlow under way, if any
        self.awaiting_number: set[str] = set()  # cases made here that the server has not numbered yet
        self.controller = None  # ListController, from attach

        # --- left: cards, filters, tabs, list --------------------------------------------------
        role = session.identity.role if session else (role or Role.CUSTOMER)
        self.model = CaseListModel(None, role)
        # The cards' and the filters' places until attach: SummaryCardsBar needs the cache layer,
        # and FilterBar costs 10-35 ms at start (mostly its search box's clear button icon).
        self.cards = QWidget()
        self.cards.setMinimumHeight(52)
        self.filters = QWidget()
        self.filters.setFixedHeight(self.fontMetrics().height() + 8)  # FilterBar's, in Fusion
        self.tabs = QTabBar()
        self.tabs.setAccessibleName(_("Case status tabs"))
        for i, tab in enumerate(Tab):
            self.tabs.addTab(tab.label)
            statuses = [Status(s).label_for(role) for s in tab_statuses(tab, role)]
            self.tabs.setTabToolTip(i, _("Cases that are {statuses}").format(
                statuses=pgettext("between items of a list", ", ").join(statuses)) if statuses else _("Every case"))

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Cases"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(DEFAULT_WIDTHS):
            header.resizeSection(column, width)
        self.table.setSortingEnabled(True)
        header.setSortIndicator(len(COLUMNS) - 1, Qt.SortOrder.DescendingOrder)

        left = QWidget()
        self.left_layout = QVBoxLayout(left)
        self.left_layout.setContentsMargins(6, 6, 0, 0)
        self.left_layout.addWidget(self.cards)
        self.left_layout.addWidget(self.filters)
        self.left_layout.addWidget(self.tabs)
        self.left_layout.addWidget(self.table, 1)

        # --- right: the case (attach) ----------------------------------------------------------
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(QWidget())
        self.splitter.setSizes([800, 560])
        self.setCentralWidget(self.splitter)

        # --- actions and shortcuts -------------------------------------------------------------
        self.commands = create_actions(self)
        self.new_case_action = self.commands.new_case
        self.new_case_action.triggered.connect(lambda: self.open_new_case())
        self.sync_action = self.commands.sync
        self.sync_action.triggered.connect(lambda: self.session.request_sync())
        self.record_action = self.commands.record
        self.record_action.triggered.connect(self._record_or_stop)
        self.commands.search.triggered.connect(self.focus_search)
        self.commands.reply.triggered.connect(self.open_current_case)
        self.commands.send.triggered.connect(lambda: self.detail.send_button.click())
        self.back_action = self.commands.back
        self.back_action.triggered.connect(self.go_back)
        self.changes_action = self.commands.changes
        self.changes_action.triggered.connect(lambda: self.show_changes())
        self.quit_action = self.commands.quit
        self.quit_action.triggered.connect(self.close)
        self.commands.about.triggered.connect(self._about)
        self.help_menu = self.commands.help_menu  # attach adds the newer-version entry (ui/syncstatus/release_notice.py)
        for action in self.commands.needing_a_profile():
            action.setEnabled(False)  # until attach

        self._restore_settings()
        if session is not None:
            self.attach(session)

    @classmethod
    def early(cls, settings: QSettings, role: Role) -> MainWindow:
        """The window before the cache is open: the list (fill it with `model.set_first_page`)."""
        return cls(None, settings=settings, role=role)

    @property
    def first_sort(self) -> tuple[str, bool]:
        """The list's sort as restored from the settings: (case_list.SortKey value, descending)."""
        header = self.table.horizontalHeader()
        return COLUMNS[header.sortIndicatorSection()][1], header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder

    def attach(self, session: ProfileSession) -> None:
        """The rest of the window, on the open cache: cards, detail pane, controller, sync status.

        Its modules load here, not at import: a cold start paints the list before SQLAlchemy."""
        from casedesktop.store.case_list import ListQuery
        from casedesktop.ui.case.detail_pane import CaseDetailPane
        from casedesktop.ui.caselist.controller import ListController
        from casedesktop.ui.caselist.filter_bar import FilterBar
        from casedesktop.ui.caselist.navigation import CaseNavigator
        from casedesktop.ui.caselist.summary_cards import SummaryCardsBar
        from casedesktop.ui.syncstatus.indicator import SyncIndicator
        from casedesktop.ui.syncstatus.notifier import Notifier
        from casedesktop.ui.syncstatus.release_notice import ReleaseAnnouncer

        self.session = session
        self.settings = session.settings
        identity = session.identity
        self.model.attach(session.db)
        self.model.query = ListQuery(role=identity.role)
        self.controller = ListController(session.db, self.model)
        self.controller.updated.connect(self._list_updated)

        cards = SummaryCardsBar()
        self.left_layout.replaceWidget(self.cards, cards)
        self.cards.deleteLater()
        self.cards = cards
        self.cards.cardClicked.connect(self._card_clicked)
        filters = FilterBar()
        self.left_layout.replaceWidget(self.filters, filters)
        self.filters.deleteLater()
        self.filters = filters
        self.filters.searchChanged.connect(lambda text: self.controller.set_query(search=text))
        self.filters.filterChanged.connect(lambda field, value: self.controller.set_query(**{field: value}))
        self.tabs.currentChanged.connect(lambda i: self.controller.set_query(tab=list(Tab)[i]))
        self.table.activated.connect(lambda _index: self.open_from_list())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.detail = CaseDetailPane(session)
        self.detail.changed.connect(self.local_change)
        self.detail.backRequested.connect(self.go_back)
        self.detail.recordRequested.connect(lambda: self.start_recording(self.detail.add_recording))
        sizes = self.splitter.sizes()
        self.splitter.replaceWidget(1, self.detail).deleteLater()
        self.splitter.setSizes(sizes)

        for action in self.commands.needing_a_profile():
            action.setEnabled(True)
        self.sync_indicator = SyncIndicator()
        self.sync_indicator.syncRequested.connect(session.request_sync)
        self.sync_indicator.signInRequested.connect(self.sign_in_again)
        self.sync_indicator.detailsRequested.connect(self.show_changes)
        self.sync_indicator.transferProgress.connect(self.detail.attachments.show_progress)
        self.sync_indicator.transfersStopped.connect(self.detail.attachments.uploads_stopped)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.release = ReleaseAnnouncer(self, self.help_menu)
        self.sync_indicator.releaseChanged.connect(self.release.show_notice)
        self.statusBar().showMessage(_("Signed in as {name} <{email}> on {server}").format(
            name=identity.name, email=identity.email, server=identity.server_url), 10000)
        self.notifier = Notifier(self.windowIcon(), self.statusBar(), self)
        self.notifier.stop_recording_action.triggered.connect(self._record_or_stop)
        self.notifier.caseClicked.connect(self.open_case)
        self.navigator = CaseNavigator(self)
        from casedesktop.ui import errors

        reporter = errors.reporter()
        if reporter is not None:  # the error dialog's "Report this to support…" opens a case here
            reporter.report_handler = self.report_problem

        header = self.table.horizontalHeader()
        self.controller.query = self.controller.query.with_(  # as the header and tabs were left
            sort=sort_key(header.sortIndicatorSection()),
            descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
            tab=list(Tab)[max(self.tabs.currentIndex(), 0)])
        self.controller.refresh_now()

    # --- list ----------------------------------------------------------------------------------

    def _about(self) -> None:
        from casedesktop.ui.dialogs.about import AboutDialog

        AboutDialog(self.profile_dir, self.session.identity.server_url if self.session else "", self).exec()

    def _list_updated(self, result: ListResult) -> None:
        for i, tab in enumerate(Tab):
            self.tabs.setTabText(i, _("{tab} ({count})").format(tab=tab.label, count=result.tab_counts[tab]))
        self.cards.show_cards(result.cards)
        self.filters.set_choices(self.filters.product, result.products)
        self.filters.set_choices(self.filters.account, result.accounts)
        current = self.detail.case_id
        if current and self.model.row_of(current) >= 0:
            self.select_case(current, open_it=False)
        elif current is None and self.model.rowCount() > 0:
            self.table.selectRow(0)

    def _card_clicked(self, key: str) -> None:
        if key == "critical":
            self.filters.severity.setCurrentIndex(self.filters.severity.findData("critical"))
            self.tabs.setCurrentIndex(list(Tab).index(Tab.OPEN))
        else:
            self.tabs.setCurrentIndex(list(Tab).index(Tab(key)))

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    # --- navigation ----------------------------------------------------------------------------

    def _current_changed(self, current, _previous) -> None:  # noqa: ANN001
        if current.isValid():
            self.detail.show_case(self.model.case_id_at(current.row()))

    def select_case(self, case_id: str, open_it: bool = True) -> None:
        row = self.model.row_of(case_id)
        if row >= 0:
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(index, flags)
            self.table.scrollTo(index)
        if open_it or row < 0:
            self.detail.show_case(case_id)

    def open_current_case(self) -> None:
        """Enter or double-click: the case gets the keyboard, the conversation in front."""
        self.detail.tabs.setCurrentIndex(1)
        self.detail.reply_box.setFocus()

    def open_from_list(self) -> None:
        """Enter or double-click on the list: Back returns to the list just as it is."""
        self.navigator.opened_from_list()
        self.open_current_case()

    def go_back(self) -> None:
        self.navigator.back()

    def open_case(self, case_id: str) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.navigator.opening(case_id)
        self.select_case(case_id)
        self.open_current_case()

    # --- changes -------------------------------------------------------------------------------

    def open_new_case(self) -> NewCaseDialog:
        from casedesktop.store import reference
        from casedesktop.ui.dialogs.new_case import NewCaseDialog

        dialog = NewCaseDialog(self.session, reference.load(self.session.db), self)
        dialog.accepted.connect(lambda: self._case_created(dialog))
        dialog.recordRequested.connect(lambda: self.start_recording(dialog.add_recording))
        dialog.open()
        return dialog

    def report_problem(self, request: SupportRequest) -> NewCaseDialog:
        """The error dialog's "Report this to support…": a new case filled with what went wrong and
        a copy of the log, for the user to read, change and send, or cancel (never sent by itself)."""
        import shutil

        dialog = self.open_new_case()
        dialog.prefill(request.subject, request.description, [request.log_copy] if request.log_copy else [])
        if request.log_copy is not None:  # the profile's file store has its own copy now
            shutil.rmtree(request.log_copy.parent, ignore_errors=True)
        return dialog

    # --- recording -----------------------------------------------------------------------------

    def start_recording(self, attach_to):  # noqa: ANN001, ANN201 - callable(Path) -> RecordingFlow | None
        """Record the screen; the finished video goes to `attach_to` (a dialog or the reply box)."""
        from casedesktop.ui.recording.flow import (
            RecordingFlow,  # numpy, PyAV, mss: load when needed
        )

        if self.recording is not None:
            self.statusBar().showMessage(_("A recording is already under way."), 5000)
            return None
        flow = RecordingFlow(self.profile_dir / RECORDINGS_DIR, self.settings, self)
        flow.recorded.connect(attach_to)
        flow.ended.connect(self._recording_ended)
        flow.recordingChanged.connect(self._show_recording)
        self.recording = flow
        flow.begin()
        return flow

    def _recording_ended(self) -> None:
        self.recording = None
        self._show_recording(False)

    def _record_or_stop(self) -> None:
        """The Record action, which is Stop while a recording runs (the bar is not the only way)."""
        if self.recording is not None and self.recording.recording:
            self.recording.stop()
        else:
            self.start_recording(self.detail.add_recording)

    def _show_recording(self, running: bool) -> None:
        self.commands.show_recording(running)
        notifier = getattr(self, "notifier", None)
        if notifier is not None:
            notifier.stop_recording_action.setVisible(running)

    def offer_leftover_recordings(self) -> list[Path]:
        """A recording never attached (the app crashed, or its preview was closed) is offered again."""
        leftovers = leftover_recordings(self.profile_dir / RECORDINGS_DIR)
        if not leftovers:
            return []
        from casedesktop.recording.probe import describe_recording
        from casedesktop.ui.recording.flow import RecordingFlow
        for path in leftovers[:1]:
            result = describe_recording(path)
            if result is None:
                path.rename(path.with_suffix(".unplayable"))
                continue
            flow = RecordingFlow(self.profile_dir / RECORDINGS_DIR, self.settings, self)
            flow.recorded.connect(self.detail.add_recording)
            flow.ended.connect(self._recording_ended)
            self.recording = flow
            self.statusBar().showMessage(_("A recording that was never attached is back: attach it or discard it."), 15000)
            flow.review(result)
        return leftovers

    def _case_created(self, dialog: NewCaseDialog) -> None:
        if dialog.created_case_id:
            self.detail.show_case(dialog.created_case_id)
            self.awaiting_number.add(dialog.created_case_id)
        self.local_change(dialog.changes)
        online = self.sync_indicator.status is not None and self.sync_indicator.status.online
        self.statusBar().showMessage(
            _("Case saved; sending it to support…") if online
            else _("Case saved. It will be sent to support as soon as you are online."), 10000)

    def local_change(self, changes: Changes) -> None:
        """The user changed something: show it at once and send it when we can."""
        self.apply_changes(changes)
        if changes.outbox_changed:
            self.session.poke()

    def apply_changes(self, changes: Changes) -> None:
        """The one place that tells the list and the detail pane what to refresh."""
        from casedesktop.store import conflicts, queries

        if changes.list_changed or changes.case_ids:
            self.controller.refresh()
        if self.detail.case_id and self.detail.case_id in changes.case_ids:
            self.detail.refresh()
        for case_id in changes.new_staff_activity:
            self._notify(case_id)
        if changes.conflicts:
            latest = conflicts.notices(self.session.db, unseen_only=True)
            if latest:
                self.statusBar().showMessage(latest[0].message, 20000)
        for case_id in self.awaiting_number & changes.case_ids:
            number = queries.case_detail(self.session.db, case_id).case.number
            if number:
                self.awaiting_number.discard(case_id)
                self.statusBar().showMessage(_("Your case {number} reached support.").format(number=number), 15000)

    def _notify(self, case_id: str) -> None:
        from casedesktop.store import queries

        try:
            detail = queries.case_detail(self.session.db, case_id)
        except LookupError:
            return
        case = detail.case
        staff_replies = [c for c in detail.comments if c.author_role != self.session.identity.role.value and c.kind == "reply"]
        if staff_replies:
            message = _("{name}: {text}").format(name=staff_replies[-1].author_name, text=staff_replies[-1].body[:140])
        else:
            message = _("Status is now {status}").format(status=Status(case.status).label)
        title = (_("{case} updated — {subject}").format(case=case.number, subject=case.subject) if case.number
                 else _("Case updated — {subject}").format(subject=case.subject))
        self.notifier.notify(case_id, title, message)

    def sign_in_again(self) -> None:
        """Signed out (a refused token, or started offline): sign in, then send what waited."""
        from casedesktop.ui.dialogs.sign_in import SignInDialog

        identity = self.session.identity
        dialog = SignInDialog(self.session.db, self.session.profile.tokens, identity.server_url, identity.email, self)
        dialog.server.setReadOnly(True)  # the same person on the same server: this cache is theirs
        dialog.email.setReadOnly(True)
        dialog.password.setFocus()
        dialog.accepted.connect(self.session.request_sync)
        dialog.open()

    def show_changes(self) -> ChangesDialog:
        """Refused changes (retry, discard) and notices about the user's changes, in one place."""
        from casedesktop.ui.dialogs.changes import ChangesDialog

        dialog = ChangesDialog(self.session.db, self)
        dialog.changed.connect(self.local_change)
        dialog.unseenChanged.connect(self.sync_indicator.set_unseen_notices)
        dialog.openCaseRequested.connect(self.open_case)
        dialog.open()
        return dialog

    show_failed_changes = show_changes  # the Changes view includes FailedChangesDialog's list

    # --- settings ------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self.settings.value("list/header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        column, descending = saved_sort(self.settings)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(column, order)  # attach queries in it

    def save_settings(self) -> None:
        header = self.table.horizontalHeader()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("list/header", header.saveState())
        self.settings.setValue("list/sort_column", header.sortIndicatorSection())
        self.settings.setValue("list/sort_descending", header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        self.settings.sync()

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802
        self.save_settings()
        if self.controller is not None:  # attached
            self.detail.save_reply_draft()
            self.controller.shutdown()
            from casedesktop.ui.tasks import writes  # loaded with the pane, after the first paint

            writes().drain()  # the user's last change is in the cache before it closes
        super().closeEvent(event)
