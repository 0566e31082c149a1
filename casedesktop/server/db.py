"""Engine and sessions for the server database (SQLite or PostgreSQL).

SQLite is the zero-set-up default; PostgreSQL must work too, so only portable types are used
(base.py). Every session carries the token cache's hooks (tokencache.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from casedesktop.server import tokencache

# Write transactions on SQLite take the write lock up front (BEGIN IMMEDIATE): a transaction that
# reads then writes would otherwise fail with SQLITE_BUSY when another writer got in between.
WRITE_OPTION = "casedesktop_write"

# Worker threads the server runs blocking endpoints on (anyio's limiter, set in app.py); the
# connection pool holds as many connections, so no request waits for one or opens a new one.
# More threads than this only fight over the GIL and SQLite's single writer.
WORKER_THREADS = 16
POOL_SIZE = WORKER_THREADS + 4  # + the few blocking calls made outside the limiter

# SQLite lets one writer in at a time. Writers of this process queue on one in-process lock per
# database file before BEGIN IMMEDIATE, so they never meet SQLite's busy handler, which polls
# with sleeps of up to 100 ms (that polling made p99 of create-case > 1 s under 50 clients).
# Other processes (the CLI, a second server) still wait through busy_timeout.
_SQLITE_WRITE_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()

T = TypeVar("T")


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'server.db'}"


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=10)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, pool_size=POOL_SIZE, max_overflow=10
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin) instead of the driver's legacy mode.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # FULL, not NORMAL: a client drops a change from its outbox once the server has acknowledged
    # it, so an acknowledged commit must survive a power cut (WAL + NORMAL may lose the last ones).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def sqlite_write_lock(engine: Engine) -> threading.Lock | None:
    """The in-process writer lock of a SQLite file database (None for other databases)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    key = str(Path(url.database).resolve())
    with _LOCKS_GUARD:
        return _SQLITE_WRITE_LOCKS.setdefault(key, threading.Lock())


class Sessions:
    """The two kinds of session the server uses: reads, and writes that hold the write lock."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.read = sessionmaker(engine, expire_on_commit=False)
        self.write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._write_lock = sqlite_write_lock(engine)
        tokencache.install_hooks(self.read)
        tokencache.install_hooks(self.write)
        self.token_cache = tokencache.TokenCache()

    def reader(self) -> Session:
        return self.read()

    def writer(self) -> Session:
        """A write session without the in-process queue: prefer `writing()`."""
        return self.write()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write session, entered once this process's other writers of the file are done."""
        with self._write_lock or nullcontext(), self.write() as session:
            yield session

    def run_write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction and commit.

        Retried once on an integrity error: two first attempts of the same client id can race on
        PostgreSQL, and the retry then finds the winner's row and answers idempotently.
        """
        for attempt in (1, 2):
            with self.writing() as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except IntegrityError:
                    session.rollback()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def run_read(self, work: Callable[[Session], T]) -> T:
        with self.reader() as session:
            return work(session)

    def dispose(self) -> None:
        self.engine.dispose()
