"""Starts the window for a profile: sign in if needed, then the main window with sync running."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from casedesktop.app import Profile, open_profile
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import CacheError
from casedesktop.sync.downloads import DownloadWorker
from casedesktop.ui.main_window import MainWindow
from casedesktop.ui.sign_in_dialog import SignInDialog
from casedesktop.ui.sync_bridge import DownloadRelay, SyncBridge


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CaseDesktop")
    app.setOrganizationName("CaseDesktop")
    app.setDesktopFileName("casedesktop")
    return app


class Session:
    """The window and the sync bridge of one signed-in profile, started and stopped together."""

    def __init__(self, profile: Profile, sync_interval: float = 30.0):
        identity = profile.require_identity()
        self.profile = profile
        self.bridge = SyncBridge(profile.db, identity.server_url, profile.tokens.get, identity.user_id, sync_interval)
        self.downloads = DownloadRelay(DownloadWorker(BlobStore(profile.directory), identity.server_url, profile.tokens.get))
        self.window = MainWindow(profile.db, identity, request_sync=self.bridge.sync_now, fetch=self.downloads.fetch,
                                 poke=self.bridge.poke)
        self.bridge.statusChanged.connect(self.window.sync_indicator.show_status)
        self.bridge.changesArrived.connect(self.window.apply_changes)
        if profile.tokens.warning:
            self.window.statusBar().showMessage(profile.tokens.warning, 15000)
        if profile.recovery is not None:
            self.window.statusBar().showMessage(profile.recovery.message, 60000)

    def start(self) -> None:
        self.window.show()
        self.bridge.start()
        QTimer.singleShot(0, self.window.offer_leftover_recordings)

    def stop(self) -> None:
        self.bridge.stop()
        self.downloads.close()
        self.window.close()


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
    app = application()
    if profile is None:
        try:
            profile = open_profile(profile_dir)
        except CacheError as exc:
            QMessageBox.critical(None, "CaseDesktop", str(exc))
            return 1
    if profile.identity is None or profile.tokens.get() is None:
        known = profile.identity
        dialog = SignInDialog(profile.db, profile.tokens, known.server_url if known else "", known.email if known else "")
        if dialog.exec() != SignInDialog.DialogCode.Accepted:
            return 0
    session = Session(profile, sync_interval)
    session.start()
    quit_on_signals(app)
    try:
        return app.exec()
    finally:
        session.bridge.stop()
        session.downloads.close()
        profile.close()
