"""Replies and internal notes; a customer's reply hands a waiting case back to staff, staff's
first reply is the case's first response, and staff may delete their own internal notes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import CommentCreate, CommentOut, ErrorCode
from casedesktop.domain import CommentKind, Status, status_after_reply, validate_reply
from casedesktop.server.errors import ApiError, not_found
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Activity, Case, Comment
from casedesktop.server.services import changelog
from casedesktop.server.services.cases import client_time
from casedesktop.server.services.rights import get_visible_case
from casedesktop.server.services.serialize import comment_out


def add_comment(
    session: Session, user: CurrentUser, case_id: uuid.UUID, data: CommentCreate, now: datetime
) -> tuple[CommentOut, bool]:
    """Add a comment, or return the same one if this id was already posted (created=False)."""
    case = get_visible_case(session, user, case_id, for_update=True)
    # The request is checked before the replay look-up: a replay answers 200 only when valid.
    kind = CommentKind(data.kind)
    if kind is CommentKind.INTERNAL and not user.is_staff:
        raise ApiError(403, ErrorCode.FORBIDDEN, "Only staff can write internal notes.")
    problems = validate_reply(data.body)
    if problems:
        raise ApiError(422, ErrorCode.VALIDATION, problems[0].message, field=problems[0].field)
    existing = session.get(Comment, data.id)
    if existing is not None:
        if existing.author_id != user.id or existing.case_id != case.id:
            raise ApiError(
                409, ErrorCode.CONFLICT, "This comment id is already used by another comment."
            )
        return comment_out(existing), False

    comment = Comment(
        id=data.id,
        case_id=case.id,
        author_id=user.id,
        kind=kind.value,
        body=data.body,
        # Never before the case itself: the reply would sort ahead of the case's own history.
        created_at=client_time(data.created_at, now, not_before=case.created_at),
    )
    session.add(comment)
    changed: list[Case | Comment | Activity] = [comment]
    if kind is CommentKind.REPLY:
        # Internal notes leave the case alone, so customers see no trace of them.
        if user.is_staff:
            note_first_response(case, comment.created_at)
        changed = [case, comment, *_status_after_reply(session, user, case, now)]
    changelog.record(session, case, *changed)
    return comment_out(comment), True


def _status_after_reply(
    session: Session, user: CurrentUser, case: Case, now: datetime
) -> list[Activity]:
    case.updated_at = now
    before = Status(case.status)
    after = status_after_reply(before, user.role)
    if after is before:
        return []
    case.status = after.value
    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action="reply",
        from_status=before.value,
        to_status=after.value,
        reason="",
        created_at=now,
    )
    session.add(activity)
    return [activity]


def note_first_response(case: Case, when: datetime) -> None:
    """A public staff reply at `when`: the case's first response, unless an earlier one came
    (a reply made offline may arrive after a later one)."""
    if case.first_response_at is None or when < case.first_response_at:
        case.first_response_at = when


def list_comments(session: Session, user: CurrentUser, case_id: uuid.UUID) -> list[CommentOut]:
    """The case's comments; internal notes for staff only, deleted notes for nobody."""
    get_visible_case(session, user, case_id)
    query = select(Comment).where(Comment.case_id == case_id, Comment.deleted_at.is_(None))
    if not user.is_staff:
        query = query.where(Comment.kind != CommentKind.INTERNAL.value)
    rows = session.scalars(query.order_by(Comment.created_at))
    return [comment_out(row) for row in rows]


DELETE_NOTE = "delete-note"  # the activity entry's action (domain.STAFF_ONLY_ACTIVITIES)


def delete_note(
    session: Session, user: CurrentUser, case_id: uuid.UUID, comment_id: uuid.UUID, now: datetime
) -> bool:
    """Delete the caller's own internal note: its text goes, its row stays as a marker that the
    change feed sends to staff (never to customers), with a staff-only activity entry. Deleting
    it again does nothing and answers the same (False: nothing changed now)."""
    case = get_visible_case(session, user, case_id, for_update=True)
    if not user.is_staff:  # before looking at the comment: a customer learns nothing of notes
        raise ApiError(403, ErrorCode.FORBIDDEN, "Only support staff can delete internal notes.")
    comment = session.get(Comment, comment_id)
    if comment is None or comment.case_id != case.id:
        raise not_found("comment")
    if comment.kind != CommentKind.INTERNAL.value:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            "Only internal notes can be deleted; a reply stays, as the customer may have read it.",
        )
    if comment.author_id != user.id:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, "You can delete only your own internal notes."
        )
    if comment.deleted_at is not None:
        return False
    comment.body = ""
    comment.deleted_at = now
    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action=DELETE_NOTE,
        from_status=case.status,
        to_status=case.status,
        reason="internal note deleted",
        created_at=now,
        details={"comment_id": str(comment.id)},
        staff_only=True,
    )
    session.add(activity)
    changelog.record(session, case, comment, activity)
    return True
