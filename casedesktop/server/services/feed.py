"""The change feed: what changed after a cursor, filtered to what the caller may see.

Each item carries the entity's current state. The cursor also moves past rows the caller may not
see, so a customer's client does not re-examine other accounts' changes on every pull.

Pages are cached briefly (`PAGE_TTL`) per database, keyed by what decides their content: the
audience (staff, or a customer's set of accounts: internal notes never reach a customer's
page), the cursor, the limit and the feed's high-water mark. Every change to a case, comment or
attachment appends to the log and so moves the mark; the TTL bounds how long a page may show
what is not logged (a user's or contact's new name). Many clients of one account asking for the
same page (a long-poll wake-up, the benchmark) then cost one build, and each a look-up; the
page's JSON is encoded once too (`page_json`). `page_as` reads the auth epoch and the mark with
one statement: a pull answered from the cache makes one query.

What it bought, server CPU per change-feed request under `python -m bench --only server
--quick` (50 clients, 2 shared cores, load average 2-6, so +-25 %): each page built and encoded
per request 4.6-5.8 ms (SQLite), 4.5 ms (PostgreSQL); cached pages 0.76-0.93 ms and 1.1-1.4 ms;
with the JSON cached, one query and (PostgreSQL) no BEGIN/ROLLBACK 0.68-0.82 ms and
0.93-1.27 ms. Single-threaded, a cached pull costs 0.12 ms of that (SQLite), building a page of
20 items 1.6 ms; the rest is the framework and the trip to a worker thread.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from pydantic import PrivateAttr, TypeAdapter
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from casedesktop.api import ChangeItem, ChangesPage
from casedesktop.domain import CommentKind
from casedesktop.server.auth import caller_at
from casedesktop.server.db import SHARED, Sessions
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
    viewer_of,
)
from casedesktop.server.tokencache import EPOCH

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
PAGE_TTL = 1.0  # seconds a built page is answered from the cache
CACHE_ITEMS = 50_000  # items kept in cached pages, all together (a page of 500 is ~0.5 MB)
CACHE_KEY = "feed_pages"  # in db.Sessions.shared

_Row = TypeVar("_Row", Case, Comment, Activity, Attachment)
_PAGE = TypeAdapter(ChangesPage)
_HIGH = select(func.max(ChangeLog.__table__.c.seq))
_EPOCH_AND_HIGH = select(EPOCH.scalar_subquery(), _HIGH.scalar_subquery())


def page_as(
    sessions: Sessions, token: str, cursor: int, limit: int
) -> tuple[CurrentUser, ChangesPage]:
    """The token's holder (or 401) and their page after `cursor`: the feed's hot path.

    One statement reads both the auth epoch (tokencache.py) and the feed's high-water mark, and
    a page built for the same audience at the same mark comes from the cache: a pull that finds
    its page costs one query. Each statement runs on its own (`Sessions.latest_reader`): the
    mark is read first, and every row up to it has committed, so nothing here needs a snapshot."""
    with sessions.latest_reader() as session:
        epoch, high = session.connection().execute(_EPOCH_AND_HIGH).one()
        user = caller_at(session, sessions.token_cache, token, epoch or 0)
        return user, _page(session, user, cursor, limit, high or 0)


def changes_page(session: Session, user: CurrentUser, cursor: int, limit: int) -> ChangesPage:
    """The page after `cursor` for a caller already checked in this session."""
    # Read the high-water mark first: every row up to it is committed (see changelog.py), so
    # moving the cursor to it can never skip a change that commits later.
    return _page(session, user, cursor, limit, session.connection().execute(_HIGH).scalar() or 0)


def _page(session: Session, user: CurrentUser, cursor: int, limit: int, high: int) -> ChangesPage:
    cache = _cache_of(session)
    if cache is None:
        return _build_page(session, user, cursor, limit, high)
    audience = "staff" if user.is_staff else user.account_ids
    key = (audience, cursor, limit, high)
    page = cache.get(key)
    if page is None:
        page = _build_page(session, user, cursor, limit, high)
        cache.put(key, page)
    return page


def _build_page(
    session: Session, user: CurrentUser, cursor: int, limit: int, high: int
) -> ChangesPage:
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
    return FeedPage(changes=_items(session, user, rows), cursor=next_cursor, has_more=has_more)


class FeedPage(ChangesPage):
    """A page as `changes_page` builds it: its JSON is encoded once, for every caller it is
    answered to from the cache (`page_json`)."""

    _json: bytes | None = PrivateAttr(default=None)


def page_json(page: ChangesPage) -> bytes:
    """The page as the response body (what FastAPI would send for the model)."""
    if isinstance(page, FeedPage):
        if page._json is None:
            page._json = _PAGE.dump_json(page)
        return page._json
    return _PAGE.dump_json(page)


def _cache_of(session: Session) -> PageCache | None:
    shared = session.info.get(SHARED)
    if shared is None:  # a session not made by db.Sessions
        return None
    return shared.get(CACHE_KEY) or shared.setdefault(CACHE_KEY, PageCache())


class PageCache:
    """Built pages by key for PAGE_TTL seconds, at most CACHE_ITEMS items in all (the least
    recently used go first); safe across threads. Hold pages as read-only: they are shared."""

    def __init__(self, ttl: float = PAGE_TTL, max_items: int = CACHE_ITEMS):
        self.ttl = ttl
        self.max_items = max_items
        self._pages: OrderedDict[Hashable, tuple[float, ChangesPage]] = OrderedDict()
        self._items = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> ChangesPage | None:
        now = time.monotonic()
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] <= now:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, page: ChangesPage) -> None:
        expires = time.monotonic() + self.ttl
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (expires, page)
            self._items += len(page.changes) + 1
            while self._items > self.max_items and self._pages:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: Hashable) -> None:
        _expires, page = self._pages.pop(key)
        self._items -= len(page.changes) + 1

    def __len__(self) -> int:
        return len(self._pages)


def _items(session: Session, user: CurrentUser, rows: Sequence[Row[Any]]) -> list[ChangeItem]:
    cases = _load(session, Case, (r.entity_id for r in rows if r.entity == "case"))
    comments = _load(session, Comment, (r.entity_id for r in rows if r.entity == "comment"))
    activities = _load(session, Activity, (r.entity_id for r in rows if r.entity == "activity"))
    files = _load(session, Attachment, (r.entity_id for r in rows if r.entity == "attachment"))
    # Staff read triage and service levels in a case; the page is cached for all staff alike.
    viewer = viewer_of(session, user) if cases else None
    items: list[ChangeItem] = []
    for row in rows:
        if row.entity == "case" and row.entity_id in cases and viewer is not None:
            case = case_out(cases[row.entity_id], viewer)
            items.append(ChangeItem(seq=row.seq, entity="case", case=case))
        elif row.entity == "comment" and row.entity_id in comments:
            comment = comments[row.entity_id]
            if comment.kind == CommentKind.INTERNAL.value and not user.is_staff:
                continue  # staff_only already filters these; never risk sending one
            items.append(ChangeItem(seq=row.seq, entity="comment", comment=comment_out(comment)))
        elif row.entity == "activity" and row.entity_id in activities:
            if activities[row.entity_id].staff_only and not user.is_staff:
                continue  # as for internal notes: staff_only filters it already
            activity = activity_out(activities[row.entity_id])
            items.append(ChangeItem(seq=row.seq, entity="activity", activity=activity))
        elif row.entity == "attachment" and row.entity_id in files:
            attachment = files[row.entity_id]
            if attachment.staff_only and not user.is_staff:
                continue  # as for internal notes: staff_only filters it already
            if attachment.note is not None and attachment.note.deleted_at is not None:
                continue  # a file of a deleted note goes with it
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
    note = comments.alias("note")
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
            {
                "uploader": (uploader, uploader.c.id == files.c.uploader_id, ("name", "role"), False),
                "note": (note, note.c.id == files.c.comment_id, ("deleted_at",), False),
            },
        ),
    }


_QUERIES = _build_queries()
