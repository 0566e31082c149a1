"""Starts the window for a profile: sign in if needed, then the main window with sync running.

A cold start paints the case list first and loads the rest after: the first page and the count are
read with plain sqlite3 (store/first_page.py) into a window of Qt widgets only
(`MainWindow.early`); right after its first paint the cache opens properly (quick check,
migrations), the token is read from the keychain, and the detail pane, the list controller and the
sync worker start (`Session.open`). SQLAlchemy, pydantic, requests and keyring never load before
the list is on screen.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from casedesktop import APP_ID, APP_NAME, __version__, i18n
from casedesktop.app import profile_path
from casedesktop.domain import Role
from casedesktop.i18n import language
from casedesktop.store import first_page
from casedesktop.ui import preferences, theme
from casedesktop.ui.caselist.model import PAGE_SIZE
from casedesktop.ui.mainwindow.window import MainWindow, app_icon
from casedesktop.ui.session import ProfileSession, window_settings

if TYPE_CHECKING:
    from casedesktop.app import Profile

# Set to a file name, the window writes the time of its first paint there and quits (benchmarks).
FIRST_PAINT_PROBE = "CASEDESKTOP_FIRST_PAINT_FILE"


def application(settings: QSettings | None = None) -> QApplication:
    """The QApplication, with the theme chosen in `settings` (the profile's Settings)."""
    _windows_app_id()  # before the first window, so the taskbar groups it under the Start-menu entry
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # Wayland/X11: matches the installed desktop entry and its icon
    app.setWindowIcon(app_icon())
    _qt_translations(app)
    # CASEDESKTOP_COLOR_SCHEME=dark: a dark palette anywhere; else the scheme chosen in Settings.
    theme.apply_scheme_from_environment(app, preferences.color_scheme(settings) if settings is not None else "system")
    return app


def install_language(settings: QSettings) -> None:
    """The language chosen in Settings, before any widget is built (`cli.main` installed the
    environment's already; "System default" keeps that)."""
    chosen = preferences.language(settings)
    preferences.started_language = chosen
    if chosen != preferences.SYSTEM:
        i18n.install(chosen)


_restart = False


def request_restart(window: QWidget) -> None:
    """Close the window as the user would and start CaseDesktop again once this one has ended."""
    global _restart
    _restart = window.close()


def relaunch_command() -> list[str]:
    """This program with its arguments: the bundle's executable, or Python running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *sys.argv[1:]]
    return [sys.executable, "-m", "casedesktop", *sys.argv[1:]]


def _relaunch() -> None:
    from PySide6.QtCore import QProcess

    program, *arguments = relaunch_command()
    QProcess.startDetached(program, arguments)


def _qt_translations(app: QApplication) -> None:
    """Qt's own texts (standard buttons, a text field's menu) in the language of the app's catalog:
    Qt's catalog for it, and its number and date formats in Qt's widgets. Nothing for English."""
    wanted = language()
    if wanted is None:
        return
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(wanted))
    translator = QTranslator(app)
    if translator.load(QLocale(wanted), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)


def _windows_app_id() -> None:
    """Windows: the AppUserModelID the installer's Start-menu shortcut carries (taskbar grouping)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)


class AfterPaint(QObject):
    """Calls back once, after `widget` has handled its first Paint event (and its flush), or after
    `fallback_ms` if no paint comes (a window started minimised, a display that never exposes it)."""

    def __init__(self, widget: QWidget, callback: Callable[[], None], fallback_ms: int = 3000):
        super().__init__(widget)
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, obj, event) -> bool:  # noqa: ANN001, N802
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            # Two turns of the loop: whatever else waits on this paint runs first.
            QTimer.singleShot(0, self, lambda: QTimer.singleShot(0, self, self._fire))
        return False

    def _fire(self) -> None:
        if self._callback is not None:
            callback, self._callback = self._callback, None
            self._widget.removeEventFilter(self)
            callback()


