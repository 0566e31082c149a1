"""The outbox's life cycle as the sync engine sees it: pending → in flight → done, or failed.

Every op is made in the same transaction as the user's change (local_changes.py). Ops are sent in
the order they were made, per case: an op waits behind a failed op of its case, while other cases'
ops keep flowing. Pushes carry the device's change numbers (casedesktop/api/push.py): a number is
given to an op when it is first sent (not when it is made: an op may wait behind a failed one, and
a retried op needs a fresh number because the server never applies a number twice), and kept
until the server's answer is stored, so an op re-sent after a lost answer or a crash carries the
same number and the server answers it as a duplicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from casedesktop.api import ActivityOut, CaseOut, CommentOut, ErrorOut
from casedesktop.api.push import MutationResult, MutationStatus, PushResponse
from casedesktop.domain import Role
from casedesktop.i18n import _
from casedesktop.store import conflicts, meta, server_state, staff_changes
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.journal import JournalOp
from casedesktop.store.list_sql import OpState
from casedesktop.store.models import (
    ActivityRow,
    AttachmentRow,
    CaseRow,
    CommentRow,
    OutboxOp,
    UploadSession,
)
from casedesktop.store.types import utcnow

# Ops that show an activity entry of their own (under the op's id) until the server's comes.
OPTIMISTIC_ACTIVITY = frozenset({"action", "triage", "assign", "ask_customer"})
DEVICE_ID = "device_id"  # meta: this cache's device id for the push protocol
NEXT_PUSH_SEQ = "push_next_seq"  # meta: the next change number to give




@dataclass(frozen=True)
class QueuedOp:
    seq: int
    op_id: str
    case_id: str
    kind: str
    payload: str
    attempts: int
    push_seq: int | None = None
    base_status: str | None = None


def _queued(r: OutboxOp) -> QueuedOp:
    return QueuedOp(r.seq, r.op_id, r.case_id, r.kind, r.payload, r.attempts, r.push_seq, r.base_status)


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
        return [_queued(r) for r in rows]


def numbered_waiting(db: CacheDB) -> list[QueuedOp]:
    """Ops sent before whose answer never came back: they go first, in number order."""
    with db.reading() as session:
        rows = session.scalars(
            select(OutboxOp)
            .where(OutboxOp.state == OpState.PENDING, OutboxOp.push_seq.is_not(None))
            .order_by(OutboxOp.push_seq)
        )
        return [_queued(r) for r in rows]


def device_id(db: CacheDB) -> str:
    """This cache's device id for the push protocol, made on first use."""
    with db.reading() as session:
        known = meta.get(session, DEVICE_ID)
    if known:
        return known
    with db.transaction() as session:
        known = meta.get(session, DEVICE_ID)
        if not known:
            known = str(uuid.uuid4())
            meta.put(session, DEVICE_ID, known)
            meta.put(session, NEXT_PUSH_SEQ, "1")
        return known


def new_device(db: CacheDB) -> str:
    """Start over as a new device (the server bound the old id to someone else): unconfirmed ops
    lose their numbers and are sent again as new; their client-made ids keep that idempotent."""
    with db.transaction() as session:
        fresh = str(uuid.uuid4())
        meta.put(session, DEVICE_ID, fresh)
        meta.put(session, NEXT_PUSH_SEQ, "1")
        session.execute(update(OutboxOp).values(push_seq=None))
        return fresh


def start_push(db: CacheDB, ops: list[QueuedOp]) -> list[QueuedOp]:
    """Give numbers to ops sent for the first time and mark all in flight, in one transaction.

    Returns the ops in number order: the order the server must see them.
    """
    with db.transaction() as session:
        next_seq = int(meta.get(session, NEXT_PUSH_SEQ, "1") or 1)
        rows = [session.get_one(OutboxOp, op.seq) for op in ops]
        now = utcnow()
        for row in sorted(rows, key=lambda r: (r.push_seq is None, r.push_seq or 0, r.seq)):
            if row.push_seq is None:
                row.push_seq = next_seq
                next_seq += 1
            row.state = OpState.IN_FLIGHT
            row.attempts += 1
            row.updated_at = now
        meta.put(session, NEXT_PUSH_SEQ, str(next_seq))
        return sorted((_queued(r) for r in rows), key=lambda op: op.push_seq or 0)


def return_to_pending(db: CacheDB, seqs: list[int], error: str) -> None:
    """A transient failure of a whole push: the ops keep their numbers and are re-sent later."""
    with db.transaction() as session:
        session.execute(
            update(OutboxOp)
            .where(OutboxOp.seq.in_(seqs), OutboxOp.state == OpState.IN_FLIGHT)
            .values(state=OpState.PENDING, last_error=error, updated_at=utcnow())
        )


@dataclass
class PushOutcome:
    changes: Changes = field(default_factory=Changes)
    pushed: int = 0
    refused: int = 0
    renumbered: int = 0


