"""Signed out, the window still works on the cache, and the status bar's button signs in again;
with no token at start (no keychain kept it), "Work offline" opens the cases anyway."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from casedesktop.app import open_profile
from casedesktop.sync.sign_in import sign_in, sign_out
from casedesktop.ui.dialogs.sign_in import SignInDialog
from casedesktop.ui.main import _signed_in
from tests.support import CUSTOMER, ServerProcess


@pytest.fixture(autouse=True)
def app_settings(tmp_path, monkeypatch) -> QSettings:  # noqa: ANN001
    """The app-wide settings (the last server) in a file of the test's own, not the user's."""
    settings = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("casedesktop.ui.dialogs.sign_in.app_settings", lambda: settings)
    return settings


def test_a_signed_out_window_signs_in_again_from_the_status_bar(qtbot, start_session, app_settings) -> None:  # noqa: ANN001
    session = start_session()
    window = session.window
    sign_out(session.profile.db, session.profile.tokens)  # the token is gone (revoked, or kept nowhere)
    window.sync_action.trigger()
    indicator = window.sync_indicator
    qtbot.waitUntil(lambda: indicator.status.needs_sign_in and not indicator.status.syncing, timeout=15_000)
    assert indicator.button.text() == "Sign in…" and "Signed out" in indicator.label.text()

    qtbot.mouseClick(indicator.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(SignInDialog) is not None and window.findChild(SignInDialog).isVisible())
    dialog = window.findChild(SignInDialog)
    assert dialog.email.text() == CUSTOMER[0] and dialog.email.isReadOnly() and dialog.server.isReadOnly()
    qtbot.keyClicks(dialog.password, CUSTOMER[1])
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert app_settings.value("sign_in/last_server") == session.profile.identity.server_url
    qtbot.waitUntil(lambda: not indicator.status.needs_sign_in and indicator.status.online, timeout=15_000)
    assert indicator.button.text() == "Sync now"
    session.stop()
    session.profile.close()


def test_work_offline_opens_a_profile_without_a_token(qtbot, profile_dir, server_process: ServerProcess,
                                                      monkeypatch) -> None:  # noqa: ANN001
    profile = open_profile(profile_dir)
    sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
    sign_out(profile.db, profile.tokens)
    chosen: dict[str, object] = {}

    def press_work_offline(dialog: SignInDialog) -> int:
        chosen["offered"] = dialog.offline_button is not None
        dialog.offline_button.click()
        chosen["offline"] = dialog.work_offline
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", press_work_offline)
    assert _signed_in(profile)
    assert chosen == {"offered": True, "offline": True}
    profile.close()


def test_a_first_sign_in_offers_no_offline_work(qtbot, profile_dir) -> None:
    profile = open_profile(profile_dir)
    dialog = SignInDialog(profile.db, profile.tokens, offline_allowed=profile.identity is not None)
    qtbot.addWidget(dialog)
    assert dialog.offline_button is None  # nothing in the cache to work on yet
    profile.close()