class Session:
    """The window and the sync bridge of one signed-in profile, started and stopped together.

    `Session(profile)` builds everything at once; `Session.early(directory, page)` only the window
    with the list's first page, and `start` opens the profile once that has been painted.
    """

    def __init__(self, profile: Profile | None, sync_interval: float = 30.0, window: MainWindow | None = None,
                 settings: QSettings | None = None, report_errors: bool = False, live_updates: bool = True):
        self.profile: Profile | None = None
        self.session: ProfileSession | None = None
        self.window = window
        self.settings = settings
        self.sync_interval = sync_interval
        self.live_updates = live_updates  # keep a long-poll open for the server's news (sync/live.py)
        self._ready: list[Callable[[], None]] = []
        self._after_paint: AfterPaint | None = None
        self.report_errors = report_errors  # the app's error dialog (run_gui); tests keep pytest-qt's
        if profile is not None:
            self._attach(profile)

    @classmethod
    def early(cls, settings: QSettings, page: first_page.FirstPage, sync_interval: float = 30.0,
              report_errors: bool = False) -> Session:
        window = MainWindow.early(settings, Role(page.role))
        window.model.set_first_page(page.count, page.rows)
        return cls(None, sync_interval, window, settings, report_errors)

    def _attach(self, profile: Profile) -> None:
        from casedesktop.sync.downloads import DownloadWorker
        if self.report_errors:
            # An exception in a slot or a thread is logged and shown, not lost on stderr. Installed
            # here, after a cold start's first paint: the dialog's module costs ~25 ms to load.
            from casedesktop.ui import errors

            errors.install()
        from casedesktop.ui.syncstatus.bridge import DownloadRelay, SyncBridge

        identity = profile.require_identity()
        self.profile = profile
        bridge = SyncBridge(profile, identity, self.sync_interval, live=self.live_updates)
        downloads = DownloadRelay(DownloadWorker(profile.blobs, identity.server_url, profile.tokens.get))
        self.session = ProfileSession(profile, identity, self.settings, bridge, downloads)
        if self.window is None:
            self.window = MainWindow(self.session)
        else:
            self.window.attach(self.session)
        bridge.statusChanged.connect(self.window.sync_indicator.show_status)
        bridge.changesArrived.connect(self.window.apply_changes)
        self.window.sync_indicator.set_sign_in_note(profile.tokens.warning)  # lasting, not a passing message
        if profile.recovery is not None:
            self.window.statusBar().showMessage(profile.recovery.message, 60000)

    @property
    def ready(self) -> bool:
        return self.profile is not None

    def when_ready(self, callback: Callable[[], None]) -> None:
        """`callback()` once the profile is open and sync started (at once if it is)."""
        if self.ready:
            callback()
        else:
            self._ready.append(callback)

    def start(self) -> None:
        self.window.show()
        if self.profile is None:
            # The window's first paint, which paints the list with it (not the table's viewport:
            # the first call of QAbstractScrollArea.viewport() costs 15-30 ms in PySide6 6.11).
            self._after_paint = AfterPaint(self.window, self.open)
        else:
            self._started()
        probe = os.environ.get(FIRST_PAINT_PROBE)
        if probe:  # installed last, so its filter sees the paint first and it ends before `open`
            AfterPaint(self.window, lambda: _report_first_paint(Path(probe)), fallback_ms=120_000)

    def _started(self) -> None:
        # Everything loaded so far lives as long as the window: keep it out of the collector's
        # full passes, which otherwise walk it (~50 ms, holding the GIL) every few feed pages of a
        # first sync and stall the GUI thread that long.
        gc.freeze()
        self.session.sync.start()
        QTimer.singleShot(0, self.window.offer_leftover_recordings)
        callbacks, self._ready = self._ready, []
        for callback in callbacks:
            callback()

    def open(self) -> None:
        """After the first paint: open the profile (sign in if needed), complete the window, sync."""
        profile = _open_profile(self.window.profile_dir, self.window)
        if profile is None:
            self.window.close()
            return
        if not _signed_in(profile, self.window):
            profile.close()
            self.window.close()
            return
        self._attach(profile)
        self._started()

    def stop(self) -> None:
        if self.session is not None:
            self.session.stop()
        self.window.close()


def _report_first_paint(path: Path) -> None:
    """The start-up probe: the moment of the first paint (time.monotonic, which every process on
    Linux shares), written for a benchmark that started this app from outside, then exit. It is the
    only way to time a frozen bundle, which cannot run a benchmark's own script."""
    painted = time.monotonic()
    path.write_text(f"{painted}\n", encoding="utf-8")
    os._exit(0)  # at once: nothing has been opened yet that would need closing


def _open_profile(directory: Path, parent: QWidget | None = None) -> Profile | None:
    """The profile, or None after telling the user why its cache cannot be used."""
    from casedesktop.app import open_profile
    from casedesktop.store.database import CacheError

    try:
        return open_profile(directory)
    except CacheError as exc:
        QMessageBox.critical(parent, APP_NAME, str(exc))
        return None


def _signed_in(profile: Profile, parent: QWidget | None = None) -> bool:
    """Whether the window may open: the profile has an identity and a token, after the sign-in
    dialog if it lacked one; or it has an identity and the user chose to work offline for now."""
    if profile.identity is not None and profile.tokens.get() is not None:
        return True
    from casedesktop.ui.dialogs.sign_in import SignInDialog

    known = profile.identity
    dialog = SignInDialog(profile.db, profile.tokens, known.server_url if known else "", known.email if known else "",
                          parent, offline_allowed=known is not None)
    accepted = dialog.exec() == SignInDialog.DialogCode.Accepted
    return accepted or dialog.work_offline  # Work offline opens the window whatever else was tried


def quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl+C or a polite kill closes the window normally, so clean-up (drafts, demo server) runs.

    Python handles signals only when it runs: a short timer hands it control from Qt's loop.
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.closeAllWindows())
    timer = QTimer(app)
    timer.start(250)
    timer.timeout.connect(lambda: None)
    return timer


def run_gui(profile_dir: Path | None = None, profile: Profile | None = None, sync_interval: float = 30.0) -> int:
    global _restart
    directory = profile.directory if profile is not None else profile_path(profile_dir)
    settings = window_settings(directory)
    install_language(settings)  # before the first widget: every text is made in it
    app = application(settings)
    session: Session | None = None
    if profile is None:
        page = first_page.read(directory, *_saved_sort(settings), limit=PAGE_SIZE)
        if page is not None:  # the usual start: paint the list now, open the rest after
            session = Session.early(settings, page, sync_interval, report_errors=True)
        else:
            profile = _open_profile(directory)
            if profile is None:
                return 1
    if session is None:
        if not _signed_in(profile):
            return 0
        session = Session(profile, sync_interval, report_errors=True)
    session.start()
    quit_on_signals(app)
    try:
        return app.exec()
    finally:
        if session.session is not None:
            session.session.stop()
        if session.profile is not None:
            session.profile.close()
        if _restart:
            _restart = False
            _relaunch()


def _saved_sort(settings: QSettings) -> tuple[str, bool]:
    """The list's sort as the window will restore it, for the first page."""
    from casedesktop.ui.caselist.model import COLUMNS
    from casedesktop.ui.mainwindow.window import saved_sort

    column, descending = saved_sort(settings)
    return COLUMNS[column][1], descending
