"""Fixtures for sync tests: a real server on loopback (in this process, or as a process for the
kill tests), users on it, and client caches signed in as them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.server.testing import ServerHandle, running_server

CUSTOMER_EMAIL = "ann@acme.example"
OTHER_CUSTOMER_EMAIL = "bob@beta.example"
AGENT_EMAIL = "sam@vendor.example"


def _populated(handle: ServerHandle) -> ServerHandle:
    handle.add_user(CUSTOMER_EMAIL, Role.CUSTOMER, "Acme", name="Ann Customer")
    handle.add_user(OTHER_CUSTOMER_EMAIL, Role.CUSTOMER, "Beta", name="Bob Other")
    handle.add_user(AGENT_EMAIL, Role.AGENT, name="Sam Agent")
    return handle


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ServerHandle]:
    """A fresh server with two customer accounts (Acme: Ann, Beta: Bob) and one agent (Sam)."""
    with running_server(tmp_path / "server", f"sqlite:///{tmp_path / 'server.db'}") as handle:
        yield _populated(handle)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerHandle]:
    """`world` on each database the server supports (the push protocol's locking differs)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with running_server(tmp_path / "server", url) as handle:
        yield _populated(handle)
