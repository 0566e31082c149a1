"""Staff's changes in the cache: triage, assignment and a deleted note show at once, are queued
once, survive newer server states until sent, and are refused to a customer with nothing written."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casedesktop.api import AttachmentOut, CaseOut, ChangeItem, ChangesPage, CommentOut
from casedesktop.domain import CommentKind, Role, Status
from casedesktop.store import (
    local_changes,
    meta,
    outbox,
    queries,
    reference,
    server_state,
    staff_changes,
)
from casedesktop.store.case_list import ListQuery, count
from casedesktop.store.database import open_cache
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.meta import Identity

AGENT = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "sam@vendor.example", "Sam Agent", Role.AGENT)
OTHER_AGENT_ID = uuid.uuid4()
CUSTOMER = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "ann@acme.example", "Ann Customer", Role.CUSTOMER)
CASE_ID = str(uuid.uuid4())
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    with cache.transaction() as session:
        meta.save_identity(session, AGENT)
    yield cache
    cache.close()


def server_case(seq: int = 1, **fields: object) -> ChangeItem:
    values: dict[str, object] = dict(
        id=uuid.UUID(CASE_ID), number="CS-1001", account_id=uuid.uuid4(), account_name="Acme",
        reported_by=uuid.UUID(CUSTOMER.user_id), reported_by_name=CUSTOMER.name, subject="Printer on fire",
        description="Smoke", status=Status.OPEN, severity="standard", created_at=NOW, updated_at=NOW,
    )
    values.update(fields)
    return ChangeItem(seq=seq, entity="case", case=CaseOut(**values))


def note(author_id: uuid.UUID, body: str = "Checked the logs", kind: CommentKind = CommentKind.INTERNAL,
         name: str = "Sam Agent") -> CommentOut:
    return CommentOut(id=uuid.uuid4(), case_id=uuid.UUID(CASE_ID), author_id=author_id, author_name=name,
                      author_role=Role.AGENT, kind=kind, body=body, created_at=NOW)


def feed(db, *items: ChangeItem) -> None:  # noqa: ANN001
    with db.reading() as session:
        cursor = int(meta.get(session, meta.CURSOR, "0") or 0)
    last = max([cursor, *(i.seq for i in items)])
    server_state.apply_page(db, ChangesPage(changes=list(items), cursor=last, has_more=False), AGENT.user_id)


def test_triage_shows_at_once_is_queued_once_and_survives_a_newer_server_state(db) -> None:
    feed(db, server_case())
    reference.save(db, reference.Reference(categories=["Billing", "Integrations"]))
    op_id, changes = staff_changes.triage(db, AGENT, CASE_ID, priority="high", category="billing", source="phone")
    assert changes.case_ids == {CASE_ID} and changes.outbox_changed
    detail = queries.case_detail(db, CASE_ID)
    # The category and source as the vendor spells them, whatever the letter case typed.
    assert (detail.case.priority, detail.case.category, detail.case.source) == ("high", "Billing", "Phone")
    assert [(a.id, a.action, a.sync_state) for a in detail.activity] == [(op_id, "triage", "waiting")]
    [op] = outbox.sendable(db)
    assert (op.op_id, op.kind, json.loads(op.payload)) == (
        op_id, "triage", {"id": op_id, "priority": "high", "category": "Billing", "source": "Phone"})

    # Someone else changes the case on the server before the triage is sent: the cache shows the
    # server's state with the waiting triage on top, the other changes kept.
    feed(db, server_case(2, subject="Printer still on fire", priority="low", category="Hardware"))
    case = queries.case_detail(db, CASE_ID).case
    assert (case.subject, case.priority, case.category, case.source) == ("Printer still on fire", "high", "Billing",
                                                                         "Phone")


def test_a_triage_is_checked_before_anything_is_written(db) -> None:
    feed(db, server_case())
    reference.save(db, reference.Reference(categories=["Billing"]))
    with pytest.raises(InvalidInput, match="There is no category 'Hardware'; choose one of Billing."):
        staff_changes.triage(db, AGENT, CASE_ID, category="Hardware")
    with pytest.raises(InvalidInput, match="no priority 'urgent'"):
        staff_changes.triage(db, AGENT, CASE_ID, priority="urgent")
    with pytest.raises(InvalidInput, match="no source 'Fax'"):
        staff_changes.triage(db, AGENT, CASE_ID, source="Fax")
    with pytest.raises(InvalidInput, match="Set a priority"):
        staff_changes.triage(db, AGENT, CASE_ID)
    with pytest.raises(InvalidInput, match="Only support staff triage cases."):
        staff_changes.triage(db, CUSTOMER, CASE_ID, priority="high")
    with pytest.raises(InvalidInput, match="Only support staff assign cases."):
        staff_changes.assign(db, CUSTOMER, CASE_ID, owner_id=CUSTOMER.user_id)
    assert outbox.counts(db).waiting == 0
    assert queries.case_detail(db, CASE_ID).activity == []


def test_with_no_category_list_yet_any_category_is_left_to_the_server(db) -> None:
    feed(db, server_case())
    staff_changes.triage(db, AGENT, CASE_ID, category="Anything at all")
    assert queries.case_detail(db, CASE_ID).case.category == "Anything at all"


def test_assignment_to_me_by_email_and_to_nobody(db) -> None:
    feed(db, server_case())
    staff_changes.assign(db, AGENT, CASE_ID, owner_email="SAM@vendor.example")  # my own address is me
    case = queries.case_detail(db, CASE_ID).case
    assert (case.owner_id, case.owner_name) == (AGENT.user_id, "Sam Agent")
    staff_changes.assign(db, AGENT, CASE_ID, owner_email="kim@vendor.example")
    case = queries.case_detail(db, CASE_ID).case
    assert (case.owner_id, case.owner_name) == (None, "kim@vendor.example")  # until the server names her
    staff_changes.assign(db, AGENT, CASE_ID)
    assert queries.case_detail(db, CASE_ID).case.owner_name == ""
    payloads = [json.loads(op.payload) for op in outbox.sendable(db)]
    assert [(p["owner_id"], p.get("owner_email")) for p in payloads] == [
        (AGENT.user_id, None), (None, "kim@vendor.example"), (None, None)]
    # A newer server state (owned by someone else) keeps the last waiting assignment on top.
    feed(db, server_case(2, owner_id=OTHER_AGENT_ID, owner_name="Kim Agent"))
    assert queries.case_detail(db, CASE_ID).case.owner_name == ""


def test_a_deleted_note_is_gone_at_once_stays_gone_until_sent_and_comes_back_if_discarded(db) -> None:
    mine = note(uuid.UUID(AGENT.user_id))
    log = AttachmentOut(id=uuid.uuid4(), case_id=uuid.UUID(CASE_ID), comment_id=mine.id, filename="trace.log",
                        size=12, sha256="ab" * 32, content_type="text/plain", created_at=NOW, staff_only=True)
    feed(db, server_case(), ChangeItem(seq=2, entity="comment", comment=mine),
         ChangeItem(seq=3, entity="attachment", attachment=log))
    op_id, _ = staff_changes.delete_note(db, AGENT, CASE_ID, str(mine.id)[:8])
    detail = queries.case_detail(db, CASE_ID)
    assert detail.comments == [] and detail.attachments == []  # the note's file goes with it
    assert json.loads(outbox.sendable(db)[0].payload)["comment_id"] == str(mine.id)
    # A feed page that still carries the note (its deletion is not sent yet) does not bring it back.
    feed(db, server_case(4), ChangeItem(seq=5, entity="comment", comment=mine))
    assert queries.case_detail(db, CASE_ID).comments == []
    outbox.discard(db, op_id)
    detail = queries.case_detail(db, CASE_ID)
    [back] = detail.comments
    assert (back.id, back.body, back.kind, back.sync_state) == (str(mine.id), "Checked the logs", "internal", "synced")
    assert [(a.id, a.comment_id, a.filename) for a in detail.attachments] == [(str(log.id), str(mine.id), "trace.log")]


def test_a_note_deleted_on_the_server_leaves_the_cache_with_its_files(db) -> None:
    mine = note(uuid.UUID(AGENT.user_id))
    log = AttachmentOut(id=uuid.uuid4(), case_id=uuid.UUID(CASE_ID), comment_id=mine.id, filename="trace.log",
                        size=12, sha256="ab" * 32, content_type="text/plain", created_at=NOW, staff_only=True)
    other = note(uuid.UUID(AGENT.user_id), "Stays")
    feed(db, server_case(), ChangeItem(seq=2, entity="comment", comment=mine),
         ChangeItem(seq=3, entity="attachment", attachment=log), ChangeItem(seq=4, entity="comment", comment=other))
    assert count(db, ListQuery(search="logs")) == 1
    gone = mine.model_copy(update={"body": "", "deleted_at": NOW})
    feed(db, ChangeItem(seq=5, entity="comment", comment=gone))
    detail = queries.case_detail(db, CASE_ID)
    assert [c.id for c in detail.comments] == [str(other.id)] and detail.attachments == []
    assert count(db, ListQuery(search="logs")) == 0  # nor does the search find its words
    # One entity at a time (a push answer) the same way.
    with db.transaction() as session:
        server_state.upsert_comment(session, other.model_copy(update={"body": "", "deleted_at": NOW}))
    assert queries.case_detail(db, CASE_ID).comments == []


def test_only_ones_own_internal_notes_can_be_deleted(db) -> None:
    theirs = note(OTHER_AGENT_ID, "Kim's note", name="Kim Agent")
    reply = note(uuid.UUID(AGENT.user_id), "A reply", CommentKind.REPLY)
    feed(db, server_case(), ChangeItem(seq=2, entity="comment", comment=theirs),
         ChangeItem(seq=3, entity="comment", comment=reply))
    with pytest.raises(InvalidInput, match="This note is Kim Agent's; you can delete only your own internal notes."):
        staff_changes.delete_note(db, AGENT, CASE_ID, str(theirs.id))
    with pytest.raises(InvalidInput, match="Only internal notes can be deleted"):
        staff_changes.delete_note(db, AGENT, CASE_ID, str(reply.id))
    with pytest.raises(LookupError, match="no comment"):
        staff_changes.delete_note(db, AGENT, CASE_ID, "ffffffff")
    with pytest.raises(InvalidInput, match="Only support staff can delete internal notes."):
        staff_changes.delete_note(db, CUSTOMER, CASE_ID, str(theirs.id))
    assert len(queries.case_detail(db, CASE_ID).comments) == 2 and outbox.counts(db).waiting == 0


def test_a_note_written_here_carries_my_id_and_can_be_deleted_before_it_is_sent(db) -> None:
    feed(db, server_case())
    note_id, _ = local_changes.add_comment(db, AGENT, CASE_ID, "Typo'd note", CommentKind.INTERNAL)
    staff_changes.delete_note(db, AGENT, CASE_ID, note_id)
    assert queries.case_detail(db, CASE_ID).comments == []
    assert [op.kind for op in outbox.sendable(db)] == ["add_comment", "delete_comment"]  # in the order made
