"""Wake long-polling feed readers (`GET /changes?wait=S`) when a change they may see commits.

A transaction that appends to the change log marks itself (`note_change`, called by
services/changelog.py). After it commits, the process's `FeedWaiters` is poked; one checker thread
then reads the rows past the last seen sequence number (one query, however many commits came
meanwhile), takes each audience's newest, and sets the events of exactly the waiters who may see
one of them: a customer's waiter wakes for their own accounts' changes, never
for another account's or for an internal note. Each woken request reads its page as usual.

Several processes: on PostgreSQL, the checker sends one `NOTIFY` on its own connection after the
local commits it saw (not inside the writing transaction: a NOTIFY there holds a cluster-wide lock
through the durable commit and would serialise every writer), and a listener thread in every
process turns each notification into a check. On SQLite, where one serving process is the normal
case, other processes' commits (a second server, the admin CLI) are found by a check every second
while anyone waits. A notification lost while a listener reconnects costs at most
`RECHECK_POSTGRES` seconds.

The events are asyncio events of the serving loop, set through `call_soon_threadsafe`: a waiting
request costs a coroutine and a timer, no worker thread (1,000 idle long-polls: see bench/live.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import ChangeLog

log = logging.getLogger(__name__)

CHANNEL = "casedesktop_changes"
RECHECK_SQLITE = 1.0  # seconds between checks for other processes' commits while anyone waits
RECHECK_POSTGRES = 10.0  # the safety net under LISTEN/NOTIFY
_KEY = "casedesktop_live_changes"
_LOG = ChangeLog.__table__
_HEAD = select(func.max(_LOG.c.seq))
_CHECK_ROWS = 5000  # new change-log rows one check reads at most


def note_change(session: Session) -> None:
    """Remember, for this transaction, that it wrote the change log (the hub is poked after
    commit; the checker reads whose feeds the new rows are for)."""
    session.info[_KEY] = True


def install_hooks(factory: sessionmaker[Session], waiters: FeedWaiters) -> None:
    """Poke `waiters` after every commit of a session from `factory` that wrote the change log."""

    def after_commit(session: Session) -> None:
        if session.info.pop(_KEY, False):
            waiters.poke(local=True)

    def after_rollback(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _previous: after_rollback(session))


@dataclass(eq=False)
class Waiter:
    """One waiting request: who asks (for what they may see) and the feed position they hold."""

    user: CurrentUser
    high: int  # the caller has seen everything up to here
    event: asyncio.Event = field(default_factory=asyncio.Event)
    wanted: int = 0  # the highest sequence number the waiter was woken for

    def concerns(self, account_id: uuid.UUID, staff_only: bool) -> bool:
        if self.user.is_staff:
            return True
        return not staff_only and account_id in self.user.account_ids

    async def wait(self, timeout: float) -> bool:
        """True when woken, False when `timeout` ran out first."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        return True


