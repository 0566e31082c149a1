"""The change feed: what changed after a cursor, filtered to what the caller may see.

Each item carries the entity's current state. The cursor also moves past rows the caller may not
see, so a customer's client does not re-examine other accounts' changes on every pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from casedesktop.api import ChangeItem, ChangesPage
from casedesktop.domain import CommentKind
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import (
    Account,
    Activity,
    Attachment,
    Case,
    ChangeLog,
    Comment,
    Contact,
    User,
)
from casedesktop.server.services.rights import visible_changes
from casedesktop.server.services.serialize import (
    activity_out,
    attachment_out,
    case_out,
    comment_out,
)

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000

_Row = TypeVar("_Row", Case, Comment, Activity, Attachment)
_HIGH = select(func.max(ChangeLog.__table__.c.seq))


def changes_page(session: Session, user: CurrentUser, cursor: int, limit: int) -> ChangesPage:
    # Read the high-water mark first: every row up to it is committed (see changelog.py), so
    # moving the cursor to it can never skip a change that commits later.
    high = session.execute(_HIGH).scalar() or 0
    # Plain rows, not ORM objects: only these three columns are needed, and it is the hot path.
    rows = session.execute(
        select(ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id)
        .where(ChangeLog.seq > cursor, ChangeLog.seq <= high, visible_changes(user))
        .order_by(ChangeLog.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].seq if has_more else max(cursor, high)
    return ChangesPage(changes=_items(session, user, rows), cursor=next_cursor, has_more=has_more)


def _items(session: Session, user: CurrentUser, rows: Sequence[Row[Any]]) -> list[ChangeItem]:
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


def _load(session: Session, model: type[_Row], ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The rows of `model` with these ids, as light read-only objects with the same attributes
    as the ORM's (and the related users, account and contact case_out & co. read), from one
    plain query: the feed is the server's hottest read, and ORM objects cost far more here."""
    wanted = set(ids)
    if not wanted:
        return {}
    query, nested = _QUERIES[model]
    loaded: dict[uuid.UUID, Any] = {}
    for row in session.execute(query, {"ids": list(wanted)}):
        values = row._asdict()
        for name, (marker, fields) in nested.items():
            present = values.pop(marker) is not None
            parts = {field: values.pop(f"{name}__{field}") for field in fields}
            values[name] = SimpleNamespace(**parts) if present else None
        loaded[values["id"]] = SimpleNamespace(**values)
    return loaded


def _feed_query(model: type[_Row], joins: dict[str, tuple[Any, Any, tuple[str, ...], bool]]):  # noqa: ANN202
    """select(model's columns, and for each related row `name`: its `fields`) with the joins
    the ORM relationships make (inner where the relationship is innerjoin)."""
    table = model.__table__
    columns: list[Any] = list(table.c)
    source: Any = table
    nested: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, (related, on, fields, inner) in joins.items():
        marker = f"{name}__present"
        columns.append(related.c.id.label(marker))
        columns += [related.c[field].label(f"{name}__{field}") for field in fields]
        source = source.join(related, on) if inner else source.outerjoin(related, on)
        nested[name] = (marker, fields)
    query = (
        select(*columns).select_from(source).where(table.c.id.in_(bindparam("ids", expanding=True)))
    )
    return query, nested


def _build_queries() -> dict[type, tuple[Any, dict[str, tuple[str, ...]]]]:
    cases, users = Case.__table__, User.__table__
    reporter, owner = users.alias("reporter"), users.alias("owner")
    accounts, contacts = Account.__table__, Contact.__table__
    comments, activities, files = Comment.__table__, Activity.__table__, Attachment.__table__
    author, actor, uploader = users.alias("author"), users.alias("actor"), users.alias("uploader")
    return {
        Case: _feed_query(
            Case,
            {
                "account": (accounts, accounts.c.id == cases.c.account_id, ("name",), True),
                "reporter": (
                    reporter,
                    reporter.c.id == cases.c.reported_by,
                    ("name", "email"),
                    True,
                ),
                "owner": (owner, owner.c.id == cases.c.owner_id, ("name",), False),
                "contact": (
                    contacts,
                    contacts.c.id == cases.c.contact_id,
                    ("name", "email", "phone"),
                    False,
                ),
            },
        ),
        Comment: _feed_query(
            Comment,
            {"author": (author, author.c.id == comments.c.author_id, ("name", "role"), False)},
        ),
        Activity: _feed_query(
            Activity,
            {"actor": (actor, actor.c.id == activities.c.actor_id, ("name", "role"), False)},
        ),
        Attachment: _feed_query(
            Attachment,
            {"uploader": (uploader, uploader.c.id == files.c.uploader_id, ("name", "role"), False)},
        ),
    }


_QUERIES = _build_queries()
