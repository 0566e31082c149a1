"""Where the sign-in token lives: the OS keychain through keyring, never a plain file or a log."""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.errors import KeyringError, NoKeyringError

log = logging.getLogger(__name__)
SERVICE = "CaseDesktop"


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
            return keyring.get_password(SERVICE, self.profile_key)
        except (NoKeyringError, KeyringError, RuntimeError) as exc:
            self._no_keychain(exc)
            return None

    def set(self, token: str) -> None:
        try:
            keyring.set_password(SERVICE, self.profile_key, token)
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
            keyring.delete_password(SERVICE, self.profile_key)

    def _no_keychain(self, exc: Exception) -> None:
        self.warning = (
            "No keychain is available to keep your sign-in, so it lasts only while this program "
            f"runs ({type(exc).__name__})."
        )
        log.warning("keyring unavailable: %s", type(exc).__name__)
