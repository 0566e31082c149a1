"""Fixtures for server tests: a real uvicorn server on loopback per test, and signed-in clients.

The machinery lives in casedesktop.server.testing so client e2e tests can reuse it.

`server` (and everything built on it: world, customer, agent, ...) runs each test twice, on
SQLite and on PostgreSQL (tests/conftest.py's `postgres_server` says which PostgreSQL, and
when its tests skip). PostgreSQL API tests share one migrated database, emptied before each test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, select

from casedesktop.domain import Role
from casedesktop.server.migrate import upgrade_database
from casedesktop.server.testing import ApiCaller, ServerHandle, running_server
from testkit.postgres import create_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test starts from a copy (no migration per test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "server.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def api_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        copy = tmp_path / "server.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        return f"sqlite:///{copy}"
    return request.getfixturevalue("postgres_migrated_url")


@pytest.fixture
def server(api_database_url: str, tmp_path: Path) -> Iterator[ServerHandle]:
    """A fresh server with its own database, running on a free loopback port."""
    with running_server(tmp_path, api_database_url) as handle:
        yield handle


@pytest.fixture(scope="module", params=BACKENDS)
def desk_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    """One server for a whole module, on each backend, with Acme's Ann, Beta's Bob, the agent
    Sam and the admin Ada: for modules whose tests each make their own cases, so that a server
    is not started per test. A test must leave the shared settings (targets, categories) as
    it found them, or set what it needs itself."""
    data_dir = tmp_path_factory.mktemp("desk")
    if request.param == "sqlite":
        copy = data_dir / "server.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        url = f"sqlite:///{copy}"
    else:
        shared: _SharedDatabase = request.getfixturevalue("postgres_shared")
        shared.reset()
        url = shared.url
    with running_server(data_dir, url) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme", name="Ann Acmeson")
        server.add_user("bob@beta.example", Role.CUSTOMER, "Beta", name="Bob Betason")
        server.add_user("sam@vendor.example", Role.AGENT, name="Sam Agent")
        server.add_user("ada@vendor.example", Role.ADMIN, name="Ada Admin")
        yield server


@pytest.fixture
def world(server: ServerHandle) -> ServerHandle:
    """Two customer accounts (Acme: Ann, Beta: Bob) and one agent (Sam)."""
    server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
    server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
    server.add_user("sam@vendor.example", Role.AGENT)
    return server


@pytest.fixture
def customer(world: ServerHandle) -> ApiCaller:
    return world.signed_in("ann@acme.example")


@pytest.fixture
def other_customer(world: ServerHandle) -> ApiCaller:
    return world.signed_in("bob@beta.example")


@pytest.fixture
def agent(world: ServerHandle) -> ApiCaller:
    return world.signed_in("sam@vendor.example")


@dataclass
class _SharedDatabase:
    """One migrated database that API tests take turns on: emptied before each test back to
    what the migrations left (seed rows included), which is far cheaper than a database per
    test (each a copy of the ~8 MB catalog, written to disk and later deleted)."""

    url: str
    tables: list[str]
    seed: dict[str, list[dict[str, Any]]]

    def reset(self) -> None:
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                names = ", ".join(f'"{name}"' for name in self.tables)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                for table, rows in self.seed.items():
                    if rows:
                        connection.execute(
                            Table(table, MetaData(), autoload_with=connection).insert(), rows
                        )
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def postgres_shared(postgres_server: str) -> _SharedDatabase:
    url = create_database(postgres_server)
    upgrade_database(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
            seed = {
                table: [
                    dict(row._mapping)
                    for row in connection.execute(
                        select(Table(table, MetaData(), autoload_with=connection))
                    )
                ]
                for table in tables
            }
    finally:
        engine.dispose()
    return _SharedDatabase(url, tables, {k: v for k, v in seed.items() if v})


@pytest.fixture
def postgres_migrated_url(postgres_shared: _SharedDatabase) -> str:
    """A database with the newest schema and only the migrations' seed rows, for one test."""
    postgres_shared.reset()
    return postgres_shared.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend the server supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    return request.getfixturevalue("postgres_url")


# --- Figures that tests measure (rights matrix size, fuzzing counts), shown after the run ---

_FIGURES: list[str] = []


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Call with one line; it is printed in the run's summary (and captured output)."""

    def report(line: str) -> None:
        name = request.node.name
        _FIGURES.append(f"{name}: {line}")
        print(line)

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("server test figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
