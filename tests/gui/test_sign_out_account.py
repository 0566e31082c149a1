"""Sign out and Switch account ask first, and Cancel leaves the user signed in; signed out, the
toolbar says so; signing in again shows the server as text, with where to change it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from casedesktop.ui.dialogs.sign_in import SignInDialog
from casedesktop.ui.mainwindow.window import MainWindow
from tests.support import CUSTOMER


@pytest.fixture(autouse=True)
def app_settings(tmp_path, monkeypatch) -> QSettings:  # noqa: ANN001
    settings = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr("casedesktop.ui.dialogs.sign_in.app_settings", lambda: settings)
    return settings


def answer(window: MainWindow, role: QMessageBox.ButtonRole) -> str:
    """Click the button of `role` in the question the window shows; the question's text."""
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    next(b for b in box.buttons() if box.buttonRole(b) == role).click()
    return box.text()


def test_cancelled_switch_account_keeps_the_sign_in(qtbot, start_session) -> None:  # noqa: ANN001
    session = start_session()
    window: MainWindow = session.window
    window.commands.switch_account.trigger()
    asked = answer(window, QMessageBox.ButtonRole.RejectRole)
    assert asked == f"Sign out of {CUSTOMER[0]} to sign in with another account?"
    qtbot.wait(200)
    assert session.profile.tokens.get() is not None  # still signed in
    assert window.findChild(SignInDialog) is None
    session.stop()
    session.profile.close()


def test_signed_out_the_toolbar_says_so_and_sign_in_again_shows_the_server_as_text(
        qtbot, start_session) -> None:  # noqa: ANN001
    session = start_session()
    window: MainWindow = session.window
    name = window.commands.account_button.text()
    window.sign_out()  # nothing waits to be sent: no question
    qtbot.waitUntil(lambda: window.findChild(SignInDialog) is not None and window.findChild(SignInDialog).isVisible(),
                    timeout=10_000)
    assert session.profile.tokens.get() is None
    assert window.commands.account_button.text() == "Signed out" != name
    dialog = window.findChild(SignInDialog)
    assert dialog.server.isReadOnly() and dialog.server.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert dialog.same_account_note.isVisible() and "Switch account" in dialog.same_account_note.text()
    qtbot.keyClicks(dialog.password, CUSTOMER[1])
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert window.commands.account_button.text() == name
    session.stop()
    session.profile.close()
