"""Applies what the server says (push answers and feed pages) to the cache; the server is the authority."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from operator import itemgetter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, select, update
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
    CaseState,
    CommentKind,
    MissingField,
    Role,
    Status,
    TransitionError,
    apply_action,
    safe_filename,
    status_after_reply,
)
from casedesktop.store import meta, staff_changes
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


# What the server's state sets on a row already here; the rest (the id, the case a comment, event
# or file belongs to, a case's unread mark) stays as first stored. One list for both ways of
# storing: one entity at a time (the upsert_* functions) and a whole feed page (apply_page).
_CASE_SET = (
    *_CASE_FIELDS, "account_id", "parent_case_id", "status", "severity", "priority", "cc_emails", "owner_id", "sla",
)
_COMMENT_SET = ("author_name", "author_id", "author_role", "kind", "body", "created_at")
_ACTIVITY_SET = ("actor_name", "action", "from_status", "to_status", "reason", "created_at")
_ATTACHMENT_SET = (
    "comment_id", "filename", "size", "sha256", "content_type", "uploader_name", "staff_only", "created_at",
)


def _case_values(case: CaseOut) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in _CASE_FIELDS}
    values["id"] = str(case.id)
    values["account_id"] = str(case.account_id)
    values["parent_case_id"] = str(case.parent_case_id) if case.parent_case_id else None
    values["status"] = case.status.value
    values["severity"] = case.severity.value
    values["priority"] = case.priority.value if case.priority else None
    values["cc_emails"] = ", ".join(case.cc_emails)
    values["owner_id"] = str(case.owner_id) if case.owner_id else None
    values["sla"] = sla_json(case)
    return values


def sla_json(case: CaseOut) -> str | None:
    """The case's SLA as the server sent it, as JSON text; None when it sent none (customers)."""
    return case.sla.model_dump_json() if case.sla is not None else None


def _comment_values(comment: CommentOut) -> dict[str, Any]:
    return {
        "id": str(comment.id),
        "case_id": str(comment.case_id),
        "author_name": comment.author_name,
        "author_id": str(comment.author_id) if comment.author_id else None,
        "author_role": comment.author_role.value,
        "kind": comment.kind.value,
        "body": comment.body,
        "created_at": comment.created_at,
    }


def _activity_values(activity: ActivityOut) -> dict[str, Any]:
    return {
        "id": str(activity.id),
        "case_id": str(activity.case_id),
        "actor_name": activity.actor_name,
        "action": activity.action,
        "from_status": activity.from_status.value if activity.from_status else None,
        "to_status": activity.to_status.value if activity.to_status else None,
        "reason": activity.reason,
        "created_at": activity.created_at,
    }


def _attachment_values(attachment: AttachmentOut) -> dict[str, Any]:
    return {
        "id": str(attachment.id),
        "case_id": str(attachment.case_id),
        "comment_id": str(attachment.comment_id) if attachment.comment_id else None,
        "filename": safe_filename(attachment.filename),  # whatever an older server kept
        "size": attachment.size,
        "sha256": attachment.sha256,
        "content_type": attachment.content_type,
        "uploader_name": attachment.uploader_name,
        "staff_only": attachment.staff_only,
        "created_at": attachment.created_at,
    }


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
    values = _case_values(case)
    for name in _CASE_SET:
        setattr(row, name, values[name])
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
                transition = apply_action(request.action, state, role, request.to_input(), op.created_at)
                for name, value in transition.changes.items():
                    if name != "survey":
                        setattr(row, name, value.value if isinstance(value, StrEnum) else value)
            elif op.kind == "add_comment":
                comment = CommentCreate.model_validate_json(op.payload)
                if comment.kind == CommentKind.REPLY:
                    row.status = status_after_reply(Status(row.status), role).value
            else:
                staff_changes.replay(session, row, op)
        except (ValidationError, ValueError, TransitionError, MissingField):
            continue


def _my_role(session: Session) -> Role:
    if "casedesktop_role" not in session.info:
        value = meta.get(session, meta.USER_ROLE, Role.CUSTOMER.value)
        session.info["casedesktop_role"] = Role(value) if value in Role.__members__.values() else Role.CUSTOMER
    return session.info["casedesktop_role"]


def upsert_attachment(session: Session, attachment: AttachmentOut) -> bool:
    """Store the server's record of a file (its bytes are fetched on demand); True when new here."""
    return _upsert_one(session, AttachmentRow, _attachment_values(attachment), _ATTACHMENT_SET)


def upsert_comment(session: Session, comment: CommentOut) -> bool:
    """Store a comment; True when it is new to this cache. A deleted note is taken out instead,
    with the files attached to it."""
    if comment.deleted_at is not None:
        _delete_comments(session, [str(comment.id)])
        return False
    return _upsert_one(session, CommentRow, _comment_values(comment), _COMMENT_SET)


