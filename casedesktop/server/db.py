"""Engine and sessions for the server database (SQLite or PostgreSQL).

SQLite is the zero-set-up default; PostgreSQL must work too, so only portable types are used
(base.py). Every session carries the token cache's hooks (tokencache.py).

Group commit (`WriteLane`, `Sessions.grouped`; create-case uses it): the writes that queue while
one batch commits go into the next transaction together, each in its own savepoint, so a batch
of N requests costs one BEGIN, one COMMIT and one fsync instead of N, and the change log's rows
of the whole batch go in with one INSERT at its end (services/changelog.py). Every caller is
answered only after the transaction holding its write has committed; a failing item rolls back
to its savepoint alone. The lane's thread also spares each create a worker thread of its own.
What it bought, server CPU per create-case request under `python -m bench --only server --quick`
(50 clients, 2 shared cores, load average 2-6, so +-25 %): one transaction per request (ORM)
3.9-5.3 ms; Core statements with group commit 1.1-1.3 ms on SQLite (batches of about 25),
1.7-2.0 ms on PostgreSQL with 4 lanes (batches of about 7). Of what is left, in-process
(no sockets; per thread): the lane's thread 0.63-0.72 ms per create (its statements, 0.42 ms of
them, are in services/cases.py), the event loop 0.28-0.33 ms (request parsing and validation,
the answer). Plain-text savepoints (`_plain_savepoints`) took 0.06 ms off the lane's share.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
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

# The Session.info key of `Sessions.shared`.
SHARED = "casedesktop_shared"
# The Session.info key of a lane batch's before-commit callbacks (`before_group_commit`).
_GROUP = "casedesktop_group"

# At most this many queued writes share one transaction: a long batch would hold the write lock
# for longer than other writers should wait. On PostgreSQL each item's savepoint that writes
# takes a subtransaction id, and past 64 in one transaction every snapshot in the cluster gets
# slower (the "suboverflowed" case): 32 stays well below.
MAX_GROUP = 32

# Write lanes on PostgreSQL (see WriteLane). Measured (create-case under 50 clients, 2 cores):
# 1 lane 206 req/s with the server's CPU 55% busy (waiting on round trips and the commit),
# 2 lanes 425/s, 4 lanes 484/s at 88%.
POSTGRES_LANES = 4

T = TypeVar("T")


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'server.db'}"


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=10)
        _plain_savepoints(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, pool_size=POOL_SIZE, max_overflow=10
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    _plain_savepoints(engine)
    return engine


def _plain_savepoints(engine: Engine) -> None:
    """Send SAVEPOINT, RELEASE and ROLLBACK TO as the fixed text they are. SQLAlchemy builds and
    compiles each of them anew (they have no cache key): about 30 µs apiece, and a grouped write
    (WriteLane) takes two, 60 µs of a create-case's 480 in the lane. Its names (sa_savepoint_N)
    need no quoting."""
    dialect = engine.dialect
    dialect.do_savepoint = lambda connection, name: connection.exec_driver_sql(f"SAVEPOINT {name}")
    dialect.do_release_savepoint = lambda connection, name: connection.exec_driver_sql(
        f"RELEASE SAVEPOINT {name}"
    )
    dialect.do_rollback_to_savepoint = lambda connection, name: connection.exec_driver_sql(
        f"ROLLBACK TO SAVEPOINT {name}"
    )


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
        # What the services cache per database (the feed's pages), reached by every session as
        # session.info[SHARED]: one server process may serve several databases (the tests do).
        self.shared: dict[str, Any] = {}
        self.read = sessionmaker(engine, expire_on_commit=False, info={SHARED: self.shared})
        # Reads that need no snapshot (the feed, services/feed.py): on PostgreSQL each statement
        # then runs on its own, which saves the BEGIN and ROLLBACK round trips (a pull answered
        # from the feed's cache is left with two: the pool's liveness ping and one query).
        # SQLite's BEGIN and ROLLBACK cost no round trip.
        self.read_latest = self.read
        if engine.dialect.name == "postgresql":
            self.read_latest = sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                info={SHARED: self.shared},
            )
            tokencache.install_hooks(self.read_latest)
        self.write = sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            info={SHARED: self.shared},
        )
        self._write_lock = sqlite_write_lock(engine)
        tokencache.install_hooks(self.read)
        tokencache.install_hooks(self.write)
        self.token_cache = tokencache.TokenCache()
        self.lane = WriteLane(self, 1 if engine.dialect.name == "sqlite" else POSTGRES_LANES)

    def reader(self) -> Session:
        return self.read()

    def latest_reader(self) -> Session:
        """A read session whose every statement sees what has committed by then (see
        `read_latest`): for reads that are right without one snapshot for them all."""
        return self.read_latest()

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

    async def grouped(self, work: Callable[[Session], T]) -> T:
        """Run `work` like `run_write`, but in the group-commit lane (`WriteLane`): committed
        with the writes that queued meanwhile, answered once that transaction has committed.
        The event loop waits without a worker thread; the lane's thread runs `work`."""
        return await asyncio.wrap_future(self.lane.submit(work))

    def run_read(self, work: Callable[[Session], T]) -> T:
        with self.reader() as session:
            return work(session)

    def dispose(self) -> None:
        self.lane.stop()
        self.engine.dispose()


