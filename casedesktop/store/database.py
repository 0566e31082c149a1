"""Opens the profile's cache file: SQLite in WAL mode, durable commits, schema migrated.

Why these settings, given that the process may be killed (kill -9, a crash, a power cut) at any
moment:

- WAL (`journal_mode=WAL`): a commit appends to the write-ahead log; readers (the GUI's queries)
  never block the writer (the sync thread) and vice versa. A torn last frame in the log is ignored
  on the next open, so the file always holds exactly the transactions that committed.
- `synchronous=FULL`: each commit fsyncs the log. With NORMAL, WAL commits are atomic but the last
  ones may be lost on a power cut; a change the app showed as saved must survive that, and one
  fsync per user action or per sync batch is cheap.
- `BEGIN IMMEDIATE`: a write transaction takes the write lock when it starts, so a transaction that
  reads and then writes never fails half-way with SQLITE_BUSY; `busy_timeout` waits for the other
  writer (another process on the same profile, e.g. `casedesktop sync` while the window runs).
- Every user action writes its change and its outbox entry in one transaction (local_changes.py),
  and sync applies each server answer or feed page with its cursor in one transaction, so a kill at
  any point leaves a consistent cache: an op in flight goes back to pending and is re-sent, and
  the server recognises it (push protocol, casedesktop/api/push.py).
- Reads (`reading()`) go through their own engine: a deferred `BEGIN` on a `query_only`
  connection, so the window's queries read the last committed snapshot at once instead of queueing
  behind a sync write, and a write slipped into a read fails loudly instead of racing.
- On open, `PRAGMA quick_check` must answer "ok"; otherwise the file is damaged: CacheError, and
  recovery.py sets it aside, rebuilds from the server and keeps the unsent changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from casedesktop.i18n import _
from casedesktop.store import migrate
from casedesktop.store.journal import JOURNAL_FILE, OutboxJournal
from casedesktop.store.models import CaseRow, OutboxOp

CACHE_FILE = "cache.db"


class CacheError(Exception):
    """The cache file cannot be used; the message says what to do."""


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
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
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # noqa: ANN001 - SQLAlchemy Connection
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class CacheDB:
    """The local cache of one profile. Thread-safe: each call opens its own session."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{path}", pool_size=4, max_overflow=4)
        _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = create_engine(f"sqlite:///{path}", pool_size=4, max_overflow=4)
        _configure_sqlite(self.read_engine, read_only=True)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _note_base_status)
        self.journal = OutboxJournal(path.with_name(JOURNAL_FILE))
        self.journal.install(self._sessions)
        try:
            with self.engine.begin() as connection:
                verdict = connection.execute(text("PRAGMA quick_check")).scalars().all()
                if verdict != ["ok"]:
                    raise CacheError(
                        _("The local cache {path} is damaged ({problems}); move it aside and start again to "
                          "download your cases afresh.").format(path=path, problems="; ".join(map(str, verdict[:3])))
                    )
                migrate.upgrade(connection)
        except CacheError:
            self.close()
            raise
        except DatabaseError as exc:
            self.close()
            raise CacheError(
                _("The local cache {path} is damaged or not a CaseDesktop cache ({problem}); move it aside and "
                  "start again to download your cases afresh.").format(path=path, problem=exc.orig)
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: everything inside commits together or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot that never waits for a writer."""
        with self._read_sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def _note_base_status(session: Session, _context: object, _instances: object) -> None:
    """Keep, with each new outbox entry, the case's status as the user saw it when acting.

    local_changes.py may already have changed the case in the same flush (a reply moves a case
    waiting on the customer back to open), so the status before this flush is taken.
    """
    for obj in session.new:
        if not isinstance(obj, OutboxOp) or obj.base_status is not None:
            continue
        with session.no_autoflush:
            case = session.get(CaseRow, obj.case_id)
        if case is None or case in session.new:
            continue
        history = inspect(case).attrs.status.history
        obj.base_status = history.deleted[0] if history.deleted else case.status


def open_cache(profile_dir: Path) -> CacheDB:
    return CacheDB(profile_dir / CACHE_FILE)
