"""The main window's frame: where it opens (per screen, clamped into the screen), its minimum size
with every action still reachable, its menus (a shortcut for each command, no mnemonic twice in a
menu), the account menu, and quitting with changes not sent yet."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWidgetAction

from casedesktop.store import local_changes, outbox, reference
from casedesktop.ui.mainwindow import placement
from casedesktop.ui.mainwindow.window import MINIMUM_SIZE, WINDOW_TITLE, MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases


@pytest.fixture(autouse=True)
def twelve_cases(db) -> None:  # noqa: ANN001
    seed_cases(db, 12)


def available() -> QRect:
    return QGuiApplication.primaryScreen().availableGeometry()


# --- placement ----------------------------------------------------------------------------------

def test_the_size_and_place_come_back_on_the_same_screen(offline_window) -> None:  # noqa: ANN001
    first = offline_window(show=False)
    assert first.windowTitle() == WINDOW_TITLE == "CaseDesktop"
    room = available()
    wanted = QRect(room.left() + 40, room.top() + 60, 1000, 600)
    first.setGeometry(wanted)
    first.save_settings()
    key = placement.screen_key(QGuiApplication.primaryScreen())
    assert first.settings.value(placement.LAST_SCREEN_KEY) == key
    assert placement.SavedPlacement.read(first.settings, key).geometry == wanted

    again = offline_window(show=False, settings=first.settings)
    assert again.geometry() == wanted
    assert not again.windowState() & Qt.WindowState.WindowMaximized


def test_a_place_saved_for_another_screen_does_not_move_this_one(offline_window) -> None:  # noqa: ANN001
    settings = offline_window(show=False).settings
    room = available()
    here = QRect(room.left() + 10, room.top() + 50, 980, 560)
    placement.SavedPlacement(QRect(3000, 100, 1600, 900), True).write(settings, "HDMI-1-2560x1440+1920+0")
    placement.SavedPlacement(here, False).write(settings, placement.screen_key(QGuiApplication.primaryScreen()))
    window = offline_window(show=False, settings=settings)
    assert window.geometry() == here


def test_a_place_off_the_screen_is_clamped_into_it(offline_window) -> None:  # noqa: ANN001
    settings = offline_window(show=False).settings
    key = placement.screen_key(QGuiApplication.primaryScreen())
    placement.SavedPlacement(QRect(5000, -300, 4000, 3000), False).write(settings, key)
    window = offline_window(show=False, settings=settings)
    inside = available().marginsRemoved(placement.ASSUMED_FRAME)
    assert inside.contains(window.geometry()), (window.geometry(), inside)


def test_a_screen_that_is_gone_sends_the_window_to_the_primary_one(offline_window) -> None:  # noqa: ANN001
    settings = offline_window(show=False).settings
    settings.remove(placement.SCREEN_GROUP)
    placement.SavedPlacement(QRect(2200, 200, 1200, 700), True).write(settings, "DP-3-2560x1440+1920+0")
    window = offline_window(show=False, settings=settings)
    assert available().marginsRemoved(placement.ASSUMED_FRAME).contains(window.geometry())
    assert window.windowState() & Qt.WindowState.WindowMaximized  # as it was left there


def test_fit_into_moves_as_little_as_needed() -> None:
    room = QRect(0, 0, 1366, 768)
    frame = placement.ASSUMED_FRAME
    inside = QRect(100, 100, 800, 500)
    assert placement.fit_into(inside, room, frame) == inside
    low = placement.fit_into(QRect(100, 600, 800, 500), room, frame)
    assert low.size() == inside.size() and low.bottom() == room.bottom() - frame.bottom() and low.left() == 100
    big = placement.fit_into(QRect(0, 0, 1920, 1080), room, frame)
    assert room.contains(big.marginsAdded(frame))


# --- minimum size -------------------------------------------------------------------------------

def inside_window(window: QWidget, widget: QWidget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(QRect(top_left, widget.size()))


def test_at_the_minimum_size_send_and_the_case_actions_are_reachable(qtbot, offline_window, screenshot) -> None:  # noqa: ANN001
    window = offline_window(size=None)
    window.resize(MINIMUM_SIZE)
    qtbot.waitUntil(lambda: window.size() == MINIMUM_SIZE)
    settle()
    qtbot.waitUntil(lambda: window.detail.case_id is not None)
    window.detail.tabs.setCurrentIndex(1)  # the conversation, with the reply box
    qtbot.wait(50)
    assert inside_window(window, window.detail.send_button)
    buttons = [b for b in window.detail.action_buttons.values() if b.isVisibleTo(window)]
    assert buttons
    assert all(inside_window(window, b) for b in buttons)
    assert inside_window(window, window.statusBar())
    screenshot(window, "window-minimum-size")
    for i in range(window.tabs.count()):  # longer words, as in German: every status tab stays in view
        window.tabs.setTabText(i, window.tabs.tabText(i) + " Wartet Geschlossen")
    qtbot.wait(50)
    assert all(window.tabs.rect().contains(window.tabs.tabRect(i)) for i in range(window.tabs.count()))


# --- menus and shortcuts ------------------------------------------------------------------------

def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def test_every_command_in_the_menus_has_a_shortcut_and_a_unique_mnemonic(offline_window) -> None:  # noqa: ANN001
    window = offline_window(show=False)
    seen_somewhere = set()
    for menu in window.commands.menus():
        letters = []
        for action in menu.actions():
            if action.isSeparator() or isinstance(action, QWidgetAction) or not action.isVisible():
                continue  # the account's heading is information; a hidden entry is not offered
            assert not action.shortcut().isEmpty(), action.text()
            letter = mnemonic(action.text())
            assert letter is not None, action.text()
            letters.append(letter)
            seen_somewhere.add(action)
        assert len(letters) == len(set(letters)), (menu.title(), letters)
    bar_letters = [mnemonic(a.text()) for a in window.menuBar().actions()]
    assert len(bar_letters) == len(set(bar_letters))
    # The tabs and buttons of the case pane share the window's Alt keys with the menu bar.
    pane = [mnemonic(window.detail.tabs.tabText(i)) for i in range(window.detail.tabs.count())]
    assert not set(bar_letters) & set(pane)
    for command in (window.commands.record, window.commands.send, window.commands.settings,
                    window.commands.sign_out, window.commands.switch_account, window.commands.quit):
        assert command in seen_somewhere
    assert window.commands.settings.shortcut().matches(
        window.commands.settings.shortcut()) and window.commands.settings.menuRole() == \
        window.commands.settings.MenuRole.PreferencesRole


def test_no_two_things_shown_together_share_an_alt_key(qtbot, offline_window) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QAbstractButton

    window = offline_window(size=None)
    settle()
    qtbot.waitUntil(lambda: window.detail.case_id is not None)
    for tab in range(window.detail.tabs.count()):
        window.detail.tabs.setCurrentIndex(tab)
        qtbot.wait(20)
        texts = [a.text() for a in window.menuBar().actions()]
        texts += [window.detail.tabs.tabText(i) for i in range(window.detail.tabs.count())]
        texts += [b.text() for b in window.findChildren(QAbstractButton) if b.isVisible()]
        letters = [letter for text in texts if (letter := mnemonic(text))]
        assert len(letters) == len(set(letters)), (window.detail.tabs.tabText(tab), sorted(letters))


def test_toolbar_commands_carry_icons_and_names_without_glyphs(offline_window) -> None:  # noqa: ANN001
    window = offline_window(show=False)
    for action in window.commands.toolbar.actions():
        if action.text():
            assert not action.icon().isNull(), action.text()
            assert all(ch.isalnum() or ch in " &…'" for ch in action.text()), action.text()
    assert window.commands.account_button.accessibleName() == "Account: Dana Whitfield"


def test_stop_recording_is_offered_in_the_menu_while_recording(offline_window) -> None:  # noqa: ANN001
    window = offline_window(show=False)
    window.commands.show_recording(True)
    assert window.commands.record in window.commands.file_menu.actions()
    assert window.commands.record.text().replace("&", "") == "Stop recording"
    window.commands.show_recording(False)
    assert window.commands.record.text().replace("&", "") == "Record screen"


def test_the_account_menu_says_who_is_signed_in(qtbot, db, offline_window, customer) -> None:  # noqa: ANN001
    window = offline_window(show=False)
    def heading() -> list[str]:
        """The lines at the top of the menu: a label in normal text, not greyed-out actions."""
        widgets = [a.defaultWidget() for a in window.commands.account_menu.actions() if isinstance(a, QWidgetAction)]
        assert len(widgets) == 1 and widgets[0].isEnabled()
        return widgets[0].text().split("\n")

    assert heading()[0] == "Dana Whitfield <dana@northwind.example>"
    assert customer.server_url in heading()
    # The first sync brings the customer's company; the menu reads it again when it opens.
    reference.save(db, reference.Reference(accounts=[reference.Account("a1", "Northwind Traders")]))
    window.commands.account_menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: "Northwind Traders" in heading())
    assert window.company == "Northwind Traders"
    assert window.commands.settings in window.commands.account_menu.actions()
    assert window.commands.sign_out in window.commands.account_menu.actions()
    assert window.commands.switch_account in window.commands.account_menu.actions()


# --- quitting with unsent changes ---------------------------------------------------------------

def answer_next_box(button_role: QMessageBox.ButtonRole, seen: list[str]) -> None:
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if box.buttonRole(b) == button_role).click()

    QTimer.singleShot(20, click)


def test_quit_says_how_many_changes_wait_and_keeps_them(db, offline_window, customer) -> None:  # noqa: ANN001
    window = offline_window(size=None)
    for n in range(3):
        local_changes.create_case(db, customer, subject=f"Printer {n} jams", description="It jams on page two.")
    waiting = outbox.counts(db).waiting
    assert waiting == 3

    seen: list[str] = []
    answer_next_box(QMessageBox.ButtonRole.RejectRole, seen)
    assert window.request_quit() is False
    assert window.isVisible()
    assert seen == ["3 changes are not sent yet. They are kept and will be sent the next time CaseDesktop is online."]

    answer_next_box(QMessageBox.ButtonRole.AcceptRole, seen)
    assert window.request_quit() is True
    assert not window.isVisible()
    assert outbox.counts(db).waiting == 3  # kept for the next start


def test_quit_without_waiting_changes_asks_nothing(offline_window) -> None:  # noqa: ANN001
    window = offline_window(size=None)
    assert window.request_quit() is True
    assert not window.isVisible()


# --- signing out --------------------------------------------------------------------------------

def open_sign_in(window: MainWindow):  # noqa: ANN201 - the SignInDialog, once shown
    from casedesktop.ui.dialogs.sign_in import SignInDialog

    return next((d for d in window.findChildren(SignInDialog) if d.isVisible()), None)


def signed_out_by(qtbot, window: MainWindow, command: QAction):  # noqa: ANN001, ANN201 - the SignInDialog
    """Trigger `command` with a token kept: the token is gone and the sign-in dialog shows."""
    tokens = window.session.profile.tokens
    tokens.keep_in_memory("a-token-for-this-test")
    command.trigger()
    qtbot.waitUntil(lambda: open_sign_in(window) is not None, timeout=10_000)
    assert tokens.get() is None
    return open_sign_in(window)


def test_sign_out_forgets_the_token_and_asks_for_a_sign_in(qtbot, offline_window, customer) -> None:  # noqa: ANN001
    window = offline_window(size=None)
    dialog = signed_out_by(qtbot, window, window.commands.sign_out)
    assert dialog.email.text() == customer.email and dialog.email.isReadOnly()  # the same person again
    assert "Signed out" in window.statusBar().currentMessage()
    dialog.reject()


def test_switch_account_signs_out_and_asks_for_anyone(qtbot, offline_window, customer) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    window = offline_window(size=None)
    window.session.profile.tokens.keep_in_memory("a-token-for-this-test")
    window.commands.switch_account.trigger()  # asked first: Cancel would keep the sign-in
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()
    qtbot.waitUntil(lambda: open_sign_in(window) is not None, timeout=10_000)
    assert window.session.profile.tokens.get() is None
    dialog = open_sign_in(window)
    assert dialog.email.text() == "" and not dialog.email.isReadOnly()
    assert dialog.server.text() == customer.server_url
    dialog.reject()


def test_restart_closes_the_window_and_starts_the_app_again(offline_window, monkeypatch) -> None:  # noqa: ANN001
    import sys

    from casedesktop.ui import main

    monkeypatch.setattr(sys, "argv", ["casedesktop", "--profile", "/tmp/p"])
    assert main.relaunch_command() == [sys.executable, "-m", "casedesktop", "--profile", "/tmp/p"]
    window = offline_window(size=None)
    window.restart()
    assert not window.isVisible()
    assert main._restart is True  # run_gui starts the new process once this one has ended
    monkeypatch.setattr(main, "_restart", False)
