"""Fixtures for server tests: a real uvicorn server on loopback per test, and signed-in clients.

The machinery lives in casedesktop.server.testing so client e2e tests can reuse it. PostgreSQL
tests use $CASEDESKTOP_TEST_POSTGRES_URL (a server whose databases the tests may create) when
set; otherwise a throw-away cluster from initdb/pg_ctl on a free port, or they skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A URL of a PostgreSQL server; yields the maintenance database's URL."""
    given = os.environ.get("CASEDESKTOP_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL is not installed (initdb/pg_ctl not found)")
    as_user: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to drop to the postgres user")
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
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL test cluster: {exc}")
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


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database for one test."""
    name = f"casedesktop_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return make_url(postgres_server).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend the server supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    return request.getfixturevalue("postgres_url")
