"""Append to the change feed inside the writing transaction, so the feed never misses a write.

The feed's promise is "everything after seq N"; that holds only if rows become visible in seq
order. SQLite serializes writers already. On PostgreSQL each writer takes an exclusive lock on the
log before appending (readers are not blocked), so seq order is commit order. Call `record` (or
`append`) last in a transaction, after all other row changes, so the lock is held briefly and
never waits on a row. In a group commit (db.WriteLane) the rows of the whole batch go in at its
end, just before the commit, so the lock is taken once per batch and held only from there.

The rows go in with one Core INSERT rather than through the ORM's unit of work: the log is
written by every change, and an ORM flush of two ChangeLog objects cost about 0.5 ms of CPU.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from casedesktop.domain import CommentKind
from casedesktop.server import live
from casedesktop.server.db import before_group_commit
from casedesktop.server.models import Activity, Attachment, Case, ChangeLog, Comment

Entity = Case | Comment | Activity | Attachment
Entry = tuple[str, uuid.UUID, bool]  # entity name, its id, staff only

_INSERT = insert(ChangeLog.__table__)
_PENDING = "casedesktop_change_log_rows"  # Session.info: a batch's rows, waiting for its end


def record(session: Session, case: Case, *entities: Entity, staff_only: bool = False) -> None:
    """Log each entity as changed (in the order given) under the case's account; `staff_only`
    for a change that is staff's alone (triage, assignment), whatever the entities."""
    session.flush()
    append(
        session,
        case.id,
        case.account_id,
        [
            (_entity_name(entity), entity.id, staff_only or _staff_only(entity))
            for entity in entities
        ],
    )


def append(
    session: Session, case_id: uuid.UUID, account_id: uuid.UUID, entries: Sequence[Entry]
) -> None:
    """Log these changes of one case (in the order given), for writers that insert their rows
    with Core statements; the session's pending ORM changes must be flushed already."""
    rows = tuple(
        {
            "entity": entity,
            "entity_id": entity_id,
            "case_id": case_id,
            "account_id": account_id,
            "staff_only": staff_only,
        }
        for entity, entity_id, staff_only in entries
    )
    if before_group_commit(session, _PENDING, _append_pending):
        # A new tuple, not an append in place: an item rolled back to its savepoint gets the
        # session's info back as it was, and its rows go with it.
        session.info[_PENDING] = session.info.get(_PENDING, ()) + rows
    else:
        _insert(session, rows)
    live.note_change(session)


def _append_pending(session: Session) -> None:
    rows = session.info.pop(_PENDING, ())
    if rows:
        _insert(session, rows)


def _insert(session: Session, rows: Sequence[dict[str, object]]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE change_log IN EXCLUSIVE MODE")
    connection.execute(_INSERT, list(rows))


def _staff_only(entity: Entity) -> bool:
    """Internal notes, the files attached to them and staff's own activity entries never reach a
    customer's feed."""
    if isinstance(entity, Comment):
        return entity.kind == CommentKind.INTERNAL
    return isinstance(entity, Attachment | Activity) and bool(entity.staff_only)


def _entity_name(entity: Entity) -> str:
    if isinstance(entity, Case):
        return "case"
    if isinstance(entity, Comment):
        return "comment"
    if isinstance(entity, Attachment):
        return "attachment"
    return "activity"
