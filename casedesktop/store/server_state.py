"""Applies what the server says (push answers and feed pages) to the cache; the server is the authority."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import (
    ActionRequest,
    ActivityOut,
    AttachmentOut,
    CaseOut,
    ChangesPage,
    CommentCreate,
    CommentOut,
)
from casedesktop.domain import (
    ActionInput,
    CaseState,
    CommentKind,
    MissingField,
    Role,
    Status,
    TransitionError,
    apply_action,
    status_after_reply,
)
from casedesktop.store import meta
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow, OutboxOp
from casedesktop.store.types import utcnow

_WAITING = ("pending", "in_flight")  # outbox.WAITING (outbox imports this module)

_CASE_FIELDS = (
    "number", "account_name", "reported_by_name", "subject", "description", "product", "escalated",
    "close_requested", "owner_name", "resolution_summary", "resolution_root_cause", "resolution_type",
    "created_at", "updated_at", "resolved_at", "closed_at", "contact_name", "contact_email", "environment",
    "case_type", "category", "source",
)


def upsert_case(session: Session, case: CaseOut, *, rebase: bool = True) -> bool:
    """Store the server's state of a case; True when its status changed here.

    With `rebase`, the user's changes still waiting to be sent are then replayed on top
    (`rebase_case`), so the row shows the server's state plus the user's own unsent work.
    """
    row = session.get(CaseRow, str(case.id))
    status_changed = row is not None and row.status != case.status
    if row is None:
        row = CaseRow(id=str(case.id))
        session.add(row)
    for name in _CASE_FIELDS:
        setattr(row, name, getattr(case, name))
    row.account_id = str(case.account_id)
    row.parent_case_id = str(case.parent_case_id) if case.parent_case_id else None
    row.status = case.status.value
    row.severity = case.severity.value
    row.priority = case.priority.value if case.priority else None
    row.cc_emails = ", ".join(case.cc_emails)
    if rebase:
        rebase_case(session, row)
    return status_changed


def rebase_case(session: Session, row: CaseRow) -> None:
    """Replay the waiting changes of this case, in order, on the server's state just stored.

    As Replicache rebases pending mutations on a new server snapshot: an action the new state
    no longer allows is skipped here (the server will refuse it, and conflicts.py tells the user);
    one already applied on the server (sent, answer not yet back) is skipped by the same rule.
    """
    ops = session.scalars(
        select(OutboxOp)
        .where(OutboxOp.case_id == row.id, OutboxOp.state.in_(_WAITING))
        .order_by(OutboxOp.seq)
    ).all()
    if not ops:
        return
    role = _my_role(session)
    for op in ops:
        try:
            if op.kind == "action":
                request = ActionRequest.model_validate_json(op.payload)
                state = CaseState(Status(row.status), row.escalated, row.close_requested)
                transition = apply_action(request.action, state, role, _input_of(request), op.created_at)
                for name, value in transition.changes.items():
                    if name != "survey":
                        setattr(row, name, value.value if isinstance(value, StrEnum) else value)
            elif op.kind == "add_comment":
                comment = CommentCreate.model_validate_json(op.payload)
                if comment.kind == CommentKind.REPLY:
                    row.status = status_after_reply(Status(row.status), role).value
        except (ValidationError, ValueError, TransitionError, MissingField):
            continue


def _input_of(request: ActionRequest) -> ActionInput:
    return ActionInput(
        reason=request.reason,
        summary=request.summary,
        root_cause=request.root_cause,
        resolution_type=request.resolution_type,
        parent_case_id=str(request.parent_case_id) if request.parent_case_id else "",
        survey=dict(request.survey),
    )


def _my_role(session: Session) -> Role:
    if "casedesktop_role" not in session.info:
        value = meta.get(session, meta.USER_ROLE, Role.CUSTOMER.value)
        session.info["casedesktop_role"] = Role(value) if value in Role.__members__.values() else Role.CUSTOMER
    return session.info["casedesktop_role"]


def upsert_attachment(session: Session, attachment: AttachmentOut) -> bool:
    """Store the server's record of a file (its bytes are fetched on demand); True when new here."""
    row = session.get(AttachmentRow, str(attachment.id))
    is_new = row is None
    if row is None:
        row = AttachmentRow(id=str(attachment.id), case_id=str(attachment.case_id))
        session.add(row)
    row.comment_id = str(attachment.comment_id) if attachment.comment_id else None
    row.filename = attachment.filename
    row.size = attachment.size
    row.sha256 = attachment.sha256
    row.content_type = attachment.content_type
    row.uploader_name = attachment.uploader_name
    row.staff_only = attachment.staff_only
    row.created_at = attachment.created_at
    return is_new


