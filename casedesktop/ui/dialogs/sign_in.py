"""Sign-in: server address, email, password, each with its label and, when something is wrong,
the reason right under it. The request runs off the GUI thread.

The address is made a URL the way `sync.sign_in.server_address` does (https:// added when no
scheme is typed, http:// for this machine) and shown so before the request; the server signed in
to last is remembered (QSettings, app-wide: a new profile has no settings of its own yet) and
offered next time. The API announces no password reset, so the dialog says whom to ask.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.sync.api_client import AuthRequired, SyncError
from casedesktop.sync.credentials import TokenStore
from casedesktop.sync.sign_in import AddressTypo, server_address, sign_in
from casedesktop.ui import theme
from casedesktop.ui.field_message import FieldMessage, with_message
from casedesktop.ui.tasks import background

LAST_SERVER_KEY = "sign_in/last_server"
MIN_WIDTH = 460  # a whole https:// address fits in the field, and a reason under it in two lines
TITLE_FRAME = 120  # a title bar's buttons and margins around the title


def app_settings() -> QSettings:
    """The user's settings for the whole app (not one profile): ~/.config/CaseDesktop/CaseDesktop.conf
    on Linux, the registry on Windows, a plist on macOS."""
    return QSettings()


def normalised_server(text: str) -> str:
    """The server's address as a URL (`server_address`'s rules), or ValueError with the reason in
    words short enough for the line under the field."""
    # Said under the field, so without repeating what is in it.
    refusal = _("This is not a server address; one looks like support.example.com.")
    if text.strip() and "@" in text and "://" not in text:
        raise ValueError(_("This is an email address; a server's address looks like support.example.com."))
    try:
        return server_address(text)
    except AddressTypo:
        raise
    except ValueError as error:
        raise ValueError(refusal if text.strip() else str(error)) from None


class SignInDialog(QDialog):
    def __init__(self, db: CacheDB, tokens: TokenStore, server_url: str = "", email: str = "", parent: QWidget | None = None,
                 offline_allowed: bool = False, settings: QSettings | None = None):
        """`offline_allowed`: the profile has cases already, so the user may work on them offline
        and sign in later (from the status bar); what they do meanwhile waits in the outbox.
        `settings`: where the last server is remembered (the app's settings unless given)."""
        super().__init__(parent)
        self.work_offline = False
        self.setWindowTitle(_("Sign in to CaseDesktop"))
        self._db = db
        self._tokens = tokens
        self._settings = settings if settings is not None else app_settings()
        self.identity: Identity | None = None
        self.busy = False

        layout = QVBoxLayout(self)
        intro = QLabel(_("Sign in with the account your vendor's support gave you."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        remembered = str(self._settings.value(LAST_SERVER_KEY, "") or "")
        self.server = QLineEdit(server_url or remembered)
        # Translators: an example of a server's address.
        self.server.setPlaceholderText(_("https://support.example.com"))
        self.server.setAccessibleName(_("Server address"))
        self.server.setMinimumWidth(self.fontMetrics().horizontalAdvance("https://support.example.com:8443") + 24)
        self.server.editingFinished.connect(self._check_server)
        self.email = QLineEdit(email)
        self.email.setAccessibleName(_("Email"))
        # Translators: an example of an email address.
        self.email.setPlaceholderText(_("name@example.com"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        self.errors: dict[QLineEdit, FieldMessage] = {}
        for text, field, lines in ((_("&Server address:"), self.server, 2), (_("&Email:"), self.email, 1),
                                   (_("&Password:"), self.password, 1)):
            row, self.errors[field] = with_message(field, lines)  # the reason right under the field
            self.form.addRow(text, row)
            self.form.labelForField(row).setBuddy(field)
            field.textEdited.connect(lambda _text, f=field: self._clear_error(f))
        layout.addLayout(self.form)
        self.forgot = QLabel(_("Forgot your password? Ask your vendor's support or use the reset link on "
                               "their website."))
        self.forgot.setWordWrap(True)
        theme.set_text_role(self.forgot, "muted_text")
        layout.addWidget(self.forgot)
        self.message = QLabel()  # what is not about one field (the server did not answer as expected)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_text_role(self.message, "error_text")
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(_("Sign in"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.offline_button = None
        if offline_allowed:
            self.offline_button = self.buttons.addButton(_("Work &offline"), QDialogButtonBox.ButtonRole.ActionRole)
            self.offline_button.setToolTip(_("Use the cases on this computer now and sign in later: changes wait "
                                              "and are sent then"))
            self.offline_button.clicked.connect(self._offline)
        self._keep_sign_in_default()
        layout.addWidget(self.buttons)
        self._fit()
        next((f for f in (self.server, self.email, self.password) if not f.text()), self.password).setFocus()

    def for_same_account(self) -> None:
        """Signing in again: the same person on the same server (this cache is theirs), so only the
        password is asked; the address and email are shown as text, with where to change them."""
        for field in (self.server, self.email):
            field.setReadOnly(True)
            field.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no caret in a field that takes no typing
            field.setFrame(False)
            theme.set_text_role(field, "muted_text")
        self.server.setToolTip(_("To use another server or account, choose Switch account in the account menu."))
        self.same_account_note = QLabel(_("To use another server or account, choose Switch account in the "
                                          "account menu."))
        self.same_account_note.setWordWrap(True)
        theme.set_text_role(self.same_account_note, "muted_text")
        self.layout().insertWidget(self.layout().indexOf(self.forgot), self.same_account_note)
        self.password.setFocus()

    def _keep_sign_in_default(self) -> None:
        """Enter in any field signs in, also after a refusal: disabling the button while it ran
        would otherwise hand the default to the button that took the focus (Cancel)."""
        for button in self.buttons.buttons():
            button.setAutoDefault(button is self.sign_in_button)
            button.setDefault(button is self.sign_in_button)

    def _fit(self) -> None:
        """Wide enough for a whole address and the title bar's title, tall enough for every row."""
        title = self.fontMetrics().horizontalAdvance(self.windowTitle()) + TITLE_FRAME
        self.setMinimumWidth(max(MIN_WIDTH, title, self.layout().sizeHint().width()))
        self.resize(max(self.minimumWidth(), self.sizeHint().width()), self.sizeHint().height())

    # --- checking what was typed -------------------------------------------------------------

    def _show_error(self, field: QLineEdit, text: str, focus: bool = True) -> None:
        """`text` under `field` (nothing typed is cleared); the field takes the keyboard to fix it."""
        message = self.errors[field]
        message.show_error(text)
        message.announce()
        if focus:
            field.setFocus()

    def _clear_error(self, field: QLineEdit) -> None:
        self.errors[field].clear()

    def _check_server(self) -> str | None:
        """The address as a URL shown in the field (https:// added), or None after saying why not."""
        if self.busy or self.server.isReadOnly() or not self.server.text().strip():
            return self.server.text().strip() or None
        try:
            url = normalised_server(self.server.text())
        except ValueError as error:
            self._show_error(self.server, str(error), focus=False)  # focus goes where the user moved it
            return None
        if url != self.server.text():
            self.server.setText(url)
        self._clear_error(self.server)
        return url

    def _offline(self) -> None:
        self.work_offline = True
        self.accept()

    def submit(self) -> None:
        if self.busy:
            return
        missing = ((self.server, _("Enter the server's address, for example https://support.example.com.")),
                   (self.email, _("Enter the email address you sign in with.")),
                   (self.password, _("Enter your password.")))
        for field, _reason in missing:
            self._clear_error(field)
        self.message.hide()
        for field, reason in missing:
            if not field.text().strip():
                self._show_error(field, reason)
                return
        try:
            server = normalised_server(self.server.text())
        except ValueError as error:
            self._show_error(self.server, str(error))
            return
        if server != self.server.text():
            self.server.setText(server)
        self._set_busy(True)
        email, password = self.email.text().strip(), self.password.text()
        background().run(sign_in, self._db, self._tokens, server, email, password,
                         done=self._finished, failed=self._refused, owner=self)

    def _set_busy(self, busy: bool) -> None:
        """While the request runs: the button says so, and nothing can be changed under it."""
        self.busy = busy
        self.sign_in_button.setText(_("Signing in…") if busy else _("Sign in"))
        self.sign_in_button.setEnabled(not busy)
        if self.offline_button is not None:
            self.offline_button.setEnabled(not busy)
        for field in (self.server, self.email, self.password):
            field.setEnabled(not busy)
        self._keep_sign_in_default()
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _refused(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, AuthRequired):
            self._show_error(self.password, _("Wrong email or password."))
        elif isinstance(error, ValueError | SyncError):  # no answer, or not a CaseDesktop server's
            self._show_error(self.server, str(error))
        else:
            self.message.setText(_("Signing in failed; try again."))
            self.message.show()
            raise error

    def _finished(self, identity: Identity) -> None:
        self.busy = False
        self.identity = identity
        self._settings.setValue(LAST_SERVER_KEY, identity.server_url)
        self._settings.sync()
        self.accept()

