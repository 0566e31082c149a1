"""Test-wide set-up: every test gets its own profile and keyring; nothing touches the user's own.

Fixtures for tests of several folders live here: the CLI and a server process (e2e, gui, sync),
and PostgreSQL (server, sync).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit import postgres
from tests.support import Cli, ServerProcess

# keyring's own configuration: a file keyring under a throw-away data folder, inherited by the
# CLI subprocesses the end-to-end tests start.
_KEYRING_HOME = tempfile.mkdtemp(prefix="casedesktop-test-keyring-")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = _KEYRING_HOME
os.environ.pop("CASEDESKTOP_HOME", None)


GUI_TESTS = Path(__file__).resolve().parent / "gui"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `gui` every test in tests/gui and every other one that needs a QApplication, so
    `-m "not gui"` runs the rest (here, not in tests/gui, so it holds for any selection)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if GUI_TESTS in item.path.parents or "qtbot" in fixtures or "qapp" in fixtures:
            item.add_marker(pytest.mark.gui)


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    path = tmp_path / "profile"
    path.mkdir()
    return path


@pytest.fixture
def server_process(tmp_path: Path):
    """A seeded `casedesktop-server` process on loopback; `.stop()` and `.start()` keep its port.
    (tests/server's `server` is an in-process server with a database handle.)"""
    process = ServerProcess(tmp_path / "server")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def customer_cli(tmp_path: Path) -> Cli:
    """The CLI with the customer's own profile (sign in with `.login(url, CUSTOMER)`)."""
    return Cli(tmp_path / "customer")


@pytest.fixture
def agent_cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "agent")


# --- PostgreSQL ----------------------------------------------------------------------------
# Tests use $CASEDESKTOP_TEST_POSTGRES_URL (a server whose databases they may create) when set;
# otherwise a throw-away cluster (testkit.postgres). Where PostgreSQL is not installed they skip
# with the reason, except under CI (CI=true), where a missing PostgreSQL fails the run: CI
# installs it (./dev), so a skip there would hide a broken set-up.


def _postgres_unavailable(reason: str) -> None:
    """Skip PostgreSQL tests with the reason, but fail under CI, which must run them."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A URL of a PostgreSQL server; yields the maintenance database's URL."""
    given = os.environ.get("CASEDESKTOP_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres.cluster())
        except postgres.Unavailable as exc:
            _postgres_unavailable(str(exc))
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database for one test."""
    return postgres.create_database(postgres_server)