def finish_push(db: CacheDB, sent: list[QueuedOp], response: PushResponse) -> PushOutcome:
    """Store the server's answer to one push in one transaction: what it applied, refused or
    could not take yet, the server's state of each case, and notices for the user."""
    outcome = PushOutcome()
    by_seq = {op.push_seq: op for op in sent}
    gap = False
    with db.transaction() as session:
        role = Role(meta.get(session, meta.USER_ROLE, Role.CUSTOMER.value) or Role.CUSTOMER.value)
        for result in response.results:
            op = by_seq.get(result.seq)
            row = session.get(OutboxOp, op.seq) if op is not None else None
            if row is None or row.op_id != str(result.id) or row.state != OpState.IN_FLIGHT:
                continue  # not ours (any more): a discarded op, or a stray answer
            if result.status in (MutationStatus.APPLIED, MutationStatus.DUPLICATE):
                outcome.changes |= _done(session, row, result, role)
                outcome.pushed += 1
            elif result.status is MutationStatus.REFUSED:
                outcome.changes |= _refused(session, row, result, role)
                outcome.refused += 1
            elif result.status is MutationStatus.BLOCKED:
                row.state, row.push_seq = OpState.PENDING, None  # waits behind the refused op
            else:  # GAP: never processed; renumbered below
                row.state = OpState.PENDING
                gap = True
        for row in session.scalars(select(OutboxOp).where(OutboxOp.seq.in_([o.seq for o in sent]))):
            if row.state == OpState.IN_FLIGHT:  # the server answered nothing about it
                row.state = OpState.PENDING
        if gap:
            outcome.renumbered = _renumber(session, response.last_seq + 1)
    return outcome


def _done(session: Session, row: OutboxOp, result: MutationResult, role: Role) -> Changes:
    row.state, row.push_seq, row.last_error, row.updated_at = OpState.DONE, None, "", utcnow()
    changes = Changes(frozenset({row.case_id}), list_changed=True, outbox_changed=True)
    if row.kind in OPTIMISTIC_ACTIVITY:
        local = session.get(ActivityRow, row.op_id)  # the server's entry comes with the feed
        if local is not None:
            session.delete(local)
    if result.case is not None:
        session.flush()  # the op is done: the rebase must not replay it
        server_state.upsert_case(session, result.case)
    if result.comment is not None and session.get(CaseRow, row.case_id) is not None:
        server_state.upsert_comment(session, result.comment)  # else the feed brings it with its case
        staff_changes.drop_deleted_notes(session, row.case_id)  # a note deleted while it was sent
    verdict = conflicts.judge_applied(row.kind, row.payload, result.case, row.base_status, role)
    if verdict is not None:
        changes |= conflicts.record(session, row.case_id, row.op_id, verdict)
    return changes


def _refused(session: Session, row: OutboxOp, result: MutationResult, role: Role) -> Changes:
    error = result.error or ErrorOut(code="conflict", message=_("The server refused this change."))
    verdict = conflicts.judge_refusal(row.kind, row.payload, error, result.case, role)
    row.push_seq, row.updated_at = None, utcnow()
    if verdict.done:
        row.state, row.last_error = OpState.DONE, ""
        local = session.get(ActivityRow, row.op_id)
        if local is not None:
            session.delete(local)
    else:
        row.state, row.last_error = OpState.FAILED, verdict.message
    if result.case is not None:
        session.flush()  # the op is no longer waiting: the rebase must not replay it
        server_state.upsert_case(session, result.case)
    return conflicts.record(session, row.case_id, row.op_id, verdict)


def renumber(db: CacheDB, first: int) -> int:
    with db.transaction() as session:
        return _renumber(session, first)


def _renumber(session: Session, first: int) -> int:
    """Number the waiting ops that have numbers again from `first`, keeping their order."""
    rows = session.scalars(
        select(OutboxOp).where(OutboxOp.push_seq.is_not(None)).order_by(OutboxOp.push_seq)
    ).all()
    for row in rows:  # two steps: the unique index must never see two rows with one number
        row.push_seq = -row.push_seq
    session.flush()
    next_seq = first
    for row in rows:
        row.push_seq = next_seq
        next_seq += 1
    meta.put(session, NEXT_PUSH_SEQ, str(next_seq))
    return len(rows)


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
        op.push_seq = None  # a retry goes out under a new number
        op.updated_at = utcnow()
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


