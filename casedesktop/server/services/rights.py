"""Who may see which case: customers see their accounts' cases, staff see every case.

A case the caller may not see is answered exactly like a case that does not exist (404).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.orm import Session

from casedesktop.server.errors import not_found
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Attachment, Case, ChangeLog, Comment, Upload


def visible_cases(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_staff:
        return true()
    return Case.account_id.in_(user.account_ids)


def visible_changes(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_staff:
        return true()
    return ChangeLog.account_id.in_(user.account_ids) & ChangeLog.staff_only.is_(False)


def on_a_kept_note() -> ColumnElement[bool]:
    """An attachment not attached to a deleted note (a file goes with its deleted note)."""
    deleted = exists().where(Comment.id == Attachment.comment_id, Comment.deleted_at.is_not(None))
    return ~deleted


def get_visible_case(
    session: Session, user: CurrentUser, case_id: uuid.UUID, *, for_update: bool = False
) -> Case:
    """The case, or 404 if it does not exist or the caller may not see it.

    `for_update` locks the row on PostgreSQL so concurrent actions apply one after the other
    (SQLite write transactions are already serialized).
    """
    query = select(Case).where(Case.id == case_id, visible_cases(user))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalar(query)
    if case is None:
        raise not_found()
    return case


def get_visible_attachment(
    session: Session, user: CurrentUser, attachment_id: uuid.UUID
) -> Attachment:
    """The attachment, or 404: its case must be visible, and customers never get a staff-only
    file (one attached to an internal note) — not even the fact that it exists."""
    query = (
        select(Attachment)
        .join(Case, Case.id == Attachment.case_id)
        .where(Attachment.id == attachment_id, visible_cases(user), on_a_kept_note())
    )
    if not user.is_staff:
        query = query.where(Attachment.staff_only.is_(False))
    attachment = session.scalar(query)
    if attachment is None:
        raise not_found("attachment")
    return attachment


def get_own_upload(
    session: Session, user: CurrentUser, upload_id: uuid.UUID, *, for_update: bool = False
) -> Upload:
    """An upload exists only for the person who started it, while they may still see its case."""
    query = (
        select(Upload)
        .join(Case, Case.id == Upload.case_id)
        .where(Upload.id == upload_id, Upload.uploader_id == user.id, visible_cases(user))
    )
    if for_update:
        query = query.with_for_update(of=Upload)
    upload = session.scalar(query)
    if upload is None:
        raise not_found("upload")
    return upload