def _delete_comments(session: Session, ids: list[str]) -> None:
    """Deleted notes and their files out of the cache (the FTS triggers follow)."""
    comments, files = CommentRow.__table__, AttachmentRow.__table__
    for start in range(0, len(ids), _PARAMS_PER_QUERY):
        chunk = ids[start : start + _PARAMS_PER_QUERY]
        session.execute(delete(files).where(files.c.comment_id.in_(chunk)))
        session.execute(delete(comments).where(comments.c.id.in_(chunk)))


def upsert_activity(session: Session, activity: ActivityOut) -> bool:
    """Store a lifecycle event; True when it is new to this cache."""
    return _upsert_one(session, ActivityRow, _activity_values(activity), _ACTIVITY_SET)


def _upsert_one(
    session: Session, model: type[CommentRow | ActivityRow | AttachmentRow], values: dict[str, Any],
    names: tuple[str, ...],
) -> bool:
    row = session.get(model, values["id"])
    is_new = row is None
    if row is None:
        row = model(id=values["id"], case_id=values["case_id"])
        session.add(row)
    for name in names:
        setattr(row, name, values[name])
    return is_new




# --- feed pages -----------------------------------------------------------------------------------

_PARAMS_PER_QUERY = 500  # ids per IN (...): well under SQLite's limit of bound parameters


