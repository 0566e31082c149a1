"""Fixtures for server tests: a real uvicorn server on loopback per test, and signed-in clients.

The machinery lives in casedesktop.server.testing so client e2e tests can reuse it.

`server` (and everything built on it: world, customer, agent, ...) runs each test twice, on
SQLite and on PostgreSQL. PostgreSQL tests use $CASEDESKTOP_TEST_POSTGRES_URL (a server whose
databases the tests may create) when set; otherwise a throw-away cluster from Debian's
initdb/pg_ctl on a free loopback port (as the postgres user when run as root). Where PostgreSQL
is not installed they skip with the reason, except under CI (CI=true), where a missing
PostgreSQL fails the run: CI installs it (./dev), so a skip there would hide a broken set-up.
PostgreSQL API tests share one migrated database, emptied before each test.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, make_url, select

from casedesktop.domain import Role
from casedesktop.server.migrate import upgrade_database
from casedesktop.server.testing import ApiClient, ServerHandle, running_server

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


@pytest.fixture
def world(server: ServerHandle) -> ServerHandle:
    """Two customer accounts (Acme: Ann, Beta: Bob) and one agent (Sam)."""
    server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
    server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
    server.add_user("sam@vendor.example", Role.AGENT)
    return server


@pytest.fixture
def customer(world: ServerHandle) -> ApiClient:
    return world.signed_in("ann@acme.example")


@pytest.fixture
def other_customer(world: ServerHandle) -> ApiClient:
    return world.signed_in("bob@beta.example")


@pytest.fixture
def agent(world: ServerHandle) -> ApiClient:
    return world.signed_in("sam@vendor.example")


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A throw-away cluster needs no durability, and little WAL (less to write, and to delete).
_THROWAWAY_SETTINGS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal "
    "-c max_wal_senders=0 -c min_wal_size=32MB -c max_wal_size=64MB"
)


def _unavailable(reason: str) -> None:
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
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        _unavailable(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in "
            "/usr/lib/postgresql/*/bin); install Debian's postgresql package (./dev setup does)"
        )
    as_user: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            _unavailable("running as root without runuser to drop to the postgres user")
        import pwd  # POSIX only, like running as root

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no postgres user to run the cluster as")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="casedesktop-pg-"))
    if as_user:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=60)

    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 {_THROWAWAY_SETTINGS}",
            "start",
        )
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
        output = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start a test cluster: {exc} {output.decode(errors='replace')}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server_url: str) -> str:
    name = f"casedesktop_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database for one test."""
    return _create_database(postgres_server)


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
    url = _create_database(postgres_server)
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
