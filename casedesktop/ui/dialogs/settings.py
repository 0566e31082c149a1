"""Settings (Ctrl+,): language, theme, notifications, recording defaults, the profile folder and
the account, and "Copy diagnostics" for support.

Every choice is saved as it is made (there is no OK to forget): the theme applies at once, the
language at the next start (the dialog says so and offers to restart now). The account buttons
only ask; the window signs out, since that reaches the server and ends the sync session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _
from casedesktop.ui import icons, preferences, theme

if TYPE_CHECKING:
    from casedesktop.store.meta import Identity
    from casedesktop.ui.session import ProfileSession

LOG_NAME = "casedesktop.log"


class SettingsDialog(QDialog):
    """`SettingsDialog(session, parent)` for a signed-in profile; before one is open (a cold
    start's first moments) `SettingsDialog(None, parent, settings=..., profile_dir=...)`. The
    window connects the requests."""

    signOutRequested = Signal()
    switchAccountRequested = Signal()
    restartRequested = Signal()
    notificationsChanged = Signal(bool)

    def __init__(self, session: ProfileSession | None, parent: QWidget | None = None, *,
                 settings: QSettings | None = None, profile_dir: Path | None = None, company: str = ""):
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        if session is not None:
            settings, profile_dir = session.settings, session.profile.directory
        if settings is None or profile_dir is None:
            raise TypeError("SettingsDialog needs a session, or settings and profile_dir")
        self.settings = settings
        self.profile_dir = profile_dir
        self.identity: Identity | None = session.identity if session is not None else None
        # The language this process shows (a choice made earlier in this run waits for a restart).
        self.language_in_use = preferences.started_language or preferences.language(settings)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_page(), _("&General"))
        self.tabs.addTab(self._recording_page(), _("&Recording"))
        self.tabs.addTab(self._profile_page(company), _("&Profile and account"))
        layout.addWidget(self.tabs)

        bottom = QHBoxLayout()
        self.copy_button = QPushButton(icons.icon("edit-copy"), _("Cop&y diagnostics"))
        self.copy_button.setToolTip(_("Copy the versions, the platform, where the profile is and the end of the "
                                      "log, to paste into a case or an email (passwords and tokens left out)"))
        self.copy_button.clicked.connect(self.copy_diagnostics)
        bottom.addWidget(self.copy_button)  # apart from Close, on the left: it does not close anything
        bottom.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(max(self.sizeHint().width(), 600), self.sizeHint().height())

    # --- pages ---------------------------------------------------------------------------------

    def _general_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.language = QComboBox()
        self.language.setAccessibleName(_("Language"))
        self.language.addItem(_("System default"), preferences.SYSTEM)
        for code, name in preferences.LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(preferences.language(self.settings))))
        self.language.currentIndexChanged.connect(self._language_chosen)
        form.addRow(_("&Language:"), self.language)
        self.restart_note = QLabel(_("The new language is used the next time CaseDesktop starts."))
        self.restart_note.setWordWrap(True)
        self.restart_button = QPushButton(_("Restart &now"))
        self.restart_button.setToolTip(_("Close CaseDesktop and start it again; your drafts and waiting "
                                         "changes are kept"))
        self.restart_button.clicked.connect(self.restartRequested.emit)
        restart_row = QHBoxLayout()
        restart_row.setContentsMargins(0, 0, 0, 0)
        restart_row.addWidget(self.restart_note, 1)
        restart_row.addWidget(self.restart_button)
        self.restart_box = QWidget()
        self.restart_box.setLayout(restart_row)
        form.addRow("", self.restart_box)

        self.theme = QComboBox()
        self.theme.setAccessibleName(_("Theme"))
        for code, name in preferences.THEMES:
            self.theme.addItem(_(name), code)
        self.theme.setCurrentIndex(max(0, self.theme.findData(preferences.color_scheme(self.settings))))
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        form.addRow(_("&Theme:"), self.theme)
        forced = theme.environment_scheme()
        self.theme_note = QLabel(_("{variable} is set to {value}: it decides the theme until it is unset.").format(
            variable=theme.SCHEME_ENV, value=forced or ""))
        self.theme_note.setWordWrap(True)
        theme.set_text_role(self.theme_note, "muted_text")
        self.theme_note.setVisible(forced is not None)
        form.addRow("", self.theme_note)

        self.notifications = QCheckBox(_("Show &desktop notifications when support answers or a case changes"))
        self.notifications.setChecked(preferences.notifications_enabled(self.settings))
        self.notifications.toggled.connect(self._notifications_toggled)
        form.addRow(_("Notifications:"), self.notifications)
        self._show_restart_note()
        return page

    def _recording_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)  # numbers, not lines of text
        defaults = preferences.recording_defaults(self.settings)

        def spin(value: int, limits: tuple[int, int], name: str) -> QSpinBox:
            box = QSpinBox()
            box.setRange(*limits)
            box.setValue(value)
            box.setAccessibleName(name)
            box.valueChanged.connect(self._save_recording)
            return box

        self.fps = spin(defaults.fps, preferences.FPS_RANGE, _("Frames per second"))
        self.fps.setToolTip(_("More frames make movement smoother and the file larger"))
        form.addRow(_("&Frames per second:"), self.fps)
        self.max_minutes = spin(defaults.max_minutes, preferences.MAX_MINUTES_RANGE, _("Longest recording in minutes"))
        self.max_minutes.setToolTip(_("A recording stops by itself after this long, or when it reaches the "
                                      "attachment size limit"))
        form.addRow(_("Longest recording (&minutes):"), self.max_minutes)
        self.countdown = spin(defaults.countdown_seconds, preferences.COUNTDOWN_RANGE,
                              _("Countdown before recording in seconds"))
        form.addRow(_("Countdown before recording (&seconds):"), self.countdown)
        self.show_cursor = QCheckBox(_("Show the mo&use pointer in recordings"))
        self.show_cursor.setChecked(defaults.show_cursor)
        self.show_cursor.toggled.connect(self._save_recording)
        form.addRow("", self.show_cursor)
        note = QLabel(_("These apply to the next recording."))
        theme.set_text_role(note, "muted_text")
        form.addRow("", note)
        return page

    def _profile_page(self, company: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        folder_box = QGroupBox(_("Profile folder"))
        folder_layout = QVBoxLayout(folder_box)
        self.folder = QLabel(str(self.profile_dir))
        self.folder.setTextFormat(Qt.TextFormat.PlainText)
        self.folder.setWordWrap(True)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setAccessibleName(_("Profile folder"))
        folder_layout.addWidget(QLabel(_("Your cases, drafts, attachments and settings on this computer:")))
        folder_layout.addWidget(self.folder)
        self.open_folder_button = QPushButton(icons.icon("folder-open"), _("&Open folder"))
        self.open_folder_button.setToolTip(_("Show the profile folder in the file manager"))
        self.open_folder_button.clicked.connect(self.open_folder)
        folder_layout.addWidget(self.open_folder_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(folder_box)

        account_box = QGroupBox(_("Account"))
        account_layout = QVBoxLayout(account_box)
        self.account = QLabel()
        self.account.setTextFormat(Qt.TextFormat.PlainText)
        self.account.setWordWrap(True)
        self.account.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.account.setText(account_text(self.identity, company))
        account_layout.addWidget(self.account)
        row = QHBoxLayout()
        self.sign_out_button = QPushButton(icons.icon("system-log-out"), _("S&ign out"))
        self.sign_out_button.setToolTip(_("Forget the password on this computer; your cases and waiting changes "
                                          "stay here for the next sign-in"))
        self.sign_out_button.clicked.connect(self._sign_out)
        self.switch_button = QPushButton(icons.icon("system-users"), _("S&witch account…"))
        self.switch_button.setToolTip(_("Sign out, then sign in as someone else"))
        self.switch_button.clicked.connect(self._switch)
        for button in (self.sign_out_button, self.switch_button):
            button.setEnabled(self.identity is not None)
            row.addWidget(button)
        row.addStretch(1)
        account_layout.addLayout(row)
        layout.addWidget(account_box)
        layout.addStretch(1)
        return page

    # --- choices -------------------------------------------------------------------------------

    def _language_chosen(self) -> None:
        self.settings.setValue(preferences.LANGUAGE_KEY, self.language.currentData())
        self.settings.sync()
        self._show_restart_note()

    def _show_restart_note(self) -> None:
        self.restart_box.setVisible(self.language.currentData() != self.language_in_use)

    def _theme_chosen(self) -> None:
        scheme = self.theme.currentData()
        self.settings.setValue(preferences.THEME_KEY, scheme)
        self.settings.sync()
        app = QApplication.instance()
        if isinstance(app, QApplication) and theme.environment_scheme() is None:
            theme.apply_scheme(app, scheme)

    def _notifications_toggled(self, enabled: bool) -> None:
        self.settings.setValue(preferences.NOTIFICATIONS_KEY, enabled)
        self.settings.sync()
        self.notificationsChanged.emit(enabled)

    def _save_recording(self) -> None:
        preferences.save_recording_defaults(self.settings, preferences.RecordingDefaults(
            fps=self.fps.value(), max_minutes=self.max_minutes.value(), show_cursor=self.show_cursor.isChecked(),
            countdown_seconds=self.countdown.value()))
        self.settings.sync()

    def _sign_out(self) -> None:
        self.accept()
        self.signOutRequested.emit()

    def _switch(self) -> None:
        self.accept()
        self.switchAccountRequested.emit()

    # --- profile and diagnostics ---------------------------------------------------------------

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.profile_dir)))

    def diagnostics(self) -> str:
        from casedesktop.ui import errors

        own = self.profile_dir / LOG_NAME  # this profile's log (app.py), else whichever is set up
        log = own if own.is_file() else errors.log_file()
        return errors.diagnostics_text(self.profile_dir, self.identity.server_url if self.identity else "", log)

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(self.diagnostics())
        self.copy_button.setText(_("Copied"))
        QTimer.singleShot(2000, self, lambda: self.copy_button.setText(_("Cop&y diagnostics")))


def account_text(identity: Identity | None, company: str = "") -> str:
    """Who is signed in, for which company, on which server (lines of plain text)."""
    if identity is None:
        return _("Not signed in.")
    lines = [_("Signed in as {name} <{email}>").format(name=identity.name, email=identity.email)]
    if company:
        lines.append(_("Company: {company}").format(company=company))
    lines.append(_("Server: {url}").format(url=identity.server_url))
    return "\n".join(lines)
