"""Where the sign-in token lives: the OS keychain through keyring, never a plain file or a log."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, NoKeyringError

from casedesktop.i18n import _

log = logging.getLogger(__name__)
SERVICE = "CaseDesktop"


def secure_keyring() -> KeyringBackend:
    """The keychain keyring picked, unless it is a fallback that writes secrets to a plain file
    (keyrings.alt's file backends: priority below 1, shared by every profile): then NoKeyringError,
    and the token stays in memory. A backend the user chose (PYTHON_KEYRING_BACKEND or keyring's
    own keyringrc.cfg) is theirs to choose."""
    backend = keyring.get_keyring()
    if backend.priority >= 1 or os.environ.get("PYTHON_KEYRING_BACKEND") or _configured():
        return backend
    raise NoKeyringError(f"{type(backend).__name__} would keep the token in a plain file")


def _configured() -> bool:
    from keyring.util import platform_

    return (Path(platform_.config_root()) / "keyringrc.cfg").is_file()


class TokenStore:
    """Keeps one token per profile; falls back to memory (and says so) when no keychain exists."""

    def __init__(self, profile_key: str):
        self.profile_key = profile_key
        self._memory: str | None = None
        self.warning = ""

    def get(self) -> str | None:
        if self._memory is not None:
            return self._memory
        try:
            return secure_keyring().get_password(SERVICE, self.profile_key)
        except (NoKeyringError, KeyringError, RuntimeError) as exc:
            self._no_keychain(exc)
            return None

    def set(self, token: str) -> None:
        try:
            secure_keyring().set_password(SERVICE, self.profile_key, token)
            self._memory = None
        except (NoKeyringError, KeyringError, RuntimeError) as exc:
            self._no_keychain(exc)
            self._memory = token

    def keep_in_memory(self, token: str) -> None:
        """For throw-away profiles (the demo): never touch the user's keychain."""
        self._memory = token

    def clear(self) -> None:
        self._memory = None
        with contextlib.suppress(NoKeyringError, KeyringError, RuntimeError):
            secure_keyring().delete_password(SERVICE, self.profile_key)

    def _no_keychain(self, exc: Exception) -> None:
        self.warning = _(
            "No keychain is available to keep your sign-in, so it lasts only while this program runs."
        )
        log.warning("keyring unavailable: %s", type(exc).__name__)
