"""The main window: cards, search and filters, status tabs and the case list on the left; the
selected case on the right; sync in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QMargins, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from casedesktop import APP_ID
from casedesktop.domain import Role, Status
from casedesktop.i18n import _, ngettext, pgettext
from casedesktop.store.list_sql import SortKey, Tab, tab_statuses
from casedesktop.ui.caselist.model import COLUMNS, CaseListModel, sort_key
from casedesktop.ui.caselist.table import CaseTable
from casedesktop.ui.mainwindow import placement
from casedesktop.ui.mainwindow.actions import create_actions
from casedesktop.ui.recording.files import RECORDINGS_DIR, leftover_recordings

if TYPE_CHECKING:
    from casedesktop.store.changes import Changes
    from casedesktop.ui.caselist.controller import ListResult
    from casedesktop.ui.dialogs.changes import ChangesDialog
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.dialogs.settings import SettingsDialog
    from casedesktop.ui.errors import SupportRequest
    from casedesktop.ui.session import ProfileSession


WINDOW_TITLE = "CaseDesktop"  # the app's name, in every language
# Small enough for a 1024×600 netbook screen; at this size the list, the case's action buttons and
# the reply box's Send button are all still on screen (tests/gui/test_window_frame.py).
MINIMUM_SIZE = QSize(960, 540)


def saved_sort(settings: QSettings) -> tuple[int, bool]:
    """The list's saved sort column and direction; last updated, newest first, if none or invalid."""
    default = [key for _title, key in COLUMNS].index(SortKey.UPDATED), True
    try:
        column = int(settings.value("list/sort_column", default[0]))
    except (TypeError, ValueError):
        return default
    if not 0 <= column < len(COLUMNS):
        return default
    return column, settings.value("list/sort_descending", "true") in (True, "true")




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
        self.setMinimumSize(MINIMUM_SIZE)
        self.session: ProfileSession | None = None
        self.settings = settings if session is None else session.settings
        self.profile_dir = Path(self.settings.fileName()).parent
        self.recording = None  # the RecordingFlow under way, if any
        self.screenshot = None  # the ScreenshotFlow under way, if any
        self.awaiting_number: set[str] = set()  # cases made here that the server has not numbered yet
        self.controller = None  # ListController, from attach
        self.company = ""  # the customer's account(s), for the account menu and Settings
        self._quit_confirmed = False

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
        self.tabs.setUsesScrollButtons(False)  # a narrow list (or a long language) elides the labels
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)  # rather than hiding tabs behind arrows
        for i, tab in enumerate(Tab):
            self.tabs.addTab(tab.label)
            statuses = [Status(s).label_for(role) for s in tab_statuses(tab, role)]
            self.tabs.setTabToolTip(i, _("Cases that are {statuses}").format(
                statuses=pgettext("between items of a list", ", ").join(statuses)) if statuses else _("Every case"))

        self.table = CaseTable(self.model, self.settings)

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
        self.splitter.setStretchFactor(0, 3)  # a wider window widens the list more than the case
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        # --- actions and shortcuts -------------------------------------------------------------
        self.commands = create_actions(self)
        self.new_case_action = self.commands.new_case
        self.new_case_action.triggered.connect(lambda: self.open_new_case())
        self.sync_action = self.commands.sync
        self.sync_action.triggered.connect(lambda: self.session.request_sync())
        self.record_action = self.commands.record
        self.record_action.triggered.connect(self._record_or_stop)
        self.commands.screenshot.triggered.connect(self._screenshot_from_window)
        self.commands.search.triggered.connect(self.focus_search)
        self.commands.reply.triggered.connect(self.open_current_case)
        self.commands.send.triggered.connect(lambda: self.detail.send_button.click())
        self.back_action = self.commands.back
        self.back_action.triggered.connect(self.go_back)
        self.changes_action = self.commands.changes
        self.changes_action.triggered.connect(lambda: self.show_changes())
        self.quit_action = self.commands.quit
        self.quit_action.triggered.connect(self.request_quit)
        self.commands.about.triggered.connect(self._about)
        self.commands.shortcuts.triggered.connect(self.show_shortcuts)
        self.settings_action = self.commands.settings
        self.settings_action.triggered.connect(lambda: self.show_settings())
        self.commands.sign_out.triggered.connect(lambda: self.sign_out())
        self.commands.switch_account.triggered.connect(lambda: self.sign_out(switch=True))
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
        self.detail.recordRequested.connect(lambda: self.start_recording(self.detail.add_recording))
        self.detail.screenshotRequested.connect(lambda: self.take_screenshot(self.detail.add_recording))
        state = self.splitter.saveState()  # the sizes as set or restored, shown or not yet
        self.splitter.replaceWidget(1, self.detail).deleteLater()
        self.splitter.restoreState(state)

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
        self._show_identity()
        self.notifier = Notifier(self.windowIcon(), self.statusBar(), self, session=session)
        self.left_layout.insertWidget(0, self.notifier.banner)  # where there is no tray to show notices
        self.controller.updated.connect(lambda _result: self.notifier.count_unread())  # the tray's badge
        self.notifier.stop_recording_action.triggered.connect(self._record_or_stop)
        self.notifier.caseClicked.connect(self.open_case)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: current.isValid() and self.notifier.case_opened(self.model.case_id_at(current.row())))
        self.navigator = CaseNavigator(self)
        self.staff_desk = None  # support staff's additions to the list (ui/caselist/staff_desk.py)
        if identity.role.is_staff:
            from casedesktop.ui.caselist.staff_desk import StaffDesk

            self.staff_desk = StaffDesk(self)
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

    def show_shortcuts(self) -> QWidget:
        """Help > Keyboard shortcuts: every command's keys, read from the actions."""
        from casedesktop.ui.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.commands.commands(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _list_updated(self, result: ListResult) -> None:
        from casedesktop.i18n import ngettext
        from casedesktop.ui.caselist.table import empty_state

        if result.first:
            self._list_ready()
        for i, tab in enumerate(Tab):
            count = result.tab_counts[tab]
            self.tabs.setTabText(i, _("{tab} ({count})").format(tab=tab.label, count=count))
            cases = ngettext("{count} case", "{count} cases", count).format(count=count)
            # Translators: a status tab as a screen reader says it: "Open, 7 cases".
            self.tabs.setAccessibleTabName(i, _("{tab}, {cases}").format(tab=tab.label, cases=cases))
        self.cards.show_cards(result.cards)
        self.cards.mark_current(result.query)
        self.filters.set_choices(self.filters.product, result.products)
        self.filters.set_choices(self.filters.account, result.accounts)
        self.filters.offer_accounts(len(result.accounts) > 1)
        self.table.set_single_account(len(result.accounts) <= 1)
        self.table.set_empty_state(empty_state(result.query))
        current = self.detail.case_id
        if current and self.model.row_of(current) >= 0:
            self.select_case(current, open_it=False)
        elif current and result.refiltered and result.followed == current and result.lists_followed is False:
            # The tab, a filter or the search left the open case out: the pane lets it go too.
            self.table.clearSelection()
            self.detail.show_case(None)
            self.table.pick_first_row = False
        elif current is None and self.table.pick_first_row and self.model.rowCount() > 0:
            self.table.selectRow(0)
        self.controller.followed = self.detail.case_id

    def _list_ready(self) -> None:
        """The window is complete (the list's first result after attach): what joins its parts."""
        self.table.emptyActionRequested.connect(self._empty_list_action)
        # Tab order, in one place: search, filters, status tabs, the list, the case, then the cards.
        filters = self.filters
        chain = [filters.search, filters.severity, filters.product, filters.account, self.tabs, self.table,
                 self.detail, *self.cards.buttons.values()]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    def show_list(self, *, tab: Tab | None = None, severity: str | None = None, product: str | None = None,
                  account: str | None = None, search: str | None = None) -> None:
        """Set the status tab, filters and search at once (None keeps one): one list query."""
        filters = self.filters
        changes: dict[str, object] = {}
        if tab is not None:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(list(Tab).index(tab))
            self.tabs.blockSignals(False)
            changes["tab"] = tab
        for field, combo, value in (("severity", filters.severity, severity), ("product", filters.product, product),
                                    ("account", filters.account, account)):
            if value is not None:
                combo.blockSignals(True)
                combo.setCurrentIndex(max(combo.findData(value), 0))
                combo.blockSignals(False)
                changes[field] = combo.currentData() or ""
        if search is not None:
            filters.set_search(search)  # no debounce: the query goes at once
            changes["search"] = search
        self.controller.set_query(**changes)

    def _card_clicked(self, key: str) -> None:
        from casedesktop.ui.caselist.summary_cards import CARD_FILTERS

        tab, severity = CARD_FILTERS[key]
        self.show_list(tab=tab, severity=severity, product="", account="", search="")

    def _empty_list_action(self, action: str) -> None:
        if action == "new_case":
            self.open_new_case()
        elif action == "clear_search":
            self.show_list(search="")
            self.focus_search()
        elif action == "clear_filters":
            self.show_list(severity="", product="", account="")
        elif action == "all_cases":
            self.show_list(tab=Tab.ALL)

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    # --- navigation ----------------------------------------------------------------------------

    def _current_changed(self, current, _previous) -> None:  # noqa: ANN001
        if current.isValid():
            case_id = self.model.case_id_at(current.row())
            if case_id != self.detail.case_id:  # the same case found again after a sort: as it is
                self.detail.show_case(case_id)
            self.controller.followed = self.detail.case_id

    def select_case(self, case_id: str, open_it: bool = True) -> None:
        row = self.model.row_of(case_id)
        if row >= 0:
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(index, flags)
            self.table.scrollTo(index)
        if open_it or row < 0:
            self.detail.show_case(case_id)
        self.controller.followed = self.detail.case_id

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
        dialog.screenshotRequested.connect(lambda: self.take_screenshot(dialog.add_recording))
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

    def start_recording(self, attach_to, destination: str | None = None):  # noqa: ANN001, ANN201
        """Record the screen; the finished video goes to `attach_to` (a dialog or the reply box:
        callable(Path)), and the preview names `destination` ("" for a new case). Returns the
        RecordingFlow, or None when one is under way. For the reply box, the video goes to the
        case open now, even if another one is open when it is attached."""
        from casedesktop.ui.recording.destination import open_case
        from casedesktop.ui.recording.flow import (
            RecordingFlow,  # numpy, PyAV, mss: load when needed
        )

        if self.recording is not None:
            self.statusBar().showMessage(_("A recording is already under way."), 5000)
            return None
        if attach_to == self.detail.add_recording:
            case = open_case(self.session.db, self.detail.case_id)
            if case is not None:
                attach_to, destination = self._recording_for_case(case.case_id), case.label
        flow = RecordingFlow(self.profile_dir / RECORDINGS_DIR, self.settings, self, destination=destination or "")
        flow.recorded.connect(attach_to)
        flow.ended.connect(self._recording_ended)
        flow.recordingChanged.connect(self._show_recording)
        self.recording = flow
        flow.begin()
        return flow

    def _recording_for_case(self, case_id: str):  # noqa: ANN202 - callable(Path) -> bool
        """Attach a finished recording to the reply of `case_id`, opening that case if the user has
        moved on to another while recording."""
        def attach(path: Path) -> bool:
            if self.detail.case_id != case_id:
                self.open_case(case_id)
            return self.detail.add_recording(path)
        return attach

    def _recording_for_new_case(self, path: Path) -> bool:
        """Open New Case with the finished recording attached (the user's draft stays as it was)."""
        return self.open_new_case().add_recording(path)

    def _recording_ended(self) -> None:
        self.recording = None
        self._show_recording(False)

    def _record_or_stop(self) -> None:
        """The Record action, which is Stop while a recording runs (the bar is not the only way).
        It first asks where the recording goes when a case is open; for one that takes no replies
        the question says why the recording will start a new case."""
        if self.recording is not None:
            if self.recording.recording:
                self.recording.stop()
            else:
                self.statusBar().showMessage(_("A recording is already under way."), 5000)
            return
        from casedesktop.ui.recording.destination import Destination, DestinationDialog, shown_case

        case = shown_case(self.session.db, self.detail.case_id)
        if case is None:  # no case shown: it starts a new case
            self.start_recording(self._recording_for_new_case, "")
            return
        question = DestinationDialog(case, self)
        self.recording_question = question

        def answered(_code: int) -> None:
            self.recording_question = None
            if question.choice is Destination.OPEN_CASE:
                self.start_recording(self._recording_for_case(case.case_id), case.label)
            elif question.choice is Destination.NEW_CASE:
                self.start_recording(self._recording_for_new_case, "")

        question.finished.connect(answered)
        question.open()

    # --- screenshots ---------------------------------------------------------------------------

    def take_screenshot(self, attach_to, destination: str | None = None):  # noqa: ANN001, ANN201
        """Capture the screen, let the user mark it up, and attach the PNG with `attach_to` (a dialog
        or the reply box: callable(Path)), as a recording is attached. For the reply box the picture
        goes to the case open now; `destination` names it ("CS-1042: Printer offline") in the status
        bar once attached. Returns the ScreenshotFlow, or None when one is under way."""
        from casedesktop.ui.recording.destination import open_case
        from casedesktop.ui.screenshot.flow import SCREENSHOTS_DIR, ScreenshotFlow

        if self.screenshot is not None:
            self.statusBar().showMessage(_("A screenshot is already under way."), 5000)
            return None
        if attach_to == self.detail.add_recording:
            case = open_case(self.session.db, self.detail.case_id)
            if case is not None:
                attach_to, destination = self._recording_for_case(case.case_id), case.label
        flow = ScreenshotFlow(self.profile_dir / SCREENSHOTS_DIR, self.settings, self)

        def attach(path: Path) -> None:
            if attach_to(path) and destination:
                self.statusBar().showMessage(_("The screenshot is attached to your reply on {case}.").format(
                    case=destination), 10000)

        flow.attached.connect(attach)
        flow.ended.connect(self._screenshot_ended)
        self.screenshot = flow
        flow.begin()
        return flow

    def _screenshot_ended(self) -> None:
        self.screenshot = None

    def _screenshot_from_window(self) -> None:
        """The Screenshot command: for the reply of the case open in the window, else a new case."""
        from casedesktop.ui.recording.destination import open_case

        case = open_case(self.session.db, self.detail.case_id)
        if case is None:
            self.take_screenshot(self._recording_for_new_case, "")
        else:
            self.take_screenshot(self._recording_for_case(case.case_id), case.label)

    def _show_recording(self, running: bool) -> None:
        self.commands.show_recording(running)
        notifier = getattr(self, "notifier", None)
        if notifier is not None:
            notifier.stop_recording_action.setVisible(running)

    def offer_leftover_recordings(self) -> list[Path]:
        """A recording never attached (the app crashed, or its preview was closed) is offered
        again, for the open case or a new one. Reading the file runs off the GUI thread."""
        leftovers = leftover_recordings(self.profile_dir / RECORDINGS_DIR)
        if not leftovers:
            return []
        from casedesktop.recording.probe import describe_recording
        from casedesktop.ui.tasks import background

        path = leftovers[0]
        background().run(describe_recording, path, owner=self, done=lambda result: self._offer_leftover(path, result))
        return leftovers

    def _offer_leftover(self, path: Path, result) -> None:  # noqa: ANN001 - RecordingResult | None
        from casedesktop.ui.recording.destination import open_case
        from casedesktop.ui.recording.flow import RecordingFlow

        if result is None:
            path.rename(path.with_suffix(".unplayable"))
            return
        if self.recording is not None:
            return  # the user started a recording meanwhile: this one waits for the next start
        case = open_case(self.session.db, self.detail.case_id)
        attach_to = self._recording_for_case(case.case_id) if case else self._recording_for_new_case
        flow = RecordingFlow(self.profile_dir / RECORDINGS_DIR, self.settings, self,
                             destination=case.label if case else "")
        flow.recorded.connect(attach_to)
        flow.ended.connect(self._recording_ended)
        self.recording = flow
        self.statusBar().showMessage(_("A recording that was never attached is back: attach it or discard it."), 15000)
        flow.review(result)

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
            case = queries.case_detail(self.session.db, case_id).case
            number = case.number
            if number:
                self.awaiting_number.discard(case_id)
                message = (_("Case {number} created for {account}.").format(number=number, account=case.account_name)
                           if self.session.identity.role.is_staff else
                           _("Your case {number} reached support.").format(number=number))
                self.statusBar().showMessage(message, 15000)

    def _notify(self, case_id: str) -> None:
        """News from someone else on a case: the notifier words it, groups what comes together and
        reads the cache off the GUI thread (ui/syncstatus/notifier.py)."""
        self.notifier.case_updated(case_id)

    def sign_in_again(self) -> None:
        """Signed out (a refused token, or started offline): sign in, then send what waited."""
        from casedesktop.ui.dialogs.sign_in import SignInDialog

        identity = self.session.identity
        dialog = SignInDialog(self.session.db, self.session.profile.tokens, identity.server_url, identity.email, self)
        dialog.for_same_account()  # the same person on the same server: this cache is theirs
        dialog.accepted.connect(self.session.request_sync)
        dialog.accepted.connect(lambda: self._show_signed_in(dialog.identity))
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
        self._restore_placement()
        splitter = self.settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = self.settings.value("list/header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        column, descending = saved_sort(self.settings)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(column, order)  # attach queries in it

    def _restore_placement(self) -> None:
        """The size, place and maximised state saved for the screen it was last on (see placement)."""
        screen, geometry, maximized = placement.restore_placement(self.settings)
        legacy = self.settings.value(placement.LEGACY_GEOMETRY_KEY)
        if not self.settings.contains(placement.LAST_SCREEN_KEY) and legacy is not None:
            self.restoreGeometry(legacy)  # saved by an older version: one place for every screen
            geometry = placement.fit_into(self.normalGeometry(), screen.availableGeometry())
            maximized = self.isMaximized()
        self.setGeometry(geometry)
        state = self.windowState() & ~Qt.WindowState.WindowMaximized
        self.setWindowState(state | Qt.WindowState.WindowMaximized if maximized else state)
        self._placed = False  # checked once against the window manager's real frame (showEvent)
        self._first_start = not self.settings.contains(placement.LAST_SCREEN_KEY) and legacy is None

    def showEvent(self, event) -> None:  # noqa: ANN001, N802
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            QTimer.singleShot(250, self, self.keep_on_screen)  # the frame comes with the first map

    def keep_on_screen(self) -> None:
        """With the window manager's frame known: move or shrink the window so that all of it,
        title bar to status bar, is inside its screen's free area."""
        if self.isMaximized() or self.isFullScreen() or not self.isVisible():
            return
        inner, outer = self.geometry(), self.frameGeometry()
        frame = QMargins(inner.left() - outer.left(), inner.top() - outer.top(),
                         outer.right() - inner.right(), outer.bottom() - inner.bottom())
        if frame.top() <= 0:  # not framed (yet): the assumed title bar
            frame = placement.ASSUMED_FRAME
        available = self.screen().availableGeometry()
        if self._first_start:  # the default place, now with the real title bar instead of a guess
            fitted = placement.default_geometry(available, frame)
        else:
            fitted = placement.fit_into(inner, available, frame)
        if fitted != inner:
            self.setGeometry(fitted)

    def save_settings(self) -> None:
        header = self.table.horizontalHeader()
        normal = self.normalGeometry() if self.isMaximized() or self.isFullScreen() else self.geometry()
        placement.SavedPlacement(normal, self.isMaximized()).write(self.settings, placement.screen_key(self.screen()))
        self.settings.remove(placement.LEGACY_GEOMETRY_KEY)
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("list/header", header.saveState())
        self.settings.setValue("list/sort_column", header.sortIndicatorSection())
        self.settings.setValue("list/sort_descending", header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        self.settings.sync()

    def show_settings(self) -> SettingsDialog:
        from casedesktop.ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.session, self, settings=self.settings, profile_dir=self.profile_dir,
                                company=self.company)
        dialog.signOutRequested.connect(lambda: self.sign_out())
        dialog.switchAccountRequested.connect(lambda: self.sign_out(switch=True))
        dialog.restartRequested.connect(self.restart)
        dialog.open()
        return dialog

    def restart(self) -> None:
        """Settings' "Restart now": close as Quit does and start again (a new language)."""
        from casedesktop.ui import main

        main.request_restart(self)

    # --- account -------------------------------------------------------------------------------

    def _show_identity(self) -> None:
        """The account menu's heading; the customer's company follows from the cache's reference
        (read again whenever the menu opens: a first sync brings it after the window is up)."""
        identity = self.session.identity
        self.commands.show_identity(identity.name, identity.email, identity.server_url, self.company)
        self._load_company()
        self.commands.account_menu.aboutToShow.connect(self._load_company)

    def _load_company(self) -> None:
        from casedesktop.store import reference
        from casedesktop.ui.tasks import background

        if self.session is not None and self.session.identity.role == Role.CUSTOMER:
            background().run(reference.load, self.session.db, done=self._show_company, owner=self)

    def _show_company(self, known: object) -> None:
        names = [account.name for account in getattr(known, "accounts", [])]
        company = pgettext("between items of a list", ", ").join(names)
        if company == self.company:
            return
        self.company = company
        identity = self.session.identity
        self.commands.show_identity(identity.name, identity.email, identity.server_url, self.company)

    def sign_out(self, switch: bool = False) -> None:
        """Forget the token (the keychain's, and the server's session when it is reachable), then
        ask for a sign-in: the same person again, or with `switch`, anyone. The cache and its
        waiting changes stay for the next sign-in."""
        count = self.unsent_count()
        if not (switch or count):
            self._sign_out_now(switch)
            return
        box = self.sign_out_question(switch, count)
        box.buttonClicked.connect(lambda button: box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole
                                  and self._sign_out_now(switch))  # Cancel: still signed in, as before
        box.open()

    def _sign_out_now(self, switch: bool) -> None:
        from casedesktop.sync.sign_in import sign_out
        from casedesktop.ui.tasks import background

        profile = self.session.profile
        self.commands.sign_out.setEnabled(False)
        background().run(sign_out, profile.db, profile.tokens, done=lambda _none: self._signed_out(switch),
                         failed=lambda _error: self._signed_out(switch), owner=self)

    def _show_signed_in(self, identity) -> None:  # noqa: ANN001 - Identity | None
        """The toolbar's account button names who signed in again."""
        if identity is not None:
            self.commands.show_identity(identity.name, identity.email, identity.server_url, self.company)
        self.sync_indicator.set_sign_in_note(self.session.profile.tokens.warning)  # a keychain may be gone now

    def sign_out_question(self, switch: bool, count: int) -> QMessageBox:
        """Asked before the token is forgotten: Cancel leaves the user signed in as they were."""
        email = self.session.identity.email
        if switch:
            text = _("Sign out of {email} to sign in with another account?").format(email=email)
        else:
            text = _("Sign out of {email}?").format(email=email)
        if count:
            text += "\n\n" + ngettext(
                "{count} change is not sent yet. It is kept and will be sent after the next sign-in.",
                "{count} changes are not sent yet. They are kept and will be sent after the next sign-in.",
                count).format(count=count)
        box = QMessageBox(QMessageBox.Icon.Question, _("Sign out"), text, QMessageBox.StandardButton.Cancel, self)
        sign_out_button = box.addButton(_("Sign &out"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(sign_out_button)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return box

    def _signed_out(self, switch: bool) -> None:
        from casedesktop.ui.dialogs.sign_in import SignInDialog

        self.commands.sign_out.setEnabled(True)
        self.commands.account_button.setText(_("Signed out"))  # not the name of who is no longer here
        self.commands.account_button.setAccessibleName(_("Account: signed out"))
        self.statusBar().showMessage(_("Signed out. Your cases and waiting changes stay here until you sign in "
                                       "again."), 15000)
        if not switch:
            self.sign_in_again()
            return
        identity = self.session.identity
        dialog = SignInDialog(self.session.db, self.session.profile.tokens, identity.server_url, "", self)
        dialog.email.setFocus()
        dialog.accepted.connect(self.session.request_sync)
        dialog.accepted.connect(lambda: self._show_signed_in(dialog.identity))
        dialog.open()

    # --- quitting ------------------------------------------------------------------------------

    def request_quit(self) -> bool:
        """Quit, after saying so when changes have not reached the server yet (they are kept)."""
        if not self.confirm_quit():
            return False
        self._quit_confirmed = True
        return self.close()

    def unsent_count(self) -> int:
        """Changes in the outbox the server has not taken yet (what the Changes view lists)."""
        if self.controller is None:
            return 0
        from casedesktop.store import outbox
        from casedesktop.ui.tasks import writes

        self.detail.save_reply_draft()
        writes().drain()  # a change made a moment ago is counted too
        return outbox.counts(self.session.db).waiting

    def quit_question(self, count: int) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, _("Quit CaseDesktop"), ngettext(
            "{count} change is not sent yet. It is kept and will be sent the next time CaseDesktop is online.",
            "{count} changes are not sent yet. They are kept and will be sent the next time CaseDesktop is online.",
            count).format(count=count), QMessageBox.StandardButton.Cancel, self)
        quit_button = box.addButton(_("&Quit"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(quit_button)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return box

    def confirm_quit(self) -> bool:
        count = self.unsent_count()
        if count == 0:
            return True
        box = self.quit_question(count)
        box.exec()
        return box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802
        # The window manager's close button asks as Quit does; closing from code (a restart, the
        # end of a session, a signal) does not: nothing is lost either way.
        if event.spontaneous() and not self._quit_confirmed and not self.confirm_quit():
            event.ignore()
            return
        self.save_settings()
        if self.controller is not None:  # attached
            self.detail.save_reply_draft()
            self.controller.shutdown()
            from casedesktop.ui.tasks import writes  # loaded with the pane, after the first paint

            writes().drain()  # the user's last change is in the cache before it closes
        super().closeEvent(event)
