"""Settings: each choice is saved as it is made and read back at start; the theme applies at once;
the language waits for a restart and says so; "Copy diagnostics" gives versions, never a token."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from casedesktop import __version__
from casedesktop.domain import Role
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.ui import preferences, theme
from casedesktop.ui.dialogs.settings import SettingsDialog
from casedesktop.ui.session import ProfileSession, window_settings

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
TOKEN = "Zk3pQ9rT2vX8yB4nM7cL1dF6gH0jK5sW3eR9tY2uI8o"  # the shape of the server's tokens


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return window_settings(tmp_path)


@pytest.fixture
def session(tmp_path: Path) -> ProfileSession:
    db = open_cache(tmp_path)
    yield ProfileSession.offline(db, ME, tmp_path)
    db.close()


@pytest.fixture
def dialog(qtbot, session: ProfileSession, monkeypatch) -> SettingsDialog:  # noqa: ANN001
    monkeypatch.delenv(theme.SCHEME_ENV, raising=False)
    monkeypatch.setattr(preferences, "started_language", None)
    made = SettingsDialog(session, company="Northwind Traders")
    qtbot.addWidget(made)
    made.show()
    yield made
    theme.apply_scheme(QApplication.instance(), "system")


def base_colour() -> str:
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).name()


def test_theme_switch_changes_the_palette_at_once_and_is_kept(qtbot, dialog: SettingsDialog,  # noqa: ANN001
                                                              settings: QSettings, screenshot) -> None:
    light = base_colour()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    assert theme.is_dark(QGuiApplication.palette())
    assert base_colour() != light
    assert window_settings(Path(settings.fileName()).parent).value(preferences.THEME_KEY) == "dark"
    qtbot.wait(50)
    screenshot(dialog, "settings-general-dark")
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    assert not theme.is_dark(QGuiApplication.palette())
    assert preferences.color_scheme(settings) == "light"
    screenshot(dialog, "settings-general-light")


def test_the_environment_scheme_wins_and_the_dialog_says_so(qtbot, settings: QSettings, tmp_path: Path,  # noqa: ANN001
                                                            monkeypatch) -> None:
    monkeypatch.setenv(theme.SCHEME_ENV, "light")
    dialog = SettingsDialog(None, settings=settings, profile_dir=tmp_path)  # before the profile is open
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.theme_note.isVisible() and theme.SCHEME_ENV in dialog.theme_note.text()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    assert not theme.is_dark(QGuiApplication.palette())  # stored for later, not applied over the variable
    assert preferences.color_scheme(settings) == "dark"


def test_language_is_stored_and_waits_for_a_restart(qtbot, dialog: SettingsDialog, settings: QSettings,  # noqa: ANN001
                                                    screenshot) -> None:
    assert not dialog.restart_box.isVisible()
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    assert preferences.language(window_settings(Path(settings.fileName()).parent)) == "de"
    assert dialog.restart_box.isVisible()
    assert "next time CaseDesktop starts" in dialog.restart_note.text()
    screenshot(dialog, "settings-language-restart")
    with qtbot.waitSignal(dialog.restartRequested):
        dialog.restart_button.click()
    dialog.language.setCurrentIndex(dialog.language.findData(preferences.SYSTEM))
    assert not dialog.restart_box.isVisible()  # back to what this run shows


def test_the_language_choice_is_installed_at_start(settings: QSettings, monkeypatch) -> None:  # noqa: ANN001
    from casedesktop import i18n
    from casedesktop.ui import main

    installed: list[str | None] = []
    monkeypatch.setattr(i18n, "install", lambda language=None, localedir=None: installed.append(language))
    monkeypatch.setattr(preferences, "started_language", None)
    settings.setValue(preferences.LANGUAGE_KEY, "fr")
    main.install_language(settings)
    assert installed == ["fr"] and preferences.started_language == "fr"
    settings.setValue(preferences.LANGUAGE_KEY, preferences.SYSTEM)
    main.install_language(settings)
    assert installed == ["fr"]  # the environment's, installed by cli.main, stays


def test_notifications_and_recording_defaults_are_saved(qtbot, dialog: SettingsDialog, settings: QSettings,  # noqa: ANN001
                                                        screenshot) -> None:
    assert preferences.notifications_enabled(settings) is True
    with qtbot.waitSignal(dialog.notificationsChanged) as changed:
        dialog.notifications.setChecked(False)
    assert changed.args == [False]
    assert settings.value(preferences.NOTIFICATIONS_KEY) in (False, "false")
    assert preferences.notifications_enabled(window_settings(Path(settings.fileName()).parent)) is False

    dialog.tabs.setCurrentIndex(1)
    dialog.fps.setValue(10)
    dialog.max_minutes.setValue(5)
    dialog.countdown.setValue(5)
    dialog.show_cursor.setChecked(False)
    screenshot(dialog, "settings-recording")
    defaults = preferences.recording_defaults(window_settings(Path(settings.fileName()).parent))
    assert defaults == preferences.RecordingDefaults(fps=10, max_minutes=5, show_cursor=False, countdown_seconds=5)
    recording = defaults.apply_to()
    assert (recording.fps, recording.max_seconds, recording.draw_cursor) == (10, 300.0, False)


def test_recording_defaults_survive_a_hand_edited_file(settings: QSettings) -> None:
    settings.setValue(preferences.RECORDING_FPS_KEY, "900")
    settings.setValue(preferences.RECORDING_COUNTDOWN_KEY, "soon")
    defaults = preferences.recording_defaults(settings)
    assert defaults.fps == preferences.FPS_RANGE[1] and defaults.countdown_seconds == 3


def test_profile_and_account_page(qtbot, dialog: SettingsDialog, tmp_path: Path, screenshot) -> None:  # noqa: ANN001
    dialog.tabs.setCurrentIndex(2)
    assert dialog.folder.text() == str(tmp_path)
    assert "Dana Whitfield <dana@northwind.example>" in dialog.account.text()
    assert "Northwind Traders" in dialog.account.text() and ME.server_url in dialog.account.text()
    screenshot(dialog, "settings-profile")
    with qtbot.waitSignal(dialog.signOutRequested):
        dialog.sign_out_button.click()
    assert not dialog.isVisible()


def test_diagnostics_carry_versions_and_no_token(dialog: SettingsDialog, tmp_path: Path) -> None:
    log = tmp_path / "casedesktop.log"
    lines = [f"2026-12-05 07:00:{n:02d} INFO casedesktop.sync pass {n}" for n in range(80)]
    lines.append(f"2026-12-05 07:01:00 DEBUG casedesktop.sync Authorization: Bearer {TOKEN}")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dialog.copy_diagnostics()
    text = QGuiApplication.clipboard().text()
    for expected in (f"CaseDesktop {__version__}", f"PySide6 {pyside_version}", "Python ", "Platform: ",
                     f"Profile: {tmp_path}", str(log), "pass 79"):
        assert expected in text, expected
    assert "pass 29" not in text  # the last 50 lines only
    assert TOKEN not in text and "[removed]" in text


def test_every_mnemonic_in_the_dialog_is_unique(dialog: SettingsDialog) -> None:
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    texts = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    texts += [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)]
    letters = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&\s])", t.replace("&&", "")))]
    assert len(letters) == len(set(letters)), sorted(letters)


def test_before_the_profile_is_open_the_account_buttons_wait(qtbot, settings: QSettings, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = SettingsDialog(None, settings=settings, profile_dir=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.account.text() == "Not signed in."
    assert not dialog.sign_out_button.isEnabled() and not dialog.switch_button.isEnabled()
