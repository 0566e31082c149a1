"""Sign-in: server, email, password. The request runs off the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.sync.api_client import AuthRequired, SyncError
from casedesktop.sync.credentials import TokenStore
from casedesktop.sync.sign_in import sign_in


class _Relay(QObject):
    done = Signal(object, str)  # Identity | None, error message


class SignInDialog(QDialog):
    def __init__(self, db: CacheDB, tokens: TokenStore, server_url: str = "", email: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sign in to CaseDesktop")
        # Wide enough for its title and a full server address; a bare form would shrink to ~210 px.
        self.setMinimumWidth(max(440, self.fontMetrics().horizontalAdvance("https://support.example.com") * 2))
        self._db = db
        self._tokens = tokens
        self.identity: Identity | None = None
        self._relay = _Relay()
        self._relay.done.connect(self._finished)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://support.example.com")
        self.server.setAccessibleName("Server address")
        self.email = QLineEdit(email)
        self.email.setAccessibleName("Email")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("&Server:", self.server)
        form.addRow("&Email:", self.email)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for field in (self.server, self.email, self.password):
            field.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.sign_in_button.setEnabled(all(f.text().strip() for f in (self.server, self.email, self.password)))

    def submit(self) -> None:
        self.sign_in_button.setEnabled(False)
        self.message.setText("Signing in…")
        server, email, password = self.server.text().strip(), self.email.text().strip(), self.password.text()
        threading.Thread(target=self._work, args=(server, email, password), daemon=True).start()

    def _work(self, server: str, email: str, password: str) -> None:
        try:
            identity = sign_in(self._db, self._tokens, server, email, password)
        except AuthRequired:
            self._relay.done.emit(None, "Wrong email or password.")
        except (SyncError, ValueError) as exc:
            self._relay.done.emit(None, str(exc))
        else:
            self._relay.done.emit(identity, "")

    def _finished(self, identity: Identity | None, error: str) -> None:
        if identity is None:
            self.message.setText(error)
            self._update()
            return
        self.identity = identity
        self.accept()
