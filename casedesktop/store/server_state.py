"""Applies what the server says (push answers and feed pages) to the cache; the server is the authority."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casedesktop.api import ActivityOut, CaseOut, ChangesPage, CommentOut
from casedesktop.store import meta
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.models import ActivityRow, CaseRow, CommentRow
from casedesktop.store.types import utcnow

_CASE_FIELDS = (
    "number", "account_name", "reported_by_name", "subject", "description", "product", "escalated",
    "close_requested", "owner_name", "resolution_summary", "resolution_root_cause", "resolution_type",
    "created_at", "updated_at", "resolved_at", "closed_at", "contact_name", "contact_email", "environment",
    "case_type", "category", "source",
)


def upsert_case(session: Session, case: CaseOut) -> bool:
    """Store the server's state of a case; True when its status changed here."""
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
    return status_changed


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
        for item in page.changes:
            if item.case is not None:
                case_ids.add(str(item.case.id))
                upsert_case(session, item.case)
            elif item.comment is not None:
                case_id = str(item.comment.case_id)
                if session.get(CaseRow, case_id) is None:
                    continue  # its case arrives on a later entry of the feed with a fuller state
                case_ids.add(case_id)
                if upsert_comment(session, item.comment) and str(item.comment.author_id) != me_user_id:
                    noticed.append(case_id)
            elif item.activity is not None:
                case_id = str(item.activity.case_id)
                if session.get(CaseRow, case_id) is None:
                    continue
                case_ids.add(case_id)
                if upsert_activity(session, item.activity) and str(item.activity.actor_id) != me_user_id:
                    noticed.append(case_id)
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
