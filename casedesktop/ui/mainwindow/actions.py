"""Every command of the main window in one place: its words, shortcut, tooltip, and where it is
offered (menu, toolbar, account menu). The window connects them to what they do.

Every command has a shortcut and a menu entry (a toolbar button is not reachable from the
keyboard), and within one menu no two entries share a mnemonic letter. The menu bar's own letters
(F, V, H) avoid those of the case pane's tabs and buttons, which share the window's Alt keys.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from casedesktop.i18n import N_, _
from casedesktop.ui import icons

# English, shown through `_` (the language is chosen after import).
RECORD_TEXT = N_("Record &screen")
STOP_TEXT = N_("&Stop recording")
RECORD_TIP = N_("Record the screen, for the open case or a new one (Ctrl+Shift+R)")
STOP_TIP = N_("Stop the recording and review it (Ctrl+Shift+R)")
BACK_TIP = N_("Back to the case opened before, then to the list as you left it (Alt+Left)")


@dataclass(frozen=True)
class WindowActions:
    new_case: QAction
    sync: QAction
    record: QAction
    screenshot: QAction
    search: QAction
    reply: QAction
    send: QAction
    back: QAction
    changes: QAction
    settings: QAction
    sign_out: QAction
    switch_account: QAction
    quit: QAction
    shortcuts: QAction
    about: QAction
    toolbar: QToolBar
    file_menu: QMenu
    view_menu: QMenu
    help_menu: QMenu
    account_menu: QMenu
    account_button: QToolButton

    def needing_a_profile(self) -> list[QAction]:
        """What stays disabled until the cache is open (a cold start shows the list before)."""
        return [self.new_case, self.sync, self.record, self.screenshot, self.search, self.reply, self.send, self.back,
                self.changes, self.sign_out, self.switch_account]

    def commands(self) -> list[QAction]:
        """Every command, in the order defined here (the shortcuts list is made from it)."""
        return [getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), QAction)]

    def menus(self) -> list[QMenu]:
        return [self.file_menu, self.view_menu, self.help_menu, self.account_menu]

    def show_recording(self, running: bool) -> None:
        """The Record command is Stop while a recording runs (the bar is not the only way)."""
        self.record.setText(_(STOP_TEXT) if running else _(RECORD_TEXT))
        self.record.setToolTip(_(STOP_TIP) if running else _(RECORD_TIP))
        self.record.setIcon(icons.icon("media-playback-stop" if running else "media-record"))

    def show_identity(self, name: str, email: str, server: str, company: str = "") -> None:
        """The account menu's heading: who is signed in, for which company, on which server."""
        self.account_button.setText(name or email)
        self.account_button.setToolTip(_("Signed in as {name} <{email}> on {server}").format(
            name=name, email=email, server=server))
        self.account_button.setAccessibleName(_("Account: {name}").format(name=name or email))
        for action in self.account_menu.actions():
            if action.property("identity"):
                self.account_menu.removeAction(action)
        lines = [_("{name} <{email}>").format(name=name, email=email) if name else email]
        if company:
            lines.append(company)
        lines.append(server)
        first = self.account_menu.actions()[0] if self.account_menu.actions() else None
        # Information, not a command: a label in normal text (a disabled action would read greyed out).
        label = QLabel("\n".join(lines))
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setContentsMargins(12, 6, 12, 6)
        heading = QWidgetAction(self.account_menu)
        heading.setDefaultWidget(label)
        heading.setProperty("identity", True)
        self.account_menu.insertAction(first, heading)
        separator = QAction(self.account_menu)
        separator.setSeparator(True)
        separator.setProperty("identity", True)
        self.account_menu.insertAction(first, separator)


