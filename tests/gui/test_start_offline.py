"""A restart with no token and the server away: "Work offline" opens the window on the cache,
whatever was typed in the sign-in dialog before."""

from __future__ import annotations

import uuid

from keyring.errors import NoKeyringError
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from casedesktop.app import open_profile
from casedesktop.domain import Role
from casedesktop.store import first_page, meta
from casedesktop.store.meta import Identity
from casedesktop.ui.dialogs.sign_in import SignInDialog
from casedesktop.ui.main import Session
from casedesktop.ui.session import window_settings
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)


def test_work_offline_after_editing_the_address_opens_the_window(qtbot, profile_dir, monkeypatch) -> None:  # noqa: ANN001
    def no_keychain() -> None:
        raise NoKeyringError

    monkeypatch.setattr("casedesktop.sync.credentials.secure_keyring", no_keychain)
    profile = open_profile(profile_dir)
    seed_cases(profile.db, 5)
    with profile.db.transaction() as session:
        meta.save_identity(session, ME)
    profile.close()  # no token kept, and nothing answers at the address: a restart offline

    session = Session.early(window_settings(profile_dir), first_page.read(profile_dir), sync_interval=60)
    qtbot.addWidget(session.window)
    seen: list[SignInDialog] = []

    def edit_then_work_offline() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SignInDialog):
            QTimer.singleShot(20, edit_then_work_offline)
            return
        seen.append(dialog)
        dialog.server.setFocus()
        dialog.server.selectAll()
        qtbot.keyClicks(dialog.server, "http://127.0.0.1:8")
        qtbot.keyClicks(dialog.password, "demo")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # tried there: nothing answers either
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
        dialog.server.setFocus()
        dialog.server.selectAll()
        qtbot.keyClicks(dialog.server, ME.server_url)
        qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, edit_then_work_offline)
    session.start()
    qtbot.waitUntil(lambda: session.ready, timeout=10_000)
    assert seen and seen[0].work_offline
    assert session.window.isVisible() and session.window.sync_indicator is not None
    # No keychain kept the sign-in: the indicator says so for as long as that holds.
    assert "No keychain" in session.window.sync_indicator.label.toolTip()
    session.stop()
    session.profile.close()
