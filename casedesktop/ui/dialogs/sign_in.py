"""Sign-in: server, email, password. The request runs off the GUI thread."""

from __future__ import annotations

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
from casedesktop.sync.sign_in import sign_in
from casedesktop.ui.tasks import background


class SignInDialog(QDialog):
    def __init__(self, db: CacheDB, tokens: TokenStore, server_url: str = "", email: str = "", parent: QWidget | None = None,
                 offline_allowed: bool = False):
        """`offline_allowed`: the profile has cases already, so the user may work on them offline
        and sign in later (from the status bar); what they do meanwhile waits in the outbox."""
        super().__init__(parent)
        self.work_offline = False
        self.setWindowTitle(_("Sign in to CaseDesktop"))
        # Wide enough for its title and a full server address; a bare form would shrink to ~210 px.
        self.setMinimumWidth(max(440, self.fontMetrics().horizontalAdvance("https://support.example.com") * 2))
        self._db = db
        self._tokens = tokens
        self.identity: Identity | None = None

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.server = QLineEdit(server_url)
        # Translators: an example of a server's address.
        self.server.setPlaceholderText(_("https://support.example.com"))
        self.server.setAccessibleName(_("Server address"))
        self.email = QLineEdit(email)
        self.email.setAccessibleName(_("Email"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        form.addRow(_("&Server:"), self.server)
        form.addRow(_("&Email:"), self.email)
        form.addRow(_("&Password:"), self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
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
        layout.addWidget(self.buttons)
        for field in (self.server, self.email, self.password):
            field.textChanged.connect(self._update)
        self._update()

    def _offline(self) -> None:
        self.work_offline = True
        self.accept()

    def _update(self) -> None:
        self.sign_in_button.setEnabled(all(f.text().strip() for f in (self.server, self.email, self.password)))

    def submit(self) -> None:
        self.sign_in_button.setEnabled(False)
        self.message.setText(_("Signing in…"))
        server, email, password = self.server.text().strip(), self.email.text().strip(), self.password.text()
        background().run(sign_in, self._db, self._tokens, server, email, password,
                       done=self._finished, failed=self._refused, owner=self)

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, AuthRequired):
            self._show_error(_("Wrong email or password."))
        elif isinstance(error, SyncError | ValueError):
            self._show_error(str(error))
        else:
            self._show_error(_("Signing in failed; try again."))
            raise error

    def _show_error(self, message: str) -> None:
        self.message.setText(message)
        self._update()

    def _finished(self, identity: Identity) -> None:
        self.identity = identity
        self.accept()