def upsert_comment(session: Session, comment: CommentOut) -> bool:
    """Store a comment; True when it is new to this cache."""
    row = session.get(CommentRow, str(comment.id))
    is_new = row is None
    if row is None:
        row = CommentRow(id=str(comment.id), case_id=str(comment.case_id))
        session.add(row)
    row.author_name = comment.author_name
    row.author_role = comment.author_role.value
    row.kind = comment.kind.value
    row.body = comment.body
    row.created_at = comment.created_at
    return is_new


def upsert_activity(session: Session, activity: ActivityOut) -> bool:
    row = session.get(ActivityRow, str(activity.id))
    is_new = row is None
    if row is None:
        row = ActivityRow(id=str(activity.id), case_id=str(activity.case_id))
        session.add(row)
    row.actor_name = activity.actor_name
    row.action = activity.action
    row.from_status = activity.from_status.value if activity.from_status else None
    row.to_status = activity.to_status.value if activity.to_status else None
    row.reason = activity.reason
    row.created_at = activity.created_at
    return is_new


def apply_page(db: CacheDB, page: ChangesPage, me_user_id: str) -> Changes:
    """One feed page and its cursor in one transaction: a crash never skips or half-applies a page."""
    case_ids: set[str] = set()
    noticed: list[str] = []
    with db.transaction() as session:
        first_download = meta.get(session, meta.CAUGHT_UP) != "1"
        known_cases: set[str] = set()  # cases of this page: no lookup needed for their rows
        # No autoflush: every lookup would otherwise flush the rows before it one by one (the
        # pull benchmark spent 80 % of its time there); rows are flushed once per case instead.
        with session.no_autoflush:
            for item in page.changes:
                if item.case is not None:
                    case_ids.add(str(item.case.id))
                    upsert_case(session, item.case, rebase=False)  # rebased once, below
                    known_cases.add(str(item.case.id))
                    # Without relationships the unit of work does not order cases before the rows
                    # that refer to them: write the case (and what came before it) now.
                    session.flush()
                elif item.comment is not None:
                    case_id = str(item.comment.case_id)
                    if case_id not in known_cases and session.get(CaseRow, case_id) is None:
                        continue  # its case arrives on a later entry of the feed with a fuller state
                    case_ids.add(case_id)
                    if upsert_comment(session, item.comment) and str(item.comment.author_id) != me_user_id:
                        noticed.append(case_id)
                elif item.activity is not None:
                    case_id = str(item.activity.case_id)
                    if case_id not in known_cases and session.get(CaseRow, case_id) is None:
                        continue
                    case_ids.add(case_id)
                    if upsert_activity(session, item.activity) and str(item.activity.actor_id) != me_user_id:
                        noticed.append(case_id)
                elif item.attachment is not None:
                    case_id = str(item.attachment.case_id)
                    if case_id not in known_cases and session.get(CaseRow, case_id) is None:
                        continue
                    case_ids.add(case_id)
                    upsert_attachment(session, item.attachment)
        waiting = set(
            session.scalars(select(OutboxOp.case_id).where(OutboxOp.state.in_(_WAITING)).distinct())
        )
        for case_id in case_ids & waiting:
            row = session.get(CaseRow, case_id)
            if row is not None:
                rebase_case(session, row)
        if first_download:
            noticed.clear()  # the first download is history, not news
        for case_id in set(noticed):
            session.get_one(CaseRow, case_id).unread = True
        meta.put(session, meta.CURSOR, str(page.cursor))
        if not page.has_more:
            meta.put(session, meta.CAUGHT_UP, "1")
        meta.put(session, meta.LAST_SYNC, utcnow().isoformat())
    return Changes(
        frozenset(case_ids),
        list_changed=bool(case_ids),
        new_staff_activity=tuple(dict.fromkeys(noticed)),
    )
