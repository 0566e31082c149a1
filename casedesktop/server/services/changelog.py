"""Append to the change feed inside the writing transaction, so the feed never misses a write.

The feed's promise is "everything after seq N"; that holds only if rows become visible in seq
order. SQLite serializes writers already. On PostgreSQL each writer takes an exclusive lock on the
log before appending (readers are not blocked), so seq order is commit order. Call `record` last
in a transaction, after all other row changes, so the lock is held briefly and never waits on a row.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from casedesktop.domain import CommentKind
from casedesktop.server.models import Activity, Attachment, Case, ChangeLog, Comment

Entity = Case | Comment | Activity | Attachment


def record(session: Session, case: Case, *entities: Entity) -> None:
    """Log each entity as changed (in the order given) under the case's account."""
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE change_log IN EXCLUSIVE MODE")
    for entity in entities:
        session.add(
            ChangeLog(
                entity=_entity_name(entity),
                entity_id=entity.id,
                case_id=case.id,
                account_id=case.account_id,
                staff_only=_staff_only(entity),
            )
        )
    session.flush()


def _staff_only(entity: Entity) -> bool:
    """Internal notes and the files attached to them never reach a customer's feed."""
    if isinstance(entity, Comment):
        return entity.kind == CommentKind.INTERNAL
    return isinstance(entity, Attachment) and entity.staff_only


def _entity_name(entity: Entity) -> str:
    if isinstance(entity, Case):
        return "case"
    if isinstance(entity, Comment):
        return "comment"
    if isinstance(entity, Attachment):
        return "attachment"
    return "activity"
