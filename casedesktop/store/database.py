"""Opens the profile's cache file: SQLite in WAL mode, durable commits, schema migrated."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from casedesktop.store import migrate

CACHE_FILE = "cache.db"


class CacheError(Exception):
    """The cache file cannot be used; the message says what to do."""


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: in WAL mode, NORMAL may lose the last commits on a power cut; a change the UI
        # showed as saved must survive that, and one fsync per user action is cheap.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # noqa: ANN001 - SQLAlchemy Connection
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class CacheDB:
    """The local cache of one profile. Thread-safe: each call opens its own session."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{path}", pool_size=4, max_overflow=4)
        _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            with self.engine.begin() as connection:
                connection.execute(text("PRAGMA quick_check")).scalar_one()
                migrate.upgrade(connection)
        except DatabaseError as exc:
            self.engine.dispose()
            raise CacheError(
                f"The local cache {path} is damaged or not a CaseDesktop cache ({exc.orig}); "
                "move it aside and start again to download your cases afresh."
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: everything inside commits together or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_cache(profile_dir: Path) -> CacheDB:
    return CacheDB(profile_dir / CACHE_FILE)
