"""A throw-away PostgreSQL cluster from Debian's initdb/pg_ctl, for the tests and the server benchmark.

    with cluster() as server_url:        # the maintenance database of a fresh cluster
        url = create_database(server_url)  # a new, empty database on it

The cluster listens on a free loopback port and keeps its socket and data in a temporary folder
(not under a test's or the benchmark's scratch folder: as root the cluster runs as the postgres
user, who could not enter those). It is stopped and deleted when the block ends.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from testkit.net import free_port

# Nothing is kept, so nothing needs to be durable, and little WAL means less to write and delete.
# The tests take these; the server benchmark keeps PostgreSQL's durable defaults, which is what
# a vendor's server runs with and so what its figures must include.
THROWAWAY_SETTINGS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal "
    "-c max_wal_senders=0 -c min_wal_size=32MB -c max_wal_size=64MB"
)
# The server benchmark opens 50 client connections on top of the server's pool.
MAX_CONNECTIONS = 200
TIMEOUT = 120  # seconds for initdb, a start or a stop: generous on a busy 2-core machine


class Unavailable(Exception):
    """PostgreSQL cannot run here; the message says why."""


def pg_bin(name: str) -> str | None:
    """A PostgreSQL program on PATH, else the newest in Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_user() -> list[str]:
    """The prefix that drops root to the postgres user (initdb refuses to run as root)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return []
    if not shutil.which("runuser"):
        raise Unavailable("running as root without runuser to drop to the postgres user")
    import pwd  # POSIX only, like running as root

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable(
            "running as root and there is no postgres user to run the cluster as"
        ) from None
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def cluster(*, durable: bool = False) -> Iterator[str]:
    """Start a cluster and yield its maintenance database's URL; raise Unavailable (before
    yielding) when PostgreSQL is not installed or does not start. `durable=False` adds
    THROWAWAY_SETTINGS.

    It stops with `-m immediate`: no shutdown checkpoint, whose writes would only go to files
    deleted the next moment."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise Unavailable(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in "
            "/usr/lib/postgresql/*/bin); install Debian's postgresql package (./dev setup does)"
        )
    as_user = _as_user()
    root = Path(tempfile.mkdtemp(prefix="casedesktop-pg-"))
    if as_user:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections={MAX_CONNECTIONS}"
    )
    if not durable:
        options += f" {THROWAWAY_SETTINGS}"

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=TIMEOUT)

    def stop_and_delete() -> None:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=TIMEOUT, check=False)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)

    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", str(TIMEOUT // 2),
            "-o", options, "start")  # fmt: skip
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as exc:
        stop_and_delete()  # a start that timed out may have left a server running
        output = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
        raise Unavailable(f"could not start a PostgreSQL cluster: {exc} {output[-1000:]}") from exc
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop_and_delete()


def create_database(server_url: str, prefix: str = "casedesktop") -> str:
    """Create a database with a fresh name on the server; return its URL."""
    from sqlalchemy import create_engine, make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