class _BulkUpsert:
    """INSERT ... ON CONFLICT (id) DO UPDATE SET the server's columns: the bulk form of upsert_*.

    An upsert that takes the UPDATE path fires the UPDATE triggers only (never a delete and an
    insert, as INSERT OR REPLACE would), so the FTS triggers keep the search index exact and the
    row keeps its rowid.

    Many rows go in one multi-row INSERT ... VALUES (...), (...) statement: per statement is where
    the FTS triggers cost most (13 µs a comment instead of 33, measured on a cache of 20,000
    cases). The statement goes straight to the DB-API cursor, each value through its column
    type's own bind processor (the stored text of a time is SQLAlchemy's): SQLAlchemy's
    per-parameter bookkeeping of an executemany cost more CPU than the SQL itself, and on the
    sync thread it holds the GIL while the next page is fetched and parsed.
    """

    ROWS_PER_STATEMENT = 500  # and at most MAX_VARIABLES values
    MAX_VARIABLES = 32_000  # SQLite allows 32,766 bound parameters (since 3.32)

    def __init__(self, table: Table, names: tuple[str, ...]):
        self.table = table
        self.names = names  # what the server's state sets on a row already here
        self._sql: dict[tuple[tuple[str, ...], int], str] = {}

    def _statement(self, columns: tuple[str, ...], rows: int) -> str:
        sql = self._sql.get((columns, rows))
        if sql is None:
            one = f"({', '.join('?' * len(columns))})"
            sql = self._sql[(columns, rows)] = (
                f"INSERT INTO {self.table.name} ({', '.join(columns)}) VALUES {', '.join([one] * rows)} "
                f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in self.names)}"
            )
        return sql

    def run(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Store `rows` (dicts with the same keys); a column they lack takes its scalar default."""
        if not rows:
            return
        connection = session.connection()
        dialect = connection.dialect
        given = tuple(rows[0])
        defaults = {
            c.name: c.default.arg for c in self.table.c
            if c.name not in given and c.default is not None and c.default.is_scalar
        }
        columns = (*given, *defaults)
        processors = [self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        fixed = [processor(value) if processor else value
                 for processor, value in zip(processors[len(given):], defaults.values(), strict=True)]
        converters = [(i, processor) for i, processor in enumerate(processors[: len(given)]) if processor]
        in_order = itemgetter(*given)
        per_statement = max(1, min(self.ROWS_PER_STATEMENT, self.MAX_VARIABLES // len(columns)))
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values: list[Any] = []
            for row in batch:
                flat = list(in_order(row)) if len(given) > 1 else [row[given[0]]]
                for i, processor in converters:
                    flat[i] = processor(flat[i])
                values += flat
                values += fixed
            connection.exec_driver_sql(self._statement(columns, len(batch)), tuple(values))


_UPSERT_CASES = _BulkUpsert(CaseRow.__table__, _CASE_SET)
_UPSERT_COMMENTS = _BulkUpsert(CommentRow.__table__, _COMMENT_SET)
_UPSERT_ACTIVITY = _BulkUpsert(ActivityRow.__table__, _ACTIVITY_SET)
_UPSERT_ATTACHMENTS = _BulkUpsert(AttachmentRow.__table__, _ATTACHMENT_SET)


def _present(session: Session, table: Table, ids: Iterable[str]) -> set[str]:
    """Which of these ids the table holds."""
    wanted = list(dict.fromkeys(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _PARAMS_PER_QUERY):
        chunk = wanted[start : start + _PARAMS_PER_QUERY]
        found.update(session.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    return found


def apply_page(db: CacheDB, page: ChangesPage, me_user_id: str) -> Changes:
    """One feed page and its cursor in one transaction: a crash never skips or half-applies a page.

    The page is written in bulk: one INSERT ... ON CONFLICT DO UPDATE per table, executed over all
    of the page's rows of that table, and a handful of lookups by id for the whole page (a first
    sync needs none). The outcome is exactly that of storing the entries one by one in feed order
    with the upsert_* functions (tests/store/test_feed_pages.py compares the two):

    - a comment, event or file whose case is neither in the cache nor earlier on the page is
      skipped: its case comes on a later entry of the feed, with a fuller state, and the feed
      sends the child again after it;
    - a row already here takes the server's columns; what is only ours stays (a case's unread
      mark, the case a child row was first stored under);
    - the same entity twice on a page ends as its last entry, and counts as new once;
    - a deleted note (a comment with `deleted_at`, sent to staff only) is taken out with its
      files, after the page's other rows, and is never news;
    - cases with changes still waiting to be sent are rebased on the new state through the ORM
      (there are few of them), so the list shows the server's state plus the user's own work;
    - a comment or event new to this cache from someone else marks its case unread and is news
      for the UI (`new_staff_activity`), except during the first download, which is history.
    """
    cases: list[dict[str, Any]] = []
    # (entity, values, author or actor, whether its case came earlier on this page)
    children: list[tuple[str, dict[str, Any], str | None, bool]] = []
    on_page: set[str] = set()  # cases met so far, in feed order
    for item in page.changes:
        if item.case is not None:
            values = _case_values(item.case)
            cases.append(values)
            on_page.add(values["id"])
            continue
        if item.comment is not None:
            entity = "comment" if item.comment.deleted_at is None else "deleted_comment"
            values, by = _comment_values(item.comment), str(item.comment.author_id)
        elif item.activity is not None:
            entity, values = "activity", _activity_values(item.activity)
            by = str(item.activity.actor_id)
        elif item.attachment is not None:
            entity, values, by = "attachment", _attachment_values(item.attachment), None
        else:
            continue
        children.append((entity, values, by, values["case_id"] in on_page))

    case_ids = set(on_page)
    noticed: list[str] = []
    with db.transaction() as session:
        first_download = meta.get(session, meta.CAUGHT_UP) != "1"
        # Children whose case was not earlier on the page are kept only if the case is here.
        cached = _present(
            session, CaseRow.__table__, (values["case_id"] for _, values, _, ok in children if not ok)
        )
        kept = [child for child in children if child[3] or child[1]["case_id"] in cached]
        rows: dict[str, list[dict[str, Any]]] = {"comment": [], "activity": [], "attachment": [],
                                                 "deleted_comment": []}
        for entity, values, _, _ in kept:
            rows[entity].append(values)
            case_ids.add(values["case_id"])
        if not first_download:  # news: comments and events from others that are new here
            noticed = _news(session, kept, rows, me_user_id)

        _UPSERT_CASES.run(session, cases)
        _UPSERT_COMMENTS.run(session, rows["comment"])
        _UPSERT_ACTIVITY.run(session, rows["activity"])
        _UPSERT_ATTACHMENTS.run(session, rows["attachment"])
        _delete_comments(session, [values["id"] for values in rows["deleted_comment"]])
        if noticed:
            unread = list(set(noticed))
            for start in range(0, len(unread), _PARAMS_PER_QUERY):
                chunk = unread[start : start + _PARAMS_PER_QUERY]
                session.execute(
                    update(CaseRow.__table__).where(CaseRow.__table__.c.id.in_(chunk)).values(unread=True)
                )

        waiting = set(
            session.scalars(select(OutboxOp.case_id).where(OutboxOp.state.in_(_WAITING)).distinct())
        )
        for case_id in case_ids & waiting:
            row = session.get(CaseRow, case_id)
            if row is not None:
                rebase_case(session, row)
        meta.put(session, meta.CURSOR, str(page.cursor))
        if not page.has_more:
            meta.put(session, meta.CAUGHT_UP, "1")
        meta.put(session, meta.LAST_SYNC, utcnow().isoformat())
    return Changes(
        frozenset(case_ids),
        list_changed=bool(case_ids),
        new_staff_activity=tuple(dict.fromkeys(noticed)),
    )


def _news(
    session: Session,
    kept: list[tuple[str, dict[str, Any], str | None, bool]],
    rows: dict[str, list[dict[str, Any]]],
    me_user_id: str,
) -> list[str]:
    """Case ids, in feed order, of the page's comments and events from others new to this cache."""
    here = {
        "comment": _present(session, CommentRow.__table__, (v["id"] for v in rows["comment"])),
        "activity": _present(session, ActivityRow.__table__, (v["id"] for v in rows["activity"])),
    }
    noticed: list[str] = []
    for entity, values, by, _ in kept:
        if entity not in here or values["id"] in here[entity]:
            continue
        here[entity].add(values["id"])  # the same entity again on this page is not new again
        if by != me_user_id:
            noticed.append(values["case_id"])
    return noticed
