"""The local cache: one transaction per user action, durable settings, migrations, damage."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from casedesktop.api import CaseOut, ChangeItem, ChangesPage, CommentOut
from casedesktop.domain import Action, ActionInput, CommentKind, Role, Status, TransitionError
from casedesktop.store import local_changes, meta, outbox, queries, server_state
from casedesktop.store.database import CacheError, open_cache
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.meta import Identity
from casedesktop.store.models import Base, CaseRow, OutboxOp

ME = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "ann@example.com", "Ann Customer", Role.CUSTOMER)


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


def _server_case(case_id: str, number: str = "CS-1001", status: Status = Status.NEW) -> CaseOut:
    now = datetime.now(UTC)
    return CaseOut(
        id=uuid.UUID(case_id), number=number, account_id=uuid.uuid4(), account_name="Northwind",
        reported_by=uuid.UUID(ME.user_id), reported_by_name=ME.name, subject="Printer on fire",
        description="Smoke", status=status, severity="urgent", created_at=now, updated_at=now,
    )


def test_durability_settings(db) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_new_case_and_its_outbox_entry_are_one_transaction(db, monkeypatch) -> None:
    case_id, changes = local_changes.create_case(db, ME, subject="Export fails", description="CSV export hangs", severity="urgent")
    assert changes.case_ids == {case_id}
    rows = queries.list_cases(db)
    assert [(r.id, r.number, r.status, r.sync_state) for r in rows] == [(case_id, None, "new", "waiting")]
    assert outbox.counts(db).waiting == 1

    def broken_queue(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(local_changes, "_queue", broken_queue)
    with pytest.raises(RuntimeError):
        local_changes.create_case(db, ME, subject="Second", description="never half-written")
    assert [r.id for r in queries.list_cases(db)] == [case_id]  # the case row was rolled back too


@pytest.mark.parametrize(
    ("subject", "description", "field"),
    [("", "text", "subject"), ("   ", "text", "subject"), ("x" * 256, "text", "subject"), ("ok", "", "description")],
)
def test_invalid_case_is_refused_and_nothing_written(db, subject, description, field) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as refused:
        local_changes.create_case(db, ME, subject=subject, description=description)
    assert refused.value.errors[0].field == field
    assert queries.count_cases(db) == 0
    assert outbox.counts(db).waiting == 0


def test_offline_action_applies_locally_and_queues(db) -> None:
    case_id, _ = local_changes.create_case(db, ME, subject="A", description="B")
    local_changes.take_action(db, ME, case_id, Action.ESCALATE, ActionInput(reason="Production down"))
    detail = queries.case_detail(db, case_id)
    assert detail.case.escalated
    assert [(a.action, a.reason, a.sync_state) for a in detail.activity] == [("escalate", "Production down", "waiting")]
    with pytest.raises(TransitionError):
        local_changes.take_action(db, ME, case_id, Action.ACCEPT, ActionInput())
    assert [op.kind for op in outbox.sendable(db)] == ["create_case", "action"]


def test_customer_cannot_queue_an_internal_note(db) -> None:
    case_id, _ = local_changes.create_case(db, ME, subject="A", description="B")
    with pytest.raises(InvalidInput, match="Only staff"):
        local_changes.add_comment(db, ME, case_id, "secret", CommentKind.INTERNAL)


def test_done_op_takes_the_servers_number_and_failed_op_blocks_its_case_only(db) -> None:
    first, _ = local_changes.create_case(db, ME, subject="First", description="d")
    second, _ = local_changes.create_case(db, ME, subject="Second", description="d")
    local_changes.add_comment(db, ME, first, "more detail")
    ops = outbox.sendable(db)
    outbox.mark_done(db, ops[0].seq, _server_case(first))
    outbox.mark_failed(db, ops[2].seq, "The case is closed.")
    assert queries.case_detail(db, first).case.number == "CS-1001"
    assert [op.case_id for op in outbox.sendable(db)] == [second]
    states = {r.id: r.sync_state for r in queries.list_cases(db)}
    assert states == {first: "failed", second: "waiting"}
    failed = outbox.failed_ops(db)
    assert [(f.case_number, f.error) for f in failed] == [("CS-1001", "The case is closed.")]
    outbox.discard(db, failed[0].op_id)
    assert queries.case_detail(db, first).comments == []
    assert queries.case_detail(db, first).sync_state == "synced"


def test_in_flight_ops_return_to_pending_after_a_crash(db) -> None:
    local_changes.create_case(db, ME, subject="A", description="B")
    op = outbox.sendable(db)[0]
    outbox.mark_in_flight(db, op.seq)
    assert outbox.sendable(db) == []
    assert outbox.recover_interrupted(db) == 1
    assert outbox.sendable(db)[0].attempts == 1


def test_feed_page_and_cursor_commit_together_and_mark_staff_replies_unread(db) -> None:
    case_id = str(uuid.uuid4())
    agent_id = uuid.uuid4()
    comment = CommentOut(
        id=uuid.uuid4(), case_id=uuid.UUID(case_id), author_id=agent_id, author_name="Sam Agent",
        author_role=Role.AGENT, kind=CommentKind.REPLY, body="Try again", created_at=datetime.now(UTC),
    )
    page = ChangesPage(
        changes=[ChangeItem(seq=5, entity="case", case=_server_case(case_id, status=Status.OPEN)),
                 ChangeItem(seq=6, entity="comment", comment=comment)],
        cursor=6, has_more=False,
    )
    first_download = ChangesPage(changes=[], cursor=4, has_more=False)
    server_state.apply_page(db, first_download, ME.user_id)
    changes = server_state.apply_page(db, page, ME.user_id)
    assert changes.new_staff_activity == (case_id,)
    with db.reading() as session:
        assert meta.get(session, meta.CURSOR) == "6"
    summary = queries.list_cases(db)[0]
    assert (summary.number, summary.status, summary.unread) == ("CS-1001", "open", True)
    assert queries.mark_read(db, case_id)
    assert not queries.list_cases(db)[0].unread


def test_the_first_download_is_history_not_news(db) -> None:
    case_id = str(uuid.uuid4())
    comment = CommentOut(
        id=uuid.uuid4(), case_id=uuid.UUID(case_id), author_id=uuid.uuid4(), author_name="Sam Agent",
        author_role=Role.AGENT, kind=CommentKind.REPLY, body="Old answer", created_at=datetime.now(UTC),
    )
    pages = [
        ChangesPage(changes=[ChangeItem(seq=1, entity="case", case=_server_case(case_id))], cursor=1, has_more=True),
        ChangesPage(changes=[ChangeItem(seq=2, entity="comment", comment=comment)], cursor=2, has_more=False),
    ]
    for page in pages:
        assert server_state.apply_page(db, page, ME.user_id).new_staff_activity == ()
    assert not queries.list_cases(db)[0].unread


def test_case_reference_by_number_id_or_prefix(db) -> None:
    case_id = str(uuid.uuid4())
    server_state.apply_page(db, ChangesPage(changes=[ChangeItem(seq=1, entity="case", case=_server_case(case_id))], cursor=1, has_more=False), ME.user_id)
    assert queries.resolve_case_ref(db, "cs-1001") == case_id
    assert queries.resolve_case_ref(db, case_id) == case_id
    assert queries.resolve_case_ref(db, case_id[:8]) == case_id
    with pytest.raises(LookupError, match="CS-9999"):
        queries.resolve_case_ref(db, "CS-9999")


def test_schema_from_migrations_matches_the_models(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from casedesktop.store.migrate import include_name

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        assert set(inspect(connection).get_table_names()) >= {"cases", "comments", "activity", "outbox", "meta", "alembic_version"}


def test_a_damaged_cache_file_gives_a_clear_error(profile_dir: Path) -> None:
    (profile_dir / "cache.db").write_bytes(b"this is not a database" * 200)
    with pytest.raises(CacheError, match="damaged"):
        open_cache(profile_dir)


def test_reopening_keeps_everything(profile_dir: Path) -> None:
    db = open_cache(profile_dir)
    case_id, _ = local_changes.create_case(db, ME, subject="Kept", description="across restarts")
    db.close()
    # A plain sqlite3 reader sees the committed rows: nothing is held in memory only.
    with sqlite3.connect(profile_dir / "cache.db") as raw:
        assert raw.execute("select subject from cases").fetchall() == [("Kept",)]
    again = open_cache(profile_dir)
    with again.reading() as session:
        assert session.scalar(select(CaseRow.subject)) == "Kept"
        assert session.scalar(select(OutboxOp.case_id)) == case_id
    again.close()


def test_the_fast_path_knows_the_newest_migration(db) -> None:
    from alembic.script import ScriptDirectory

    from casedesktop.store.migrate import HEAD, alembic_config, current_revision

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
    with db.engine.connect() as connection:
        assert current_revision(connection) == HEAD


def test_nul_characters_never_reach_the_cache_or_the_outbox(db) -> None:  # noqa: ANN001
    """Pasted binary text loses its NULs when kept: the API (and PostgreSQL) refuse them, and an
    op the server can never take would wait forever."""
    case_id, _ = local_changes.create_case(db, ME, subject="Export\x00 fails", description="CSV\x00 hangs")
    local_changes.add_comment(db, ME, case_id, "More\x00 detail")
    detail = queries.case_detail(db, case_id)
    assert detail.case.subject == "Export fails" and detail.case.description == "CSV hangs"
    assert [c.body for c in detail.comments] == ["More detail"]
    with db.reading() as session:
        payloads = [op.payload for op in session.scalars(select(OutboxOp))]
    assert len(payloads) == 2 and not [p for p in payloads if "\\u0000" in p]