def create_actions(window: QMainWindow) -> WindowActions:
    """The window's commands, in its menus and toolbar; connect each `triggered` to its slot."""

    def action(text: str, shortcut: QKeySequence | QKeySequence.StandardKey, tip: str = "",
               icon: str = "", fallback: str = "") -> QAction:
        made = QAction(text, window)
        if isinstance(shortcut, QKeySequence.StandardKey):
            # The platform's keys for it; some platforms have none (Preferences on Windows, GNOME).
            made.setShortcuts(QKeySequence.keyBindings(shortcut) or [QKeySequence(fallback)])
        else:
            made.setShortcut(shortcut)
        if tip:
            made.setToolTip(tip)
        if icon:
            made.setIcon(icons.icon(icon))
        window.addAction(made)  # the shortcut works wherever the focus is
        return made

    account_menu = QMenu(_("Account"), window)
    account_button = QToolButton()
    actions = WindowActions(
        new_case=action(_("&New case…"), QKeySequence.StandardKey.New, icon="document-new"),
        sync=action(_("S&ync now"), QKeySequence(Qt.Key.Key_F5), icon="view-refresh"),
        record=action(_(RECORD_TEXT), QKeySequence("Ctrl+Shift+R"), _(RECORD_TIP), icon="media-record"),
        screenshot=action(_("Screens&hot…"), QKeySequence("Ctrl+Shift+S"),
                          _("Take a screenshot, mark it up and attach it, to the open case or a new one (Ctrl+Shift+S)"),
                          icon="camera-photo"),
        search=action(_("&Search"), QKeySequence.StandardKey.Find, icon="edit-find"),
        reply=action(_("&Reply"), QKeySequence("Ctrl+R")),
        send=action(_("Sen&d reply"), QKeySequence("Ctrl+Return"), icon="mail-send"),
        back=action(_("&Back"), QKeySequence("Alt+Left"), _(BACK_TIP), icon="go-previous"),
        changes=action(_("&Changes…"), QKeySequence("Ctrl+Shift+C"),
                       _("Changes support could not accept and messages about your changes")),
        settings=action(_("Se&ttings…"), QKeySequence.StandardKey.Preferences, icon="preferences-system",
                        fallback="Ctrl+,"),
        sign_out=action(_("Sign &out"), QKeySequence("Ctrl+Shift+L"), icon="system-log-out"),
        switch_account=action(_("S&witch account…"), QKeySequence("Ctrl+Shift+U"), icon="system-users"),
        quit=action(_("&Quit"), QKeySequence.StandardKey.Quit, fallback="Ctrl+Q"),
        shortcuts=action(_("&Keyboard shortcuts"), QKeySequence("Ctrl+/")),
        about=action(_("&About CaseDesktop"), QKeySequence.StandardKey.HelpContents, fallback="F1"),
        toolbar=QToolBar(_("Main")),
        file_menu=QMenu(_("&File"), window),
        view_menu=QMenu(_("&View"), window),
        help_menu=QMenu(_("&Help"), window),
        account_menu=account_menu,
        account_button=account_button,
    )
    # macOS moves these into the application menu under its own words.
    actions.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    actions.about.setMenuRole(QAction.MenuRole.AboutRole)

    actions.toolbar.setObjectName("main-toolbar")
    actions.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)  # icons with their words
    window.addToolBar(actions.toolbar)
    for command in (actions.new_case, actions.sync, actions.record, actions.screenshot, actions.back):
        actions.toolbar.addAction(command)
    spacer = QWidget()  # the account's button at the toolbar's right end
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    actions.toolbar.addWidget(spacer)
    account_button.setObjectName("account-button")
    account_button.setIcon(icons.icon("avatar-default"))
    account_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    account_button.setAccessibleName(_("Account"))
    # The menu opens below the button on a click, not through setMenu: Fusion would squeeze its
    # arrow over the name, and a style sheet hiding it would stop the button following the theme.
    account_button.clicked.connect(
        lambda: account_menu.popup(account_button.mapToGlobal(account_button.rect().bottomLeft())))
    actions.toolbar.addWidget(account_button)
    for command in (actions.settings, actions.sign_out, actions.switch_account):
        account_menu.addAction(command)

    for command in (actions.new_case, actions.reply, actions.send, actions.record, actions.screenshot, actions.sync):
        actions.file_menu.addAction(command)
    actions.file_menu.addSeparator()
    actions.file_menu.addAction(actions.settings)
    actions.file_menu.addSeparator()
    for command in (actions.sign_out, actions.switch_account, actions.quit):
        actions.file_menu.addAction(command)
    for command in (actions.search, actions.back, actions.changes):
        actions.view_menu.addAction(command)
    actions.help_menu.addAction(actions.shortcuts)
    actions.help_menu.addAction(actions.about)
    menu_bar = window.menuBar()
    for menu in (actions.file_menu, actions.view_menu, actions.help_menu):
        menu_bar.addMenu(menu)
    return actions
