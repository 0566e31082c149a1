"""Test-wide set-up: every test gets its own profile and keyring; nothing touches the user's own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.support import Cli, ServerProcess

# keyring's own configuration: a file keyring under a throw-away data folder, inherited by the
# CLI subprocesses the end-to-end tests start.
_KEYRING_HOME = tempfile.mkdtemp(prefix="casedesktop-test-keyring-")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = _KEYRING_HOME
os.environ.pop("CASEDESKTOP_HOME", None)


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    path = tmp_path / "profile"
    path.mkdir()
    return path


@pytest.fixture
def server(tmp_path: Path):
    """A seeded `casedesktop-server` process on loopback; `.stop()` and `.start()` keep its port."""
    process = ServerProcess(tmp_path / "server")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def customer(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "customer")


@pytest.fixture
def agent(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "agent")
