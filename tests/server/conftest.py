"""Fixtures for server tests: a real uvicorn server on loopback per test, and signed-in clients.

The machinery lives in casedesktop.server.testing so client e2e tests can reuse it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.server.testing import ApiClient, ServerHandle, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    """A fresh server with its own SQLite file, running on a free loopback port."""
    with running_server(tmp_path, f"sqlite:///{tmp_path / 'server.db'}") as handle:
        yield handle


@pytest.fixture
def world(server: ServerHandle) -> ServerHandle:
    """Two customer accounts (Acme: Ann, Beta: Bob) and one agent (Sam)."""
    server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
    server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
    server.add_user("sam@vendor.example", Role.AGENT)
    return server


@pytest.fixture
def customer(world: ServerHandle) -> ApiClient:
    return world.login("ann@acme.example")


@pytest.fixture
def other_customer(world: ServerHandle) -> ApiClient:
    return world.login("bob@beta.example")


@pytest.fixture
def agent(world: ServerHandle) -> ApiClient:
    return world.login("sam@vendor.example")
