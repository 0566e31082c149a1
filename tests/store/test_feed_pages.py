"""Feed pages are stored in bulk (server_state.apply_page): the outcome must be exactly that of
storing each entry in feed order, one row at a time through the ORM, as the cache always did.

The reference below is that row-by-row algorithm, kept here to compare against: same rows, same
search index, same cursor, same unread marks, same rebase of waiting changes (conflicts), and the
same news for the UI, over a first download and a later page of updates, duplicates, moved and
orphaned children. (The feed has no deletions: internal notes and staff-only files never reach a
customer's feed at all; the server filters them.)
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from casedesktop.api import ActivityOut, AttachmentOut, CaseOut, ChangeItem, ChangesPage, CommentOut
from casedesktop.domain import Action, ActionInput, CommentKind, Role, Status
from casedesktop.store import local_changes, meta, server_state
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow, OutboxOp
from casedesktop.store.types import utcnow

ME = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "ann@example.com", "Ann Customer", Role.CUSTOMER)
AGENT = uuid.uuid4()
ACCOUNT = uuid.uuid4()
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def reference_apply_page(db: CacheDB, page: ChangesPage, me_user_id: str) -> Changes:
    """The row-by-row way (before bulk statements): a lookup and an ORM object per entry, with the
    session's autoflush making each entry visible to the next lookup (as before commit f034352,
    whose no_autoflush variant failed on the same comment twice on a page: UNIQUE constraint)."""
    case_ids: set[str] = set()
    noticed: list[str] = []
    with db.transaction() as session:
        first_download = meta.get(session, meta.CAUGHT_UP) != "1"
        for item in page.changes:
            if item.case is not None:
                case_ids.add(str(item.case.id))
                server_state.upsert_case(session, item.case, rebase=False)
                continue
            child = item.comment or item.activity or item.attachment
            assert child is not None
            case_id = str(child.case_id)
            if session.get(CaseRow, case_id) is None:
                continue
            case_ids.add(case_id)
            if item.comment is not None:
                if server_state.upsert_comment(session, item.comment) and str(item.comment.author_id) != me_user_id:
                    noticed.append(case_id)
            elif item.activity is not None:
                if server_state.upsert_activity(session, item.activity) and str(item.activity.actor_id) != me_user_id:
                    noticed.append(case_id)
            else:
                server_state.upsert_attachment(session, item.attachment)
        waiting = set(session.scalars(select(OutboxOp.case_id).where(OutboxOp.state.in_(("pending", "in_flight")))))
        for case_id in case_ids & waiting:
            row = session.get(CaseRow, case_id)
            if row is not None:
                server_state.rebase_case(session, row)
        if first_download:
            noticed.clear()
        for case_id in set(noticed):
            session.get_one(CaseRow, case_id).unread = True
        meta.put(session, meta.CURSOR, str(page.cursor))
        if not page.has_more:
            meta.put(session, meta.CAUGHT_UP, "1")
        meta.put(session, meta.LAST_SYNC, utcnow().isoformat())
    return Changes(frozenset(case_ids), list_changed=bool(case_ids), new_staff_activity=tuple(dict.fromkeys(noticed)))


# --- the feed ---------------------------------------------------------------------------------


def _case(case_id: uuid.UUID, n: int, status: Status = Status.OPEN, **changes: object) -> ChangeItem:
    fields: dict[str, object] = dict(
        id=case_id, number=f"CS-{n}", account_id=ACCOUNT, account_name="Northwind",
        reported_by=uuid.UUID(ME.user_id), reported_by_name=ME.name, subject=f"Printer {n} jams",
        description=f"Paper tray {n}", status=status, severity="urgent", created_at=T0,
        updated_at=T0 + timedelta(minutes=n % 100), cc_emails=["a@example.com", "b@example.com"],
    )
    fields.update(changes)
    return ChangeItem(seq=0, entity="case", case=CaseOut(**fields))


def _comment(comment_id: uuid.UUID, case_id: uuid.UUID, body: str, by: uuid.UUID | None = AGENT) -> ChangeItem:
    mine = by == uuid.UUID(ME.user_id)
    return ChangeItem(seq=0, entity="comment", comment=CommentOut(
        id=comment_id, case_id=case_id, author_id=by, author_name=ME.name if mine else "Sam Agent",
        author_role=Role.CUSTOMER if mine else Role.AGENT, kind=CommentKind.REPLY, body=body,
        created_at=T0 + timedelta(hours=1),
    ))


def _activity(activity_id: uuid.UUID, case_id: uuid.UUID, by: uuid.UUID | None = AGENT, **changes: object) -> ChangeItem:
    fields: dict[str, object] = dict(
        id=activity_id, case_id=case_id, actor_id=by, actor_name="Sam Agent", action="pick_up",
        from_status=Status.NEW, to_status=Status.OPEN, created_at=T0 + timedelta(hours=2),
    )
    fields.update(changes)
    return ChangeItem(seq=0, entity="activity", activity=ActivityOut(**fields))


def _file(file_id: uuid.UUID, case_id: uuid.UUID, name: str, comment_id: uuid.UUID | None = None) -> ChangeItem:
    return ChangeItem(seq=0, entity="attachment", attachment=AttachmentOut(
        id=file_id, case_id=case_id, comment_id=comment_id, filename=name, size=1234, sha256="ab" * 32,
        content_type="text/plain", uploader_name="Sam Agent", created_at=T0 + timedelta(hours=3),
    ))


def _page(items: list[ChangeItem], cursor: int, has_more: bool) -> ChangesPage:
    numbered = [item.model_copy(update={"seq": cursor - len(items) + i + 1}) for i, item in enumerate(items)]
    return ChangesPage(changes=numbered, cursor=cursor, has_more=has_more)


# --- comparing two caches ---------------------------------------------------------------------

_TABLES = {
    "cases": "id", "comments": "id", "activity": "id", "attachments": "id",
    "outbox": "seq", "sync_notices": "id", "meta": "key",
}


def _contents(db: CacheDB) -> dict[str, object]:
    with db.engine.connect() as connection:
        dump: dict[str, object] = {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))]
            for table, key in _TABLES.items()
        }
        dump["meta"] = [row for row in dump["meta"] if row[0] != meta.LAST_SYNC]  # a clock reading
        for fts in ("cases_fts", "comments_fts"):
            # For an external-content table this checks the index against the rows it indexes.
            connection.execute(text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
        # Search's map of each comment to its case's rowid, as the rows say it should be.
        dump["comment_cases"] = [tuple(row) for row in connection.execute(text(
            "SELECT comments.id, cases.id FROM comment_cases JOIN comments ON comments.rowid = comment_cases.comment "
            "JOIN cases ON cases.rowid = comment_cases.case_rowid ORDER BY comments.id"))]
        mapped = connection.execute(text("SELECT count(*) FROM comment_cases")).scalar()
        assert mapped == len(dump["comments"]) == len(dump["comment_cases"])
        assert sorted((r[0], r[1]) for r in dump["comments"]) == dump["comment_cases"]
        for word in ("printer", "jams", "toner", "tray", "again", "moved", "edited", "ledger"):
            dump[f"search:{word}"] = (
                sorted(connection.execute(text(
                    "SELECT c.id FROM cases_fts JOIN cases c ON c.rowid = cases_fts.rowid "
                    "WHERE cases_fts MATCH :w"), {"w": word}).scalars()),
                sorted(connection.execute(text(
                    "SELECT c.id FROM comments_fts JOIN comments c ON c.rowid = comments_fts.rowid "
                    "WHERE comments_fts MATCH :w"), {"w": word}).scalars()),
            )
    return dump


def _twin(db: CacheDB, profile: Path) -> CacheDB:
    """A byte-for-byte copy of this cache (same outbox, same ids and times) in another profile."""
    profile.mkdir()
    with sqlite3.connect(db.path) as source, sqlite3.connect(profile / db.path.name) as target:
        source.backup(target)
    return open_cache(profile)


@pytest.fixture
def bulk(tmp_path: Path):
    db = open_cache(tmp_path / "bulk")
    with db.transaction() as session:
        meta.save_identity(session, ME)
    yield db
    db.close()


def _apply_both(bulk: CacheDB, page: ChangesPage) -> Changes:
    """Apply the page in bulk, and row by row to a copy of the cache as it was: same outcome."""
    twin = _twin(bulk, bulk.path.parent.with_name(f"row-by-row-{page.cursor}"))
    try:
        before = _contents(bulk)
        assert _contents(twin) == before
        ours = server_state.apply_page(bulk, page, ME.user_id)
        theirs = reference_apply_page(twin, page, ME.user_id)
        assert ours == theirs
        after = _contents(bulk)
        assert after == _contents(twin)
        assert after != before
    finally:
        twin.close()
    return ours


def test_a_bulk_applied_page_equals_the_row_by_row_result(bulk: CacheDB) -> None:
    c1, c2, c3, c9, c10 = (uuid.uuid4() for _ in range(5))
    k0, k1, k2, k3, k4, k5, k6, k7, k8 = (uuid.uuid4() for _ in range(9))
    a1, a2, f1, f2 = (uuid.uuid4() for _ in range(4))
    me = uuid.UUID(ME.user_id)

    # First download, two pages: history, never news. A child before its case on the page, or of
    # a case never sent, is skipped (the feed sends it again after its case).
    first = _apply_both(bulk, _page([
        _case(c1, 1001), _comment(k1, c1, "Try again"), _comment(k0, c3, "too early"), _case(c3, 1003),
        _activity(a1, c1), _file(f1, c1, "log.txt", k1), _comment(k8, c9, "case never sent"),
        _case(c2, 1002, Status.PENDING_CUSTOMER), _comment(k2, c2, "My printer", by=me),
    ], cursor=9, has_more=True))
    assert first.case_ids == {str(c1), str(c2), str(c3)}
    assert first.new_staff_activity == ()
    second = _apply_both(bulk, _page([_comment(k3, c1, "Any news?")], cursor=10, has_more=False))
    assert second.case_ids == {str(c1)} and second.new_staff_activity == ()

    # The user acts offline: escalate C1, reply on C2 (pending customer -> open when sent).
    local_changes.take_action(bulk, ME, str(c1), Action.ESCALATE, ActionInput(reason="Production down"))
    own_reply, _ = local_changes.add_comment(bulk, ME, str(c2), "Here is the log")

    # Later news: C1 was resolved meanwhile (the waiting escalation no longer fits: the rebase
    # skips it), C2 is still waiting on the customer (the waiting reply is replayed: open), a
    # comment edited and sent again under another case (it stays under its own), the same new
    # comment twice, the user's own reply coming back, a new case with a child before and after
    # it, a file renamed and a new one.
    news = _apply_both(bulk, _page([
        _case(c1, 1001, Status.RESOLVED, subject="Printer 1001 jams toner", resolution_summary="New toner"),
        _comment(k1, c2, "Try again, edited: moved"),
        _case(c2, 1002, Status.PENDING_CUSTOMER, description="Paper tray 1002, ledger"),
        _comment(k4, c2, "Any luck?"), _comment(k4, c2, "Any luck? again"),
        _comment(uuid.UUID(own_reply), c2, "Here is the log", by=me),
        _comment(k5, c3, "Mine", by=me), _activity(a2, c3, action="hold", from_status=Status.OPEN,
                                                  to_status=Status.ON_HOLD, reason="Waiting for parts"),
        _comment(k6, c10, "before its case"), _case(c10, 1010, Status.NEW), _comment(k7, c10, "after its case"),
        _file(f1, c1, "log-renamed.txt", k1), _file(f2, c2, "screenshot.png"),
        _activity(a1, c1, reason="edited"),
    ], cursor=30, has_more=False))
    assert news.new_staff_activity == (str(c2), str(c3), str(c10))
    assert news.case_ids == {str(c1), str(c2), str(c3), str(c10)}
    with bulk.reading() as session:
        rows = {row.id: row for row in session.scalars(select(CaseRow))}
        assert (rows[str(c1)].status, rows[str(c1)].escalated) == ("resolved", False)  # refused later
        assert rows[str(c2)].status == "open"  # the waiting reply, replayed on the server's state
        assert [rows[str(c)].unread for c in (c1, c2, c3, c10)] == [False, True, True, True]
        assert meta.get(session, meta.CURSOR) == "30"
