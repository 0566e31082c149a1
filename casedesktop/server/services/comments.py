"""Replies and internal notes; a customer's reply hands a waiting case back to staff."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import CommentCreate, CommentOut, ErrorCode
from casedesktop.domain import CommentKind, Status, status_after_reply, validate_reply
from casedesktop.server.errors import ApiError
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


def list_comments(session: Session, user: CurrentUser, case_id: uuid.UUID) -> list[CommentOut]:
    get_visible_case(session, user, case_id)
    query = select(Comment).where(Comment.case_id == case_id)
    if not user.is_staff:
        query = query.where(Comment.kind != CommentKind.INTERNAL.value)
    rows = session.scalars(query.order_by(Comment.created_at))
    return [comment_out(row) for row in rows]
