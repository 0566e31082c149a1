"""The outbox's life cycle as the sync engine sees it: pending → in flight → done, or failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update

from casedesktop.api import ActivityOut, CaseOut, CommentOut
from casedesktop.store import server_state
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow, OutboxOp
from casedesktop.store.types import utcnow


class OpState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"


WAITING = (OpState.PENDING, OpState.IN_FLIGHT)


@dataclass(frozen=True)
class QueuedOp:
    seq: int
    op_id: str
    case_id: str
    kind: str
    payload: str
    attempts: int


@dataclass(frozen=True)
class FailedOp:
    seq: int
    op_id: str
    case_id: str
    case_number: str | None
    kind: str
    error: str
    updated_at: datetime


def recover_interrupted(db: CacheDB) -> int:
    """Ops left in flight by a crash go back to pending; pushes are idempotent, so resending is safe."""
    with db.transaction() as session:
        result = session.execute(
            update(OutboxOp).where(OutboxOp.state == OpState.IN_FLIGHT).values(state=OpState.PENDING)
        )
        return result.rowcount or 0


def sendable(db: CacheDB, limit: int = 200) -> list[QueuedOp]:
    """Pending ops in the order the user made them, except those behind a failed op of the same case."""
    with db.reading() as session:
        blocked = select(OutboxOp.case_id).where(OutboxOp.state == OpState.FAILED)
        rows = session.scalars(
            select(OutboxOp)
            .where(OutboxOp.state == OpState.PENDING, OutboxOp.case_id.not_in(blocked))
            .order_by(OutboxOp.seq)
            .limit(limit)
        )
        return [QueuedOp(r.seq, r.op_id, r.case_id, r.kind, r.payload, r.attempts) for r in rows]


def mark_in_flight(db: CacheDB, seq: int) -> None:
    with db.transaction() as session:
        op = session.get_one(OutboxOp, seq)
        op.state = OpState.IN_FLIGHT
        op.attempts += 1
        op.updated_at = utcnow()


def mark_pending(db: CacheDB, seq: int, error: str) -> None:
    """A transient failure: try again later."""
    with db.transaction() as session:
        op = session.get_one(OutboxOp, seq)
        op.state = OpState.PENDING
        op.last_error = error
        op.updated_at = utcnow()


def mark_failed(db: CacheDB, seq: int, error: str) -> Changes:
    """The server refused it for good; the user's text stays in the cache and the op can be retried."""
    with db.transaction() as session:
        op = session.get_one(OutboxOp, seq)
        op.state = OpState.FAILED
        op.last_error = error
        op.updated_at = utcnow()
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


def mark_done(db: CacheDB, seq: int, answer: CaseOut | CommentOut | ActivityOut | None) -> Changes:
    """The server applied it: store its answer (the number, the real state) in the same transaction."""
    with db.transaction() as session:
        op = session.get_one(OutboxOp, seq)
        op.state = OpState.DONE
        op.last_error = ""
        op.updated_at = utcnow()
        if op.kind == "action":
            # The optimistic local activity entry gives way to the server's, which the feed brings.
            local = session.get(ActivityRow, op.op_id)
            if local is not None:
                session.delete(local)
        if isinstance(answer, CaseOut):
            server_state.upsert_case(session, answer)
        elif isinstance(answer, CommentOut):
            server_state.upsert_comment(session, answer)
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


def retry(db: CacheDB, op_id: str) -> Changes:
    with db.transaction() as session:
        op = session.scalars(select(OutboxOp).where(OutboxOp.op_id == op_id)).one()
        op.state = OpState.PENDING
        op.updated_at = utcnow()
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


def discard(db: CacheDB, op_id: str) -> Changes:
    """Take back a change not yet sent, or one the server refused, with the entity it would create."""
    with db.transaction() as session:
        op = session.scalars(select(OutboxOp).where(OutboxOp.op_id == op_id)).one()
        if op.state == OpState.IN_FLIGHT:
            raise ValueError("That change is being sent right now; try again in a moment.")
        if op.state == OpState.DONE:
            raise ValueError("The server already has that change; it can no longer be taken back.")
        if op.kind == "create_case" and session.scalar(
            select(func.count()).where(OutboxOp.case_id == op.case_id, OutboxOp.seq != op.seq,
                                       OutboxOp.state != OpState.DONE)
        ):
            raise ValueError("The case has other unsent changes; discard those first.")
        for model in (CommentRow, ActivityRow, AttachmentRow):
            entity = session.get(model, op.op_id)
            if entity is not None:
                session.delete(entity)
        if op.kind == "create_case":
            case = session.get(CaseRow, op.case_id)
            if case is not None and case.number is None:
                session.delete(case)
        session.delete(op)
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int
    failed: int


def counts(db: CacheDB) -> OutboxCounts:
    with db.reading() as session:
        rows = dict(
            session.execute(
                select(OutboxOp.state, func.count()).where(OutboxOp.state != OpState.DONE).group_by(OutboxOp.state)
            ).all()
        )
    return OutboxCounts(
        waiting=rows.get(OpState.PENDING, 0) + rows.get(OpState.IN_FLIGHT, 0) + rows.get(OpState.FAILED, 0),
        failed=rows.get(OpState.FAILED, 0),
    )


def failed_ops(db: CacheDB) -> list[FailedOp]:
    with db.reading() as session:
        rows = session.execute(
            select(OutboxOp, CaseRow.number)
            .outerjoin(CaseRow, CaseRow.id == OutboxOp.case_id)
            .where(OutboxOp.state == OpState.FAILED)
            .order_by(OutboxOp.seq)
        )
        return [
            FailedOp(op.seq, op.op_id, op.case_id, number, op.kind, op.last_error, op.updated_at)
            for op, number in rows
        ]
