"""The token goes to a real keychain or stays in memory: never, unasked, to a plain file."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from casedesktop.sync.credentials import TokenStore


@pytest.fixture
def plaintext_fallback(tmp_path: Path, monkeypatch):  # noqa: ANN201
    """What keyring picks on a machine without a keychain but with keyrings.alt installed."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    backend = PlaintextKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_a_plain_file_keyring_is_not_a_keychain(plaintext_fallback: PlaintextKeyring, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    store = TokenStore("profile:/somewhere")
    store.set("secret-token")
    assert store.get() == "secret-token"  # kept in memory for this run
    assert "No keychain" in store.warning
    assert not Path(plaintext_fallback.file_path).exists()  # nothing written to the shared file
    assert TokenStore("profile:/somewhere").get() is None  # a new start signs in again


def test_a_file_keyring_the_user_chose_is_used(plaintext_fallback: PlaintextKeyring, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    TokenStore("profile:/chosen").set("kept-token")
    assert Path(plaintext_fallback.file_path).exists()
    assert TokenStore("profile:/chosen").get() == "kept-token"
