"""Staff's changes made offline (triage, assignment, a question to the customer, a deleted note)
reach a real server once, come back through the change feed to another staff desk, and never put
staff's data in a customer's cache. One server for the module; each test has its own case."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from casedesktop.domain import Action, ActionInput, CommentKind, Priority, Role, TransitionError
from casedesktop.server.base import utcnow
from casedesktop.server.models import Activity, Comment
from casedesktop.server.services import sla
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.testing import ServerHandle, running_server
from casedesktop.store import local_changes, outbox, queries, recovery, reference, staff_changes
from casedesktop.sync.api_client import ApiClient, Rejected
from casedesktop.sync.engine import SyncEngine
from casedesktop.sync.staff_desk import fetch_summary
from testkit.syncworld import Device, make_device

ANN, SAM, KIM = "ann@acme.example", "sam@vendor.example", "kim@vendor.example"
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing answers, as when offline


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    data = tmp_path_factory.mktemp("desk")
    with running_server(data / "server", f"sqlite:///{data / 'server.db'}") as handle:
        handle.add_user(ANN, Role.CUSTOMER, "Acme", name="Ann Customer")
        handle.add_user(SAM, Role.AGENT, name="Sam Agent")
        handle.add_user(KIM, Role.AGENT, name="Kim Agent")

        def setup(session) -> None:  # noqa: ANN001
            for name in ("Billing", "Hardware"):
                ensure_category(session, name, utcnow())
            sla.set_targets(session, Priority.HIGH, utcnow(), first_response=timedelta(hours=4),
                            resolution=timedelta(days=2))

        handle.sessions.run_write(setup)
        yield handle


@pytest.fixture
def devices(desk: ServerHandle, tmp_path: Path) -> Iterator[dict[str, Device]]:
    made = {who: make_device(desk, who, tmp_path / who) for who in (ANN, SAM, KIM)}
    yield made
    for device in made.values():
        device.close()


def new_case(desk: ServerHandle, subject: str) -> str:
    return desk.signed_in(ANN).new_case(subject=subject, description="Reported by Ann.")["id"]


def offline(device: Device) -> str:
    """Point the device at a dead address, as when the network is gone; returns the real one."""
    url, device.client.base_url = device.client.base_url, DEAD_URL
    return url


def replay_done_ops(device: Device) -> int:
    """Mark every op the server confirmed as unsent again, as if its answer had been lost."""
    with sqlite3.connect(device.profile / "cache.db") as raw:
        return raw.execute("UPDATE outbox SET state = 'pending', push_seq = NULL WHERE state = 'done'").rowcount


def server_activity(desk: ServerHandle, case_id: str) -> list[str]:
    with desk.sessions.reader() as session:
        return list(session.scalars(select(Activity.action).where(Activity.case_id == uuid.UUID(case_id))
                                    .order_by(Activity.created_at)))


def test_triage_and_assignment_made_offline_reach_the_server_once_and_the_other_desk(desk, devices) -> None:
    sam, kim, ann = devices[SAM], devices[KIM], devices[ANN]
    case_id = new_case(desk, "Invoice totals are off")
    sam.sync_until_quiet()
    assert reference.load(sam.db).categories == ["Billing", "Hardware"]  # kept for offline checks

    url = offline(sam)
    staff_changes.triage(sam.db, sam.identity, case_id, priority="high", category="billing", source="phone")
    staff_changes.assign(sam.db, sam.identity, case_id, owner_email=KIM)
    report = sam.sync()
    assert not report.online and outbox.counts(sam.db).waiting == 2  # nothing lost while offline
    case = queries.case_detail(sam.db, case_id).case
    assert (case.priority, case.category, case.source, case.owner_name) == ("high", "Billing", "Phone", KIM)

    sam.client.base_url = url
    sam.sync_until_quiet()
    assert outbox.counts(sam.db).waiting == 0
    on_server = desk.signed_in(SAM).get(f"/cases/{case_id}").json()
    assert (on_server["priority"], on_server["category"], on_server["source"], on_server["owner_name"]) == (
        "high", "Billing", "Phone", "Kim Agent")
    case = queries.case_detail(sam.db, case_id).case
    assert (case.owner_name, case.owner_id) == ("Kim Agent", on_server["owner_id"])  # named by the server now

    # The same ops sent again (their answers lost): applied once, nothing logged twice.
    assert replay_done_ops(sam) == 2
    sam.sync_until_quiet()
    assert server_activity(desk, case_id) == ["create", "triage", "assign"]

    kim.sync_until_quiet()
    seen = queries.case_detail(kim.db, case_id)
    assert (seen.case.priority, seen.case.category, seen.case.source, seen.case.owner_id) == (
        "high", "Billing", "Phone", on_server["owner_id"])
    kept_sla = queries.case_sla(seen.case)  # the server's SLA object, kept for the window
    assert kept_sla is not None and kept_sla.first_response_due is not None and kept_sla.state.value == "ok"
    assert [a.action for a in seen.activity] == ["create", "triage", "assign"]

    ann.sync_until_quiet()  # the customer's cache holds none of it
    theirs = queries.case_detail(ann.db, case_id)
    assert (theirs.case.priority, theirs.case.category, theirs.case.owner_id, theirs.case.owner_name,
            theirs.case.sla) == (None, "", None, "", None)
    assert [a.action for a in theirs.activity] == ["create"]


def test_a_refused_category_is_kept_for_the_user_to_retry_or_discard(desk, devices) -> None:
    sam = devices[SAM]
    case_id = new_case(desk, "Category the server does not know")
    sam.sync_until_quiet()
    reference.save(sam.db, reference.Reference())  # as before the first sync: any name is let through
    staff_changes.triage(sam.db, sam.identity, case_id, category="Warp drive")
    sam.sync_until_quiet()
    [failed] = outbox.failed_ops(sam.db)
    assert failed.kind == "triage" and "There is no category 'Warp drive'" in failed.error
    outbox.discard(sam.db, failed.op_id)
    assert outbox.counts(sam.db).waiting == 0


def test_a_question_to_the_customer_waits_on_them_on_every_device(desk, devices) -> None:
    sam, ann = devices[SAM], devices[ANN]
    case_id = new_case(desk, "Which version do you run?")
    sam.sync_until_quiet()
    local_changes.take_action(sam.db, sam.identity, case_id, Action.PICK_UP, ActionInput())
    url = offline(sam)
    question_id, _ = staff_changes.ask_customer(
        sam.db, sam.identity, case_id, "Which version of Ledger do you run?")
    detail = queries.case_detail(sam.db, case_id)
    assert detail.case.status == "pending_customer"
    assert [(c.id, c.kind, c.sync_state) for c in detail.comments] == [(question_id, "reply", "waiting")]
    assert not sam.sync().online

    sam.client.base_url = url
    sam.sync_until_quiet()
    assert outbox.counts(sam.db).waiting == 0
    on_server = desk.signed_in(SAM)
    assert on_server.get(f"/cases/{case_id}").json()["status"] == "pending_customer"
    assert [c["id"] for c in on_server.get(f"/cases/{case_id}/comments").json()] == [question_id]
    assert replay_done_ops(sam) == 2
    sam.sync_until_quiet()
    assert [c["id"] for c in on_server.get(f"/cases/{case_id}/comments").json()] == [question_id]
    assert server_activity(desk, case_id).count("pending-customer") == 1

    ann.sync_until_quiet()
    theirs = queries.case_detail(ann.db, case_id)
    assert theirs.case.status == "pending_customer"
    assert [(c.id, c.body) for c in theirs.comments] == [(question_id, "Which version of Ledger do you run?")]

    # A case not picked up cannot wait on the customer: refused here, as the server would.
    fresh = new_case(desk, "Not picked up yet")
    sam.sync_until_quiet()
    with pytest.raises(TransitionError, match="you cannot ask the customer for more"):
        staff_changes.ask_customer(sam.db, sam.identity, fresh, "Anything?")


def test_a_deleted_note_leaves_every_staff_cache_and_never_reached_the_customer(desk, devices) -> None:
    sam, kim, ann = devices[SAM], devices[KIM], devices[ANN]
    case_id = new_case(desk, "Note to take back")
    sam.sync_until_quiet()
    note_id, _ = local_changes.add_comment(sam.db, sam.identity, case_id, "Wrong customer, ignore", CommentKind.INTERNAL)
    kept_id, _ = local_changes.add_comment(sam.db, sam.identity, case_id, "Check the invoice run", CommentKind.INTERNAL)
    sam.sync_until_quiet()
    kim.sync_until_quiet()
    ann.sync_until_quiet()
    assert [c.id for c in queries.case_detail(kim.db, case_id).comments] == [note_id, kept_id]
    assert queries.case_detail(ann.db, case_id).comments == []

    url = offline(sam)
    staff_changes.delete_note(sam.db, sam.identity, case_id, note_id[:8])
    assert [c.id for c in queries.case_detail(sam.db, case_id).comments] == [kept_id]
    assert not sam.sync().online
    sam.client.base_url = url
    sam.sync_until_quiet()
    assert [c.id for c in queries.case_detail(sam.db, case_id).comments] == [kept_id]  # the pull did not bring it back
    assert [c["id"] for c in desk.signed_in(SAM).get(f"/cases/{case_id}/comments").json()] == [kept_id]
    assert replay_done_ops(sam) == 3  # both notes and the deletion
    sam.sync_until_quiet()
    assert server_activity(desk, case_id).count("delete-note") == 1
    with desk.sessions.reader() as session:
        assert session.get(Comment, uuid.UUID(note_id)).body == ""  # deleted once, kept as a marker

    kim.sync_until_quiet()
    assert [c.id for c in queries.case_detail(kim.db, case_id).comments] == [kept_id]
    ann.sync_until_quiet()
    with sqlite3.connect(ann.profile / "cache.db") as raw:
        assert raw.execute("SELECT count(*) FROM comments WHERE case_id = ?", (case_id,)).fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM activity WHERE action = 'delete-note'").fetchone() == (0,)


def test_another_agents_note_cannot_be_deleted_and_a_customer_can_do_none_of_it(desk, devices) -> None:
    sam, kim, ann = devices[SAM], devices[KIM], devices[ANN]
    case_id = new_case(desk, "Whose note is it")
    kim.sync_until_quiet()
    note_id, _ = local_changes.add_comment(kim.db, kim.identity, case_id, "Kim's own note", CommentKind.INTERNAL)
    kim.sync_until_quiet()
    sam.sync_until_quiet()
    with pytest.raises(local_changes.InvalidInput, match="This note is Kim Agent's"):
        staff_changes.delete_note(sam.db, sam.identity, case_id, note_id)
    ann.sync_until_quiet()
    for attempt, message in (
        (lambda: staff_changes.triage(ann.db, ann.identity, case_id, priority="high"), "Only support staff triage"),
        (lambda: staff_changes.assign(ann.db, ann.identity, case_id), "Only support staff assign"),
        (lambda: staff_changes.ask_customer(ann.db, ann.identity, case_id, "?"), "Only support staff can ask"),
        (lambda: staff_changes.delete_note(ann.db, ann.identity, case_id, "abcd"), "Only support staff can delete"),
    ):
        with pytest.raises(local_changes.InvalidInput, match=message):
            attempt()
    assert outbox.counts(ann.db).waiting == 0 and outbox.counts(sam.db).waiting == 0


def test_the_staff_summary_counts_the_servers_cases_for_staff_only(desk, devices) -> None:
    new_case(desk, "Counted on the desk")
    summary = fetch_summary(devices[SAM].client)
    assert summary.total >= 1 and summary.unassigned >= 1 and summary.window_days == 30
    with pytest.raises(Rejected) as refused:
        fetch_summary(devices[ANN].client)
    assert refused.value.status == 403


def test_staff_changes_waiting_in_a_damaged_cache_survive_its_rebuild(desk, devices, monkeypatch) -> None:
    sam = devices[SAM]
    case_id = new_case(desk, "Cache lost with work waiting")
    sam.sync_until_quiet()
    local_changes.take_action(sam.db, sam.identity, case_id, Action.PICK_UP, ActionInput())
    note_id, _ = local_changes.add_comment(sam.db, sam.identity, case_id, "Delete me later", CommentKind.INTERNAL)
    sam.sync_until_quiet()
    offline(sam)
    staff_changes.triage(sam.db, sam.identity, case_id, priority="high")
    staff_changes.delete_note(sam.db, sam.identity, case_id, note_id)
    question_id, _ = staff_changes.ask_customer(sam.db, sam.identity, case_id, "Still happening?")
    sam.db.close()
    (sam.profile / "cache.db").write_bytes(b"not a database" * 500)

    db, report = recovery.open_or_rebuild(sam.profile)
    assert report is not None and report.kept == 3
    client = ApiClient(desk.base_url, sam.client.token)
    client.session.trust_env = False
    engine = SyncEngine(db, client, sam.identity.user_id)
    try:
        # A first pass that only pulls (as if pushing failed): the kept changes show on the
        # downloaded case before any of them is sent.
        monkeypatch.setattr(engine, "_push", lambda report: None)
        engine.sync_once()
        detail = queries.case_detail(db, case_id)
        assert (detail.case.priority, detail.case.status) == ("high", "pending_customer")
        assert [(c.id, c.sync_state) for c in detail.comments] == [(question_id, "waiting")]
        assert {a.action for a in detail.activity if a.sync_state == "waiting"} == {"triage", "pending-customer"}
        monkeypatch.undo()
        for _ in range(5):
            if engine.sync_once().ok and not outbox.sendable(db):
                break
        detail = queries.case_detail(db, case_id)
        assert (detail.case.priority, detail.case.status) == ("high", "pending_customer")
        assert [c.id for c in detail.comments] == [question_id]  # the deleted note did not come back
        assert outbox.counts(db).waiting == 0
    finally:
        client.close()
        db.close()
    on_server = desk.signed_in(SAM)
    assert on_server.get(f"/cases/{case_id}").json()["priority"] == "high"
    assert [c["id"] for c in on_server.get(f"/cases/{case_id}/comments").json()] == [question_id]
