"""Who a bearer token belongs to, remembered between requests without ever outliving a revocation.

Looking a token up costs a join and a membership query per request. The cache keeps the answer
(the caller and the token's expiry) in this process, stamped with the database's *auth epoch*: a
counter row that changes in the same transaction as every change that could alter the answer —
a token deleted (logout, password reset, expired ones dropped), a user changed or deleted, a
membership or account added, changed or removed. Each request reads the epoch (one indexed
single-row read) and uses the cached answer only if the epoch is the one it was stamped with and
the token has not expired; otherwise it looks the token up again. So a revoked token stops
working on the very next request, whichever process revoked it (the CLI's reset-password too),
as long as it went through the server's sessions (`db.Sessions`), which carry the hooks below.
The epoch is read once per transaction (`epoch_in`): the create-case lane checks a whole batch
of queued requests with one read, made after they all arrived; the feed reads it in the same
statement as its high-water mark (`remember_epoch`).
Raw SQL that deletes tokens behind the ORM's back must bump the epoch itself (`bump_epoch`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Account, Counter, Membership, Token, User

AUTH_EPOCH = "auth_epoch"
MAX_ENTRIES = 10_000
_COUNTERS = Counter.__table__
EPOCH = select(_COUNTERS.c.value).where(_COUNTERS.c.name == AUTH_EPOCH)
_BUMP_EPOCH = (
    update(_COUNTERS).where(_COUNTERS.c.name == AUTH_EPOCH).values(value=_COUNTERS.c.value + 1)
)
_EPOCH_SEEN = "casedesktop_auth_epoch"  # Session.info: (the transaction, the epoch it read)
# Changing any of these may change who a token belongs to, or whether it is valid.
_WATCHED = (Token, User, Membership, Account)
_WATCHED_CLASSES = frozenset(_WATCHED)


def read_epoch(connection: Connection | Session) -> int:
    return connection.execute(EPOCH).scalar() or 0


def remember_epoch(session: Session, epoch: int) -> None:
    """The epoch this session's transaction read with a statement of its own (the feed reads
    it with its high-water mark): `epoch_in` answers it without reading again."""
    session.info[_EPOCH_SEEN] = (session.get_transaction(), epoch)


def epoch_in(session: Session) -> int:
    """The epoch as this session's transaction sees it, read once per transaction: a group
    commit checks every queued request's token with one read, made after they all arrived.
    Forgotten when this session changes a watched table (the hooks below) and at the end of
    the transaction."""
    transaction = session.get_transaction()
    known = session.info.get(_EPOCH_SEEN)
    if known is not None and known[0] is transaction:
        return known[1]
    epoch = read_epoch(session.connection())
    session.info[_EPOCH_SEEN] = (session.get_transaction(), epoch)
    return epoch


def _forget_epoch(session: Session) -> None:
    session.info.pop(_EPOCH_SEEN, None)


def bump_epoch(connection: Connection) -> None:
    """Mark every cached token answer stale, in the caller's transaction."""
    if connection.execute(_BUMP_EPOCH).rowcount == 0:
        connection.execute(insert(_COUNTERS).values(name=AUTH_EPOCH, value=1))


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changed = any(isinstance(obj, _WATCHED) for obj in session.dirty) or any(
        isinstance(obj, _WATCHED) for obj in session.deleted
    )
    # A new token changes no answer; a new membership (or user, account) may.
    changed = changed or any(
        isinstance(obj, _WATCHED) and not isinstance(obj, Token) for obj in session.new
    )
    if changed:
        _forget_epoch(session)
        bump_epoch(session.connection())


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk statements (`session.execute(delete(Token)...)`) skip the flush: catch them here."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    touched = {mapper.class_ for mapper in state.all_mappers}
    if state.is_insert and touched <= {Token}:
        return
    if touched & _WATCHED_CLASSES:
        _forget_epoch(state.session)
        bump_epoch(state.session.connection())


def install_hooks(target: Any) -> None:
    """Bump the epoch on every watched change made through sessions of `target` (a
    sessionmaker or Session class)."""
    event.listen(target, "after_flush", _after_flush)
    event.listen(target, "do_orm_execute", _on_execute)


@dataclass(frozen=True)
class Entry:
    user: CurrentUser
    expires_at: datetime
    epoch: int


class TokenCache:
    """token digest -> Entry, least recently used dropped first; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str, epoch: int, now: datetime) -> CurrentUser | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if entry.epoch != epoch or entry.expires_at <= now:
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return entry.user

    def put(self, digest: str, entry: Entry) -> None:
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def discard(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def __len__(self) -> int:
        return len(self._entries)
