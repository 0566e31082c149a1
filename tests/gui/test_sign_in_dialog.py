"""The sign-in dialog: sized for its form, the server's address made a URL (or refused with the
reason under the field), Enter signs in with the button saying so meanwhile, a wrong password told
under the password, and the last server remembered for the next sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QFocusEvent, QFontMetrics
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWidget

from casedesktop.app import open_profile
from casedesktop.ui.dialogs.sign_in import (
    LAST_SERVER_KEY,
    MIN_WIDTH,
    SignInDialog,
    normalised_server,
)
from tests.support import CUSTOMER, ServerProcess


@pytest.mark.parametrize(("typed", "url"), [
    ("support.example.com", "https://support.example.com"),
    ("  support.example.com/  ", "https://support.example.com"),
    ("support.example.com:8443/desk", "https://support.example.com:8443/desk"),
    ("https://support.example.com", "https://support.example.com"),
    ("http://support.example.com", "http://support.example.com"),  # typed so: kept
    ("localhost:8000", "http://localhost:8000"),
    ("127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("[::1]:8000", "http://[::1]:8000"),
])
def test_an_address_becomes_a_url(typed: str, url: str) -> None:
    assert normalised_server(typed) == url


@pytest.mark.parametrize(("typed", "reason"), [
    ("hello world", "This is not a server address"),
    ("ftp://support.example.com", "This is not a server address"),
    ("support..example.com", "This is not a server address"),
    ("support_desk.example.com", "This is not a server address"),
    ("https://support.example.com:99999", "This is not a server address"),
    ("https://support.example.com/?next=1", "This is not a server address"),
    ("https//support.example.com", 'Type the address with "://"'),
    ("dana@northwind.example", "This is an email address"),
    ("", "Enter the server's address"),
])
def test_garbage_is_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalised_server(typed)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def profile(profile_dir: Path):  # noqa: ANN201
    profile = open_profile(profile_dir)
    yield profile
    profile.close()


def leave(field: QWidget) -> None:
    """What Tab or a click elsewhere sends the field (focus itself does not move under a bare Xvfb)."""
    QApplication.sendEvent(field, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))


def make(qtbot, profile, settings: QSettings, **kwargs) -> SignInDialog:  # noqa: ANN001
    dialog = SignInDialog(profile.db, profile.tokens, settings=settings, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_dialog_is_sized_for_its_form_and_title(qtbot, profile, settings: QSettings, screenshot) -> None:  # noqa: ANN001
    dialog = make(qtbot, profile, settings)
    assert dialog.width() >= max(MIN_WIDTH, dialog.sizeHint().width())
    assert dialog.height() >= dialog.sizeHint().height()
    title = QFontMetrics(dialog.font()).horizontalAdvance(dialog.windowTitle())
    assert dialog.width() >= title + 100  # the title bar shows the whole title beside its buttons
    placeholder = dialog.server.fontMetrics().horizontalAdvance(dialog.server.placeholderText())
    assert dialog.server.width() > placeholder + 8  # the example address is not cut
    labels = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    assert labels[dialog.server] == "&Server address:" and labels[dialog.password] == "&Password:"
    assert "Forgot your password?" in dialog.forgot.text() and dialog.forgot.isVisible()
    assert dialog.focusWidget() is dialog.server  # the first empty field takes the keyboard
    screenshot(dialog, "sign-in-empty")


def test_the_address_is_completed_or_refused_next_to_the_field(qtbot, profile, settings: QSettings,
                                                               screenshot) -> None:  # noqa: ANN001
    dialog = make(qtbot, profile, settings)
    error = dialog.errors[dialog.server]
    qtbot.keyClicks(dialog.server, "support.example.com")
    leave(dialog.server)  # leaving the field completes it
    assert dialog.server.text() == "https://support.example.com"
    assert error.text() == ""

    dialog.server.setFocus()
    dialog.server.setText("support..example com")
    leave(dialog.server)
    assert error.invalid and "This is not a server address" in error.text()
    assert dialog.server.text() == "support..example com"  # nothing typed is lost
    assert dialog.server.accessibleDescription() == error.text()
    field = QRect(dialog.server.mapTo(dialog, QPoint(0, 0)), dialog.server.size())
    below = QRect(error.mapTo(dialog, QPoint(0, 0)), error.size())
    assert below.top() >= field.bottom() and below.left() == field.left()  # right under the field
    assert dialog.height() >= dialog.sizeHint().height()
    screenshot(dialog, "sign-in-bad-address")
    qtbot.keyClicks(dialog.server, "x")  # typing again clears the reason
    assert error.text() == "" and not error.invalid


def test_empty_fields_are_named_where_they_are(qtbot, profile, settings: QSettings) -> None:  # noqa: ANN001
    dialog = make(qtbot, profile, settings, server_url="https://support.example.com")
    assert dialog.focusWidget() is dialog.email
    qtbot.keyClick(dialog.email, Qt.Key.Key_Return)  # Enter submits: here, it says what is missing
    assert dialog.errors[dialog.email].text() == "Enter the email address you sign in with."
    assert dialog.errors[dialog.email].invalid and dialog.isVisible() and not dialog.busy
    qtbot.keyClicks(dialog.email, CUSTOMER[0])
    qtbot.keyClick(dialog.email, Qt.Key.Key_Return)
    assert dialog.errors[dialog.password].text() == "Enter your password." and dialog.focusWidget() is dialog.password


def test_enter_signs_in_shows_progress_and_remembers_the_server(qtbot, profile, settings: QSettings,
                                                                server_process: ServerProcess, profile_dir,
                                                                tmp_path: Path) -> None:  # noqa: ANN001
    dialog = make(qtbot, profile, settings)
    address = server_process.url.removeprefix("http://")  # as a user types it: no scheme
    qtbot.keyClicks(dialog.server, address)
    qtbot.keyClicks(dialog.email, CUSTOMER[0])
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.server.text() == server_process.url  # http:// for this machine
    assert dialog.sign_in_button.text() == "Signing in…" and not dialog.sign_in_button.isEnabled()
    assert not dialog.password.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
    assert dialog.errors[dialog.password].text() == "Wrong email or password."
    assert dialog.password.text() == "not the password" and dialog.focusWidget() is dialog.password
    assert dialog.sign_in_button.text() == "Sign in" and dialog.sign_in_button.isEnabled()
    assert settings.value(LAST_SERVER_KEY) is None  # only a server that signed us in is remembered

    dialog.password.selectAll()
    qtbot.keyClicks(dialog.password, CUSTOMER[1])
    assert not dialog.errors[dialog.password].text()
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Enter)
    assert dialog.identity is not None and dialog.identity.email == CUSTOMER[0]
    assert settings.value(LAST_SERVER_KEY) == server_process.url

    other = open_profile(tmp_path / "second profile")
    try:
        again = make(qtbot, other, settings)
        assert again.server.text() == server_process.url  # offered for the next profile
        assert again.focusWidget() is again.email
    finally:
        other.close()


def test_an_unreachable_server_is_named_at_the_address(qtbot, profile, settings: QSettings) -> None:  # noqa: ANN001
    from testkit.net import free_port

    dialog = make(qtbot, profile, settings, server_url=f"http://127.0.0.1:{free_port()}",
                  email=CUSTOMER[0])
    qtbot.keyClicks(dialog.password, CUSTOMER[1])
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
    assert dialog.errors[dialog.server].invalid and dialog.errors[dialog.server].text()
    assert dialog.isVisible() and dialog.password.text() == CUSTOMER[1]


def test_after_a_wrong_password_enter_still_signs_in(qtbot, profile, settings: QSettings,
                                                     server_process: ServerProcess) -> None:  # noqa: ANN001
    """While the request runs the fields and Sign in are disabled and the focus may land on Cancel;
    after the refusal Sign in is the default again, so retyping the password and Enter signs in."""
    dialog = make(qtbot, profile, settings, server_url=server_process.url, email=CUSTOMER[0])
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.busy
    QApplication.sendEvent(cancel, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.TabFocusReason))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
    assert dialog.errors[dialog.password].text() == "Wrong email or password."
    assert dialog.sign_in_button.isDefault() and not cancel.isDefault()

    dialog.password.selectAll()
    qtbot.keyClicks(dialog.password, CUSTOMER[1])
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.identity is not None and dialog.result() == SignInDialog.DialogCode.Accepted