def mark_done(db: CacheDB, seq: int, answer: CaseOut | CommentOut | ActivityOut | None) -> Changes:
    """The server applied it: store its answer (the number, the real state) in the same transaction."""
    with db.transaction() as session:
        op = session.get_one(OutboxOp, seq)
        op.state = OpState.DONE
        op.last_error = ""
        op.push_seq = None
        op.updated_at = utcnow()
        if op.kind in OPTIMISTIC_ACTIVITY:
            # The optimistic local activity entry gives way to the server's, which the feed brings.
            local = session.get(ActivityRow, op.op_id)
            if local is not None:
                session.delete(local)
        if isinstance(answer, CaseOut):
            session.flush()  # the op is done: the rebase must not replay it
            server_state.upsert_case(session, answer)
        elif isinstance(answer, CommentOut):
            server_state.upsert_comment(session, answer)
        return Changes(frozenset({op.case_id}), list_changed=True, outbox_changed=True)


MIN_OP_PREFIX = 4


def find_op(db: CacheDB, reference: str) -> str:
    """The id of the unsent or refused change `reference` names: its id or a unique start of it
    (as git takes a commit's). LookupError, in words, for none, several, or too short."""
    wanted = reference.strip().lower()
    if len(wanted) < MIN_OP_PREFIX:
        raise LookupError(_("'{reference}' is too short to name a change: give at least {count} characters of its id "
                            "(`casedesktop outbox` lists the refused ones).").format(reference=reference,
                                                                                   count=MIN_OP_PREFIX))
    with db.reading() as session:
        found = session.scalars(
            select(OutboxOp.op_id)
            .where(OutboxOp.op_id.startswith(wanted, autoescape=True), OutboxOp.state != OpState.DONE)
            .limit(2)
        ).all()
    if not found:
        raise LookupError(_("No unsent or refused change has an id starting with '{reference}': it was sent or "
                            "discarded already, or the id is mistyped (`casedesktop outbox` lists them).")
                          .format(reference=reference))
    if len(found) > 1:
        raise LookupError(_("Several changes have ids starting with '{reference}': give more of the id.")
                          .format(reference=reference))
    return found[0]


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
            raise ValueError(_("That change is being sent right now; try again in a moment."))
        if op.state == OpState.DONE:
            raise ValueError(_("The server already has that change; it can no longer be taken back."))
        if op.push_seq is not None:
            raise ValueError(_("That change was sent and may have reached the server; sync first."))
        if op.kind == "create_case" and session.scalar(
            select(func.count()).where(OutboxOp.case_id == op.case_id, OutboxOp.seq != op.seq,
                                       OutboxOp.state != OpState.DONE)
        ):
            raise ValueError(_("The case has other unsent changes; discard those first."))
        for model in (CommentRow, ActivityRow, AttachmentRow, UploadSession):
            entity = session.get(model, op.op_id)
            if entity is not None:
                session.delete(entity)
        if op.kind == "delete_comment":
            staff_changes.restore_note(session, op)  # the deletion taken back: the note is back
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


def waiting_journal_ops(db: CacheDB) -> list[JournalOp]:
    """What the outbox journal must keep: every op not done, in the order it was made."""
    with db.reading() as session:
        rows = session.scalars(
            select(OutboxOp).where(OutboxOp.state != OpState.DONE).order_by(OutboxOp.seq)
        )
        return [JournalOp.of(r) for r in rows]


def compact_journal(db: CacheDB) -> None:
    with db.reading() as session:
        identity = meta.load_identity(session)
    record = {}
    if identity is not None:
        record = {"server_url": identity.server_url, "user_id": identity.user_id,
                  "email": identity.email, "name": identity.name, "role": identity.role.value}
    db.journal.compact(record, waiting_journal_ops(db))



def ready(db: CacheDB, seq: int) -> bool:
    """The op is pending and nothing of its case made before it is still to be sent or refused."""
    with db.reading() as session:
        op = session.get(OutboxOp, seq)
        if op is None or op.state != OpState.PENDING:
            return False
        earlier = session.scalar(
            select(func.count()).where(
                OutboxOp.case_id == op.case_id, OutboxOp.seq < seq, OutboxOp.state != OpState.DONE
            )
        )
        return not earlier


def finish_one(db: CacheDB, seq: int, result: MutationResult) -> Changes:
    """Store the answer to one op sent on its own (per-entity endpoints, uploads)."""
    with db.transaction() as session:
        row = session.get(OutboxOp, seq)
        if row is None or row.state != OpState.IN_FLIGHT:
            return Changes()
        role = Role(meta.get(session, meta.USER_ROLE, Role.CUSTOMER.value) or Role.CUSTOMER.value)
        if result.status in (MutationStatus.APPLIED, MutationStatus.DUPLICATE):
            return _done(session, row, result, role)
        return _refused(session, row, result, role)


def prune_done(db: CacheDB, keep: timedelta = timedelta(days=7)) -> int:
    """Forget ops the server confirmed more than `keep` ago (nothing refers to them any more)."""
    with db.transaction() as session:
        result = session.execute(
            delete(OutboxOp).where(OutboxOp.state == OpState.DONE, OutboxOp.updated_at < utcnow() - keep)
        )
        return result.rowcount or 0