class FeedWaiters:
    """The waiting feed requests of one serving process, and the thread that wakes them."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._recheck = RECHECK_POSTGRES if self._postgres else RECHECK_SQLITE
        self._waiters: set[Waiter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poked = threading.Event()
        self._local = False  # a poke came from this process's own commit (guarded by _poked)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._head = 0
        self._closing = False
        self.checks = 0  # for tests and benchmarks: grouped queries run

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @property
    def head(self) -> int:
        """The highest sequence number the checker has seen committed."""
        return self._head

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin watching (call from the serving loop, e.g. in the app's lifespan)."""
        self._loop = loop
        with self._engine.connect() as connection:
            self._head = connection.execute(_HEAD).scalar() or 0
        self._spawn(self._check_loop, "casedesktop-live-check")
        if self._postgres:
            self._spawn(self._listen_loop, "casedesktop-live-listen")

    def stop(self) -> None:
        self._stopping.set()
        self._poked.set()
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    @property
    def closing(self) -> bool:
        return self._closing

    def release_all(self) -> None:
        """The server is stopping: every waiting request answers now (an empty page), instead of
        holding the shutdown until uvicorn cancels it. Call on the serving loop."""
        self._closing = True
        for waiter in list(self._waiters):
            waiter.event.set()

    def poke(self, local: bool = False) -> None:
        """Something may have committed: check soon (from any thread). `local`: a commit of this
        process, which the other processes must hear of."""
        if local:
            self._local = True
        self._poked.set()

    @contextmanager
    def waiting_for(self, user: CurrentUser, high: int) -> Iterator[Waiter]:
        """Register a waiter for changes `user` may see after `high` (register before reading the
        page, so a commit between the read and the wait is not missed)."""
        waiter = Waiter(user, high)
        self._waiters.add(waiter)
        try:
            yield waiter
        finally:
            self._waiters.discard(waiter)

    # -- the checker thread -------------------------------------------------------------------

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _check_loop(self) -> None:
        notifier = None
        try:
            while not self._stopping.is_set():
                poked = self._poked.wait(self._recheck)
                self._poked.clear()
                local, self._local = self._local, False
                if self._stopping.is_set():
                    break
                try:
                    self._check(poked)
                    if local and self._postgres:
                        notifier = notifier or self._engine.connect()
                        notifier.exec_driver_sql(f"NOTIFY {CHANNEL}")
                        notifier.commit()
                except Exception:  # a database hiccup must not end live updates for good
                    log.warning("checking the change feed for waiters failed", exc_info=True)
                    if notifier is not None:
                        notifier.close()
                        notifier = None
                    self._stopping.wait(1.0)
        finally:
            if notifier is not None:
                notifier.close()

    def _check(self, poked: bool) -> None:
        """Wake the waiters concerned by rows committed since the last check. After a commit the
        head is brought up to date even with nobody waiting, so a new long-poll whose cursor is
        at the head can skip reading the feed (see routes/feed.py)."""
        if not self._waiters and not poked:
            return
        # The new rows by primary key, grouped here: a GROUP BY in SQL made SQLite walk the
        # account index of the whole log (1 ms at 20,000 rows, after every commit).
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(_LOG.c.seq, _LOG.c.account_id, _LOG.c.staff_only)
                .where(_LOG.c.seq > self._head)
                .order_by(_LOG.c.seq)
                .limit(_CHECK_ROWS)
            ).all()
        self.checks += 1
        if not rows:
            return
        if len(rows) == _CHECK_ROWS:  # a long gap: wake everyone rather than read it all
            self._head = max(self._head, rows[-1].seq)
            self.poke()  # and look at the rest of the gap at once
            self._call(self._wake_all, rows[-1].seq)
            return
        tops: dict[tuple[uuid.UUID, bool], int] = {}
        for seq, account_id, staff_only in rows:
            tops[(account_id, staff_only)] = seq
        self._head = max(self._head, rows[-1].seq)
        self._call(self._wake, [(account, staff, top) for (account, staff), top in tops.items()])

    def _call(self, callback: Any, *args: Any) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback, *args)

    def _wake_all(self, top: int) -> None:
        for waiter in list(self._waiters):
            if top > waiter.high:
                waiter.wanted = max(waiter.wanted, top)
                waiter.event.set()

    def _wake(self, groups: list[tuple[uuid.UUID, bool, int]]) -> None:
        for waiter in list(self._waiters):
            for account_id, staff_only, top in groups:
                if top > waiter.high and waiter.concerns(account_id, staff_only):
                    waiter.wanted = max(waiter.wanted, top)
                    waiter.event.set()
                    break

    # -- PostgreSQL: hear the other processes ------------------------------------------------

    def _listen_loop(self) -> None:
        import psycopg

        conninfo = self._engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.poke()  # whatever committed while not listening
                    while not self._stopping.is_set():
                        for _notice in connection.notifies(timeout=1.0):
                            self.poke()
            except Exception:
                log.warning("listening for feed changes failed; retrying", exc_info=True)
                self._stopping.wait(2.0)
