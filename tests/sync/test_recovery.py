"""A damaged cache is detected, set aside as cache.db.damaged-<time>, rebuilt from the server, and
the unsent changes are kept: salvaged from the damaged file where it still reads, else from the
outbox journal. Deliberately corrupted files, each way."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from casedesktop.app import open_profile
from casedesktop.domain import Action, ActionInput
from casedesktop.store import conflicts, local_changes, outbox, queries, recovery
from casedesktop.store.database import CACHE_FILE, CacheError, open_cache
from casedesktop.store.journal import JOURNAL_FILE, OutboxJournal
from casedesktop.sync.api_client import ApiClient
from casedesktop.sync.engine import SyncEngine
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL
from tests.sync.helpers import Queued, check_server, duplicates, make_device, queue_mixed


def _prepare(world, tmp_path: Path) -> tuple[Path, Queued, Queued, str]:  # noqa: ANN001
    """A profile with synced history, a refused change, and unsent changes (with a file)."""
    profile = tmp_path / "ann"
    ann = make_device(world, CUSTOMER_EMAIL, profile)
    synced = queue_mixed(ann, random.Random(1), cases=3, per_case=4)
    ann.sync_until_quiet()
    # One refusal: the agent closes a case while Ann escalates it.
    target, _ = local_changes.create_case(ann.db, ann.identity, subject="Refused", description="d")
    synced.cases.append(target)
    synced.comments[target], synced.actions[target] = [], []
    ann.sync_until_quiet()
    refused_id, _ = local_changes.take_action(ann.db, ann.identity, target, Action.ESCALATE,
                                              ActionInput(reason="Kept after the rebuild"))
    assert world.signed_in(AGENT_EMAIL).act(target, "close").status_code == 200
    ann.sync_until_quiet()
    assert [f.op_id for f in outbox.failed_ops(ann.db)] == [refused_id]
    attachment = tmp_path / "logs.zip"
    attachment.write_bytes(random.Random(2).randbytes(200_000))
    unsent = queue_mixed(ann, random.Random(3), cases=2, per_case=5, files=[attachment], tag="unsent ")
    # Replies on a case the server already has (it must come back before they can show).
    reply_id, _ = local_changes.add_comment(ann.db, ann.identity, synced.cases[1], "Written offline")
    unsent.comments.setdefault(synced.cases[1], []).append(reply_id)
    ann.close()
    return profile, synced, unsent, reply_id


def _sync_rebuilt(world, profile: Path) -> SyncEngine:  # noqa: ANN001
    reopened = open_profile(profile)
    assert reopened.recovery is not None
    report = reopened.recovery
    assert report.damaged_path.name.startswith(f"{CACHE_FILE}.damaged-")
    assert report.damaged_path.exists()
    assert "set aside" in report.message and "unsent" in report.message
    signed = world.signed_in(CUSTOMER_EMAIL)
    token = signed.http.headers["Authorization"].split(" ", 1)[1]
    client = ApiClient(reopened.identity.server_url, token)
    client.session.trust_env = False
    return SyncEngine(reopened.db, client, reopened.identity.user_id), reopened


def _converge(engine: SyncEngine) -> None:
    for _ in range(20):
        report = engine.sync_once()
        if report.ok and not outbox.sendable(engine.db):
            return
    raise AssertionError(report)


def _all_cases_back(world, db, synced: Queued, unsent: Queued) -> None:  # noqa: ANN001
    ids = {c.id for c in queries.list_cases(db)}
    assert set(synced.cases) | set(unsent.cases) <= ids


def test_a_file_that_is_not_a_database_is_rebuilt_from_the_server_and_the_journal(world, tmp_path: Path) -> None:
    profile, synced, unsent, reply_id = _prepare(world, tmp_path)
    for name in (CACHE_FILE, f"{CACHE_FILE}-wal", f"{CACHE_FILE}-shm"):
        (profile / name).unlink(missing_ok=True)
    (profile / CACHE_FILE).write_bytes(b"\x00garbage, not SQLite" * 5000)
    with pytest.raises(CacheError):
        open_cache(profile)
    engine, reopened = _sync_rebuilt(world, profile)
    report = reopened.recovery
    assert report.from_file == 0 and report.from_journal == report.kept >= unsent.total
    # Before any sync: the unsent cases are back, with their own changes, shown as waiting.
    waiting = {c.id: c.sync_state for c in queries.list_cases(reopened.db)}
    assert all(waiting[c] == "waiting" for c in unsent.cases)
    assert any(n.kind == conflicts.NoticeKind.RECOVERED for n in conflicts.notices(reopened.db))
    kept_refusal = outbox.failed_ops(reopened.db)  # still refused, its reason and text kept
    assert len(kept_refusal) == 1 and "closed now" in kept_refusal[0].error
    _converge(engine)
    check = check_server(world, unsent)
    assert check.ok, check
    assert not duplicates(world, synced.cases + unsent.cases)
    _all_cases_back(world, reopened.db, synced, unsent)
    shown = queries.case_detail(reopened.db, synced.cases[1])
    assert "Written offline" in [c.body for c in shown.comments]
    assert outbox.counts(reopened.db).waiting == outbox.counts(reopened.db).failed
    engine.client.close()
    reopened.close()


def test_a_damaged_page_elsewhere_is_salvaged_from_the_file_itself(world, tmp_path: Path) -> None:
    profile, synced, unsent, reply_id = _prepare(world, tmp_path)
    (profile / JOURNAL_FILE).unlink()  # the file alone must do
    path = profile / CACHE_FILE
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        pages = [row[0] for row in raw.execute(
            "SELECT pageno FROM dbstat WHERE name IN ('activity', 'comments_fts_data', 'ix_cases_updated_at')")]
        outbox_pages = {row[0] for row in raw.execute("SELECT pageno FROM dbstat WHERE name = 'outbox'")}
    victims = [p for p in pages if p not in outbox_pages][:3]
    assert victims
    with open(path, "r+b") as handle:
        for page in victims:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    engine, reopened = _sync_rebuilt(world, profile)
    assert reopened.recovery.from_file == reopened.recovery.kept >= unsent.total
    assert len(outbox.failed_ops(reopened.db)) == 1
    _converge(engine)
    assert check_server(world, unsent).ok
    assert not duplicates(world, synced.cases + unsent.cases)
    _all_cases_back(world, reopened.db, synced, unsent)
    engine.client.close()
    reopened.close()


def test_a_vanished_cache_with_unsent_changes_in_the_journal_is_rebuilt(world, tmp_path: Path) -> None:
    profile, synced, unsent, reply_id = _prepare(world, tmp_path)
    for name in (CACHE_FILE, f"{CACHE_FILE}-wal", f"{CACHE_FILE}-shm"):
        (profile / name).unlink(missing_ok=True)
    db, report = recovery.open_or_rebuild(profile)
    assert report is not None and "missing" in report.message and report.kept >= unsent.total
    db.close()


def test_the_journal_skips_a_torn_line_and_forgets_discarded_changes(tmp_path: Path) -> None:
    journal = OutboxJournal(tmp_path / JOURNAL_FILE)
    journal.append([{"t": "op", "op_id": "a", "case_id": "c", "kind": "add_comment", "payload": "{}",
                     "created_at": ""},
                    {"t": "op", "op_id": "b", "case_id": "c", "kind": "add_comment", "payload": "{}",
                     "created_at": ""},
                    {"t": "forget", "op_id": "a"}])
    with open(journal.path, "a") as handle:
        handle.write('{"t": "op", "op_id": "torn", "ca')  # a crash mid-append
    contents = journal.read()
    assert [op.op_id for op in contents.ops] == ["b"]


def test_every_local_change_reaches_the_journal_after_its_commit(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    queued = queue_mixed(ann, random.Random(4), cases=2, per_case=3)
    ops = {op.op_id for op in ann.db.journal.read().ops}
    assert ops == {o.op_id for o in outbox.waiting_journal_ops(ann.db)}
    assert len(ops) == queued.total
    ann.sync_until_quiet()  # a pass that sent something compacts it to what is left: nothing
    assert ann.db.journal.read().ops == []
    assert ann.db.journal.read().identity["email"] == CUSTOMER_EMAIL

    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    original = local_changes._queue  # noqa: SLF001
    local_changes._queue = broken  # noqa: SLF001
    try:
        with pytest.raises(RuntimeError):
            local_changes.create_case(ann.db, ann.identity, subject="Never", description="saved")
    finally:
        local_changes._queue = original  # noqa: SLF001
    assert ann.db.journal.read().ops == []  # a rolled back change never reaches the journal
    ann.close()


def test_the_cli_says_what_happened_and_status_reports_it(world, tmp_path: Path) -> None:  # noqa: ANN001
    from tests.support import Cli

    profile, _synced, unsent, _reply = _prepare(world, tmp_path)
    (profile / CACHE_FILE).write_bytes(b"not a database" * 1000)
    (profile / f"{CACHE_FILE}-wal").unlink(missing_ok=True)
    result = Cli(profile).run("status", "--json")
    assert "set aside as cache.db.damaged-" in result.stderr and "kept" in result.stderr
    import json

    status = json.loads(result.stdout)
    assert status["waiting"] >= unsent.total and status["failed"] == 1
    assert status["last_recovery"] and status["conflicts"] >= 1
    assert {"waiting", "failed", "last_sync", "cursor", "online"} <= set(status)
    again = Cli(profile).run("status", "--json")
    assert again.stderr == ""  # rebuilt once; the new cache is sound
    told = json.loads(Cli(profile).run("notices", "--json").stdout)
    assert [n["kind"] for n in told] == ["recovered"] and "kept" in told[0]["message"]
    assert json.loads(Cli(profile).run("notices", "--json").stdout) == []  # seen now
