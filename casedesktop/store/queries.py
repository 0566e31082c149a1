"""Reads the UI and the CLI need: the case list, one case in full, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import case as sql_case
from sqlalchemy import exists, func, or_, select, true

from casedesktop.i18n import _
from casedesktop.store.database import CacheDB
from casedesktop.store.list_sql import WAITING, CaseSummary, OpState, SyncState
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow, OutboxOp

if TYPE_CHECKING:
    from casedesktop.api import SlaOut


def _sync_state_of(entity_id) -> object:  # noqa: ANN001 - a SQL column expression
    """'failed', 'waiting' or 'synced' for the entity whose id is the op_id of an outbox entry."""
    failed = exists().where(OutboxOp.op_id == entity_id, OutboxOp.state == OpState.FAILED)
    waiting = exists().where(OutboxOp.op_id == entity_id, OutboxOp.state.in_(WAITING))
    return sql_case((failed, SyncState.FAILED), (waiting, SyncState.WAITING), else_=SyncState.SYNCED)


def _case_sync_state() -> object:
    """A case is waiting or failed when any change of it is."""
    failed = exists().where(OutboxOp.case_id == CaseRow.id, OutboxOp.state == OpState.FAILED)
    waiting = exists().where(OutboxOp.case_id == CaseRow.id, OutboxOp.state.in_(WAITING))
    return sql_case((failed, SyncState.FAILED), (waiting, SyncState.WAITING), else_=SyncState.SYNCED)




_SUMMARY_COLUMNS = (
    CaseRow.id, CaseRow.number, CaseRow.subject, CaseRow.status, CaseRow.severity, CaseRow.product,
    CaseRow.account_name, CaseRow.owner_name, CaseRow.escalated, CaseRow.unread, CaseRow.created_at,
    CaseRow.updated_at,
)


def list_cases(
    db: CacheDB,
    *,
    statuses: tuple[str, ...] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[CaseSummary]:
    """Cases newest first by last update."""
    query = select(*_SUMMARY_COLUMNS, _case_sync_state().label("sync_state"), CaseRow.close_requested)
    if statuses:
        query = query.where(CaseRow.status.in_(statuses))
    query = query.order_by(CaseRow.updated_at.desc(), CaseRow.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with db.reading() as session:
        return [CaseSummary(*row) for row in session.execute(query)]


def count_cases(db: CacheDB) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(CaseRow)) or 0


def resolve_case_ref(db: CacheDB, ref: str) -> str:
    """A case named by its number (CS-1001, case-insensitive), its id, or a unique id prefix."""
    ref = ref.strip()
    with db.reading() as session:
        found = session.scalars(
            select(CaseRow.id).where(or_(func.upper(CaseRow.number) == ref.upper(), CaseRow.id == ref))
        ).first()
        if found:
            return found
        if len(ref) >= 4:
            matches = session.scalars(select(CaseRow.id).where(CaseRow.id.startswith(ref)).limit(2)).all()
            if len(matches) == 1:
                return matches[0]
    raise LookupError(_("No case {case} in this profile; run `casedesktop cases list` to see them.").format(case=repr(ref)))


@dataclass(frozen=True)
class CommentView:
    id: str
    author_name: str
    author_role: str
    kind: str
    body: str
    created_at: datetime
    sync_state: str


@dataclass(frozen=True)
class ActivityView:
    id: str
    actor_name: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str
    created_at: datetime
    sync_state: str


@dataclass(frozen=True)
class AttachmentView:
    id: str
    comment_id: str | None
    filename: str
    size: int
    sha256: str
    content_type: str
    uploader_name: str
    created_at: datetime
    sync_state: str


@dataclass(frozen=True)
class CaseDetail:
    case: CaseRow
    sync_state: str
    comments: list[CommentView]
    activity: list[ActivityView]
    attachments: list[AttachmentView]


def case_detail(db: CacheDB, case_id: str) -> CaseDetail:
    with db.reading() as session:
        row = session.get(CaseRow, case_id)
        if row is None:
            raise LookupError(_("No case {case} in this profile.").format(case=case_id))
        state = session.scalar(select(_case_sync_state()).where(CaseRow.id == case_id))
        comments = [
            CommentView(*r)
            for r in session.execute(
                select(
                    CommentRow.id, CommentRow.author_name, CommentRow.author_role, CommentRow.kind,
                    CommentRow.body, CommentRow.created_at, _sync_state_of(CommentRow.id),
                )
                .where(CommentRow.case_id == case_id)
                .order_by(CommentRow.created_at, CommentRow.id)
            )
        ]
        activity = [
            ActivityView(*r)
            for r in session.execute(
                select(
                    ActivityRow.id, ActivityRow.actor_name, ActivityRow.action, ActivityRow.from_status,
                    ActivityRow.to_status, ActivityRow.reason, ActivityRow.created_at,
                    _sync_state_of(ActivityRow.id),
                )
                .where(ActivityRow.case_id == case_id)
                .order_by(ActivityRow.created_at, ActivityRow.id)
            )
        ]
        attachments = [
            AttachmentView(*r)
            for r in session.execute(
                select(
                    AttachmentRow.id, AttachmentRow.comment_id, AttachmentRow.filename, AttachmentRow.size,
                    AttachmentRow.sha256, AttachmentRow.content_type, AttachmentRow.uploader_name,
                    AttachmentRow.created_at, _sync_state_of(AttachmentRow.id),
                )
                .where(AttachmentRow.case_id == case_id)
                .order_by(AttachmentRow.created_at, AttachmentRow.filename)
            )
        ]
        return CaseDetail(row, state, comments, activity, attachments)


def case_sla(case: CaseRow) -> SlaOut | None:
    """The case's SLA standing as the server last sent it (staff's caches only); a view may work
    its state out again as time passes with domain.sla_standing."""
    from casedesktop.api import SlaOut  # pydantic's models: not on the list's path

    return SlaOut.model_validate_json(case.sla) if case.sla else None


def mark_read(db: CacheDB, case_id: str) -> bool:
    with db.transaction() as session:
        row = session.get(CaseRow, case_id)
        if row is None or not row.unread:
            return False
        row.unread = False
        return True


# `unread = 1` is the WHERE of the partial index ix_cases_unread (migration 0007): a count of the
# few unread rows, not a read of every case, each time the list changes.
UNREAD_COUNT = select(func.count()).select_from(CaseRow).where(CaseRow.unread == true())


def unread_count(db: CacheDB) -> int:
    """How many cases carry the unread mark (the list shows them bold with a dot; the tray counts them)."""
    with db.reading() as session:
        return session.scalar(UNREAD_COUNT) or 0
