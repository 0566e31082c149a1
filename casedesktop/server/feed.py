"""The change feed: what changed after a cursor, filtered to what the caller may see.

Each item carries the entity's current state. The cursor also moves past rows the caller may not
see, so a customer's client does not re-examine other accounts' changes on every pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casedesktop.api import ChangeItem, ChangesPage
from casedesktop.domain import CommentKind
from casedesktop.server.auth import CurrentUser
from casedesktop.server.models import Activity, Attachment, Case, ChangeLog, Comment
from casedesktop.server.rights import visible_changes
from casedesktop.server.serialize import activity_out, attachment_out, case_out, comment_out

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000

_Row = TypeVar("_Row", Case, Comment, Activity, Attachment)


def changes_page(session: Session, user: CurrentUser, cursor: int, limit: int) -> ChangesPage:
    # Read the high-water mark first: every row up to it is committed (see changelog.py), so
    # moving the cursor to it can never skip a change that commits later.
    high = session.scalar(select(func.max(ChangeLog.seq))) or 0
    rows = list(
        session.scalars(
            select(ChangeLog)
            .where(ChangeLog.seq > cursor, ChangeLog.seq <= high, visible_changes(user))
            .order_by(ChangeLog.seq)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].seq if has_more else max(cursor, high)
    return ChangesPage(changes=_items(session, user, rows), cursor=next_cursor, has_more=has_more)


def _items(session: Session, user: CurrentUser, rows: list[ChangeLog]) -> list[ChangeItem]:
    cases = _load(session, Case, (r.entity_id for r in rows if r.entity == "case"))
    comments = _load(session, Comment, (r.entity_id for r in rows if r.entity == "comment"))
    activities = _load(session, Activity, (r.entity_id for r in rows if r.entity == "activity"))
    files = _load(session, Attachment, (r.entity_id for r in rows if r.entity == "attachment"))
    items: list[ChangeItem] = []
    for row in rows:
        if row.entity == "case" and row.entity_id in cases:
            items.append(
                ChangeItem(seq=row.seq, entity="case", case=case_out(cases[row.entity_id]))
            )
        elif row.entity == "comment" and row.entity_id in comments:
            comment = comments[row.entity_id]
            if comment.kind == CommentKind.INTERNAL.value and not user.is_staff:
                continue  # staff_only already filters these; never risk sending one
            items.append(ChangeItem(seq=row.seq, entity="comment", comment=comment_out(comment)))
        elif row.entity == "activity" and row.entity_id in activities:
            activity = activity_out(activities[row.entity_id])
            items.append(ChangeItem(seq=row.seq, entity="activity", activity=activity))
        elif row.entity == "attachment" and row.entity_id in files:
            attachment = files[row.entity_id]
            if attachment.staff_only and not user.is_staff:
                continue  # as for internal notes: staff_only filters it already
            items.append(
                ChangeItem(seq=row.seq, entity="attachment", attachment=attachment_out(attachment))
            )
    return items


def _load(session: Session, model: type[_Row], ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, _Row]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