class WriteLane:
    """Group commit: a thread takes the writes queued while the last batch committed and
    commits them together, each in its own savepoint (see the module doc).

    Requests hand their work over and wait for its future; an event-loop caller waits without
    a worker thread of its own, so a batch costs the lane's thread two switches, not each
    request. A failing item rolls back to its savepoint alone; should the transaction fail as
    a whole (BEGIN or COMMIT), each item is run again in a transaction of its own.

    `threads` lanes share the queue. One on SQLite, whose writers take turns anyway; more on
    PostgreSQL, where a batch spends most of its time waiting for round trips and its durable
    commit, and the change log's lock is held only from the batch's last INSERT to the commit
    (services/changelog.py), so one batch can be written while another commits."""

    def __init__(self, sessions: Sessions, threads: int = 1):
        self._sessions = sessions
        self._queue: list[tuple[Callable[[Session], Any], Future[Any]]] = []
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._wanted = threads
        self._stopping = False
        self.batches = 0  # for tests and benchmarks: transactions committed
        self.items = 0  # and the writes in them

    def submit(self, work: Callable[[Session], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._wake:
            self._queue.append((work, future))
            if len(self._threads) < self._wanted:
                thread = threading.Thread(
                    target=self._run, name="casedesktop-write-lane", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._wake.notify()
        return future

    def stop(self) -> None:
        """Finish what is queued, then end the threads (a later submit starts new ones)."""
        with self._wake:
            self._stopping = True
            threads = list(self._threads)
            self._wake.notify_all()
        for thread in threads:
            thread.join(30)
        with self._wake:
            self._stopping = False

    def _run(self) -> None:
        try:
            while True:
                with self._wake:
                    while not self._queue and not self._stopping:
                        self._wake.wait()
                    if not self._queue:
                        return
                    taken = self._queue[:MAX_GROUP]
                    del self._queue[:MAX_GROUP]
                # A caller that gave up before its turn (a dropped connection) is skipped: its
                # client retries with the same id, and a create is idempotent.
                batch = [(work, f) for work, f in taken if f.set_running_or_notify_cancel()]
                if batch:
                    self._commit(batch)
        finally:  # stopped, or an interrupt
            with self._wake:
                self._threads.remove(threading.current_thread())
                left = [] if self._threads else self._queue  # nobody left to commit these
                if left:
                    self._queue = []
            for _work, future in left:
                _settle(future, None, RuntimeError("the write was not committed"))

    def _commit(self, batch: list[tuple[Callable[[Session], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            with self._sessions.writing() as session:
                callbacks: dict[str, Callable[[Session], None]] = {}
                session.info[_GROUP] = callbacks
                for work, _future in batch:
                    outcomes.append(_in_savepoint(session, work))
                for callback in list(callbacks.values()):
                    callback(session)
                del session.info[_GROUP]
                session.commit()
        except Exception:  # BEGIN or COMMIT failed: nothing of this batch is stored
            for n, (work, future) in enumerate(batch):
                result, error = outcomes[n] if n < len(outcomes) else (None, None)
                if error is None or isinstance(error, IntegrityError):
                    try:  # again alone; what failed on its own would fail again
                        result, error = self._sessions.run_write(work), None
                    except Exception as exc:
                        error = exc
                _settle(future, result, error)
            return
        except BaseException:  # an interrupt: no caller may wait forever
            for _work, future in batch:
                _settle(future, None, RuntimeError("the write was not committed"))
            raise
        self.batches += 1
        self.items += len(batch)
        for (_work, future), (result, error) in zip(batch, outcomes, strict=True):
            _settle(future, result, error)


def before_group_commit(session: Session, name: str, callback: Callable[[Session], None]) -> bool:
    """In a write lane's batch: run `callback(session)` once, after every item and before the
    commit (the change log appends its rows there, all at once), and return True. Outside one
    (`run_write`): return False, and the caller does its work now."""
    callbacks: dict[str, Callable[[Session], None]] | None = session.info.get(_GROUP)
    if callbacks is None:
        return False
    callbacks.setdefault(name, callback)
    return True


def _settle(future: Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def _in_savepoint(
    session: Session, work: Callable[[Session], T]
) -> tuple[Any, BaseException | None]:
    """`work` in a savepoint: (its result, None), or (None, what it raised) with its changes
    rolled back. An integrity error is tried once more, as `run_write` does. A rollback also
    returns `session.info` to what it was before (notes for after the commit, e.g. live.py's,
    belong to the items that stay)."""
    error: BaseException | None = None
    for _attempt in (1, 2):
        info = dict(session.info)
        try:
            with session.begin_nested():
                return work(session), None
        except Exception as exc:
            error = exc
            session.info.clear()
            session.info.update(info)
            if not isinstance(exc, IntegrityError):
                break
    return None, error
