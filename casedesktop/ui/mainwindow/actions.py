"""Every command of the main window in one place: its words, shortcut, tooltip, and where it is
offered (menu, toolbar). The window connects them to what they do."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from casedesktop.i18n import N_, _
from casedesktop.ui import icons

# English, shown through `_` (the language is chosen after import).
RECORD_TEXT = N_("&Record screen")
STOP_TEXT = N_("&Stop recording")
RECORD_TIP = N_("Record the screen and attach the video to a reply on the selected case (Ctrl+Shift+R)")
STOP_TIP = N_("Stop the recording and review it (Ctrl+Shift+R)")
BACK_TIP = N_("Back to the case opened before, then to the list as you left it (Alt+Left)")


@dataclass(frozen=True)
class WindowActions:
    new_case: QAction
    sync: QAction
    record: QAction
    search: QAction
    reply: QAction
    send: QAction
    back: QAction
    changes: QAction
    quit: QAction
    about: QAction
    toolbar: QToolBar
    help_menu: QMenu

    def needing_a_profile(self) -> list[QAction]:
        """What stays disabled until the cache is open (a cold start shows the list before)."""
        return [self.new_case, self.sync, self.record, self.search, self.reply, self.send, self.back,
                self.changes]

    def show_recording(self, running: bool) -> None:
        """The Record command is Stop while a recording runs (the bar is not the only way)."""
        self.record.setText(_(STOP_TEXT) if running else _(RECORD_TEXT))
        self.record.setToolTip(_(STOP_TIP) if running else _(RECORD_TIP))
        self.record.setIcon(icons.icon("media-playback-stop" if running else "media-record"))


def create_actions(window: QMainWindow) -> WindowActions:
    """The window's commands, in its menus and toolbar; connect each `triggered` to its slot."""

    def action(text: str, shortcut: QKeySequence | QKeySequence.StandardKey, tip: str = "") -> QAction:
        made = QAction(text, window)
        made.setShortcut(shortcut)
        if tip:
            made.setToolTip(tip)
        window.addAction(made)  # the shortcut works wherever the focus is
        return made

    actions = WindowActions(
        new_case=action(_("&New case"), QKeySequence.StandardKey.New),
        sync=action(_("&Sync now"), QKeySequence(Qt.Key.Key_F5)),
        record=action(_(RECORD_TEXT), QKeySequence("Ctrl+Shift+R"), _(RECORD_TIP)),
        search=action(_("Search"), QKeySequence.StandardKey.Find),
        reply=action(_("&Reply"), QKeySequence("Ctrl+R")),
        send=action(_("Send reply"), QKeySequence("Ctrl+Return")),
        back=action(_("&Back"), QKeySequence("Alt+Left"), _(BACK_TIP)),
        changes=action(_("&Changes…"), QKeySequence("Ctrl+Shift+C"),
                       _("Changes the server refused and notices about your changes")),
        quit=action(_("&Quit"), QKeySequence.StandardKey.Quit),
        about=QAction(_("&About CaseDesktop"), window),
        toolbar=QToolBar(_("Main")),
        help_menu=window.menuBar().addMenu(_("&Help")),
    )
    actions.toolbar.setObjectName("main-toolbar")
    actions.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # icons with their words
    for command, name in ((actions.new_case, "document-new"), (actions.sync, "view-refresh"),
                          (actions.record, "media-record"), (actions.back, "go-previous"),
                          (actions.search, "edit-find"), (actions.send, "mail-send")):
        command.setIcon(icons.icon(name))
    window.addToolBar(actions.toolbar)
    for command in (actions.new_case, actions.sync, actions.record, actions.back):
        actions.toolbar.addAction(command)

    menu_bar = window.menuBar()
    file_menu = QMenu(_("&File"), window)
    for command in (actions.new_case, actions.record, actions.sync):
        file_menu.addAction(command)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    view_menu = QMenu(_("&View"), window)
    for command in (actions.search, actions.reply, actions.back, actions.changes):
        view_menu.addAction(command)
    menu_bar.insertMenu(actions.help_menu.menuAction(), file_menu)
    menu_bar.insertMenu(actions.help_menu.menuAction(), view_menu)
    actions.help_menu.addAction(actions.about)
    return actions
