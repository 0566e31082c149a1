"""The staff desk on the server: categories, triage with its history, assignment by email, the
source of new cases, service levels, deleting one's own internal note, reopening a resolved
case, asking the customer, the summary cards and the list's staff filters.

One server per backend for the module (`desk_world`); every test makes its own cases.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from casedesktop.domain import Priority
from casedesktop.server.base import utcnow
from casedesktop.server.models import Case
from casedesktop.server.services import sla
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.testing import ApiCaller, ServerHandle

CATEGORIES = ("Billing", "Access", "bank feeds")


@dataclass
class People:
    server: ServerHandle
    ann: ApiCaller  # customer of Acme
    bob: ApiCaller  # customer of Beta
    sam: ApiCaller  # agent
    ada: ApiCaller  # admin

    def acme_case(self, **fields: Any) -> dict[str, Any]:
        return self.ann.new_case(**fields)

    def set_times(self, case_id: str, **times: datetime) -> None:
        def work(session: Any) -> None:
            case = session.get(Case, uuid.UUID(case_id))
            for name, value in times.items():
                setattr(case, name, value)

        self.server.sessions.run_write(work)


@pytest.fixture(scope="module")
def people(desk_world: ServerHandle) -> People:
    def settings(session: Any) -> None:
        for name in CATEGORIES:
            ensure_category(session, name, utcnow())
        sla.set_targets(
            session,
            Priority.CRITICAL,
            utcnow(),
            first_response=timedelta(hours=1),
            resolution=timedelta(hours=8),
        )
        sla.set_targets(session, Priority.HIGH, utcnow(), resolution=timedelta(days=2))

    desk_world.sessions.run_write(settings)
    return People(
        desk_world,
        desk_world.signed_in("ann@acme.example"),
        desk_world.signed_in("bob@beta.example"),
        desk_world.signed_in("sam@vendor.example"),
        desk_world.signed_in("ada@vendor.example"),
    )


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _activity(client: ApiCaller, case_id: str) -> list[dict[str, Any]]:
    return client.get(f"/cases/{case_id}/activity").json()


# --- Categories and triage -------------------------------------------------------------------


def test_categories_are_listed_by_name_for_everyone(people: People) -> None:
    for client in (people.ann, people.bob, people.sam):
        answer = client.get("/categories")
        assert answer.status_code == 200
        assert [c["name"] for c in answer.json()] == ["Access", "bank feeds", "Billing"]
    assert people.server.anonymous().get("/categories").status_code == 401


def test_triage_takes_the_vendors_categories_and_logs_old_to_new(people: People) -> None:
    case = people.acme_case(severity="low")
    path = f"/cases/{case['id']}/triage"
    unknown = people.sam.post(path, json={"category": "Pigeons"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "category"
    assert "create-category" in unknown.json()["message"]
    assert "Billing" in unknown.json()["message"]

    body = {"id": str(uuid.uuid4()), "category": " billing ", "source": "email", "priority": "high"}
    triaged = people.sam.post(path, json=body)
    assert triaged.status_code == 200, triaged.text
    assert (triaged.json()["category"], triaged.json()["source"]) == ("Billing", "Email")
    assert people.sam.post(path, json=body).json() == triaged.json()  # a replay: once
    again = people.sam.post(path, json={"priority": "high", "category": "BILLING"})
    assert again.status_code == 200  # changes nothing, so writes nothing
    cleared = people.sam.post(path, json={"category": "", "priority": "critical"}).json()
    assert (cleared["category"], cleared["priority"]) == ("", "critical")

    entries = [a for a in _activity(people.sam, case["id"]) if a["action"] == "triage"]
    assert [e["reason"] for e in entries] == [
        "priority: (none) → high; category: (none) → Billing; source: Desktop → Email",
        "priority: high → critical; category: Billing → (none)",
    ]
    assert entries[1]["details"] == {
        "priority": "critical",
        "previous_priority": "high",
        "category": "",
        "previous_category": "Billing",
    }
    bad_source = people.sam.post(path, json={"source": "Pigeon"})
    assert bad_source.status_code == 422 and bad_source.json()["field"] == "source"
    assert people.ann.post(path, json={"source": "Email"}).status_code == 403
    # The customer sees none of it: not the fields, not the entries, not even a later update.
    seen = people.ann.get(f"/cases/{case['id']}").json()
    assert (seen["priority"], seen["category"], seen["sla"]) == (None, "", None)
    assert seen["source"] == "Email"  # where the case came from is no secret
    assert seen["updated_at"] == case["updated_at"]
    assert [a["action"] for a in _activity(people.ann, case["id"])] == ["create"]


def test_assign_by_email_or_id(people: People) -> None:
    case = people.acme_case()
    path = f"/cases/{case['id']}/assign"
    by_email = people.sam.post(path, json={"owner_email": " ADA@vendor.example "})
    assert by_email.status_code == 200, by_email.text
    assert (by_email.json()["owner_name"], by_email.json()["owner_id"]) == (
        "Ada Admin",
        people.ada.user["id"],
    )
    for email in ("nobody@vendor.example", "ann@acme.example"):  # unknown, or not staff
        refused = people.sam.post(path, json={"owner_email": email})
        assert refused.status_code == 422 and refused.json()["field"] == "owner_email"
    both = people.sam.post(path, json={"owner_email": "ada@vendor.example", "owner_id": people.sam.user["id"]})
    assert both.status_code == 422 and both.json()["field"] == "owner_email"
    assert people.sam.post(path, json={"owner_id": people.sam.user["id"]}).status_code == 200
    forgot = people.sam.post(path, json={})  # a client that forgot the field does not unassign
    assert forgot.status_code == 422 and forgot.json()["field"] == "owner_id"
    assert people.sam.get(f"/cases/{case['id']}").json()["owner_id"] == people.sam.user["id"]
    assert people.sam.post(path, json={"owner_id": None}).json()["owner_id"] is None
    entries = [a for a in _activity(people.sam, case["id"]) if a["action"] == "assign"]
    assert [e["reason"] for e in entries] == ["assigned to Ada Admin", "assigned to Sam Agent", "unassigned"]
    assert entries[1]["details"]["previous_owner_name"] == "Ada Admin"
    assert people.ann.get(f"/cases/{case['id']}").json()["owner_name"] == ""


def test_new_cases_record_where_they_came_from(people: People) -> None:
    assert people.ann.new_case()["source"] == "Desktop"
    assert people.ann.new_case(source="portal")["source"] == "Portal"
    body = {"id": str(uuid.uuid4()), "subject": "s", "description": "d"}
    phone = people.ann.post("/cases", json={**body, "source": "Phone"})
    assert phone.status_code == 422 and phone.json()["field"] == "source"
    for field, value in (("priority", "high"), ("category", "Billing")):
        refused = people.ann.post("/cases", json={**body, field: value})
        assert refused.status_code == 422 and refused.json()["field"] == field
        assert f"Only support staff set the {field}" in refused.json()["message"]

    acme = people.ann.user["account_ids"][0]
    staff_body = {**body, "account_id": acme, "source": "chat", "priority": "critical"}
    unknown = people.sam.post("/cases", json={**staff_body, "category": "Pigeons"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "category"
    made = people.sam.post("/cases", json={**staff_body, "category": "access"})
    assert made.status_code == 201, made.text
    logged = made.json()
    assert (logged["source"], logged["priority"], logged["category"]) == ("Chat", "critical", "Access")
    assert logged["sla"]["state"] == "ok"  # critical has targets
    for_ann = people.ann.get(f"/cases/{logged['id']}").json()
    assert (for_ann["priority"], for_ann["category"], for_ann["sla"]) == (None, "", None)
    assert for_ann["source"] == "Chat"
    assert people.sam.post("/cases", json={**staff_body, "category": "access"}).json() == logged


# --- Service levels ---------------------------------------------------------------------------


def test_service_levels_follow_the_targets_and_the_case(people: People) -> None:
    case = people.acme_case()
    case_id = case["id"]
    people.sam.post(f"/cases/{case_id}/triage", json={"priority": "critical"})
    opened = _iso(case["created_at"])
    standing = people.sam.get(f"/cases/{case_id}").json()["sla"]
    assert _iso(standing["first_response_due"]) == opened + timedelta(hours=1)
    assert _iso(standing["resolution_due"]) == opened + timedelta(hours=8)
    assert (standing["state"], standing["breached"], standing["first_response_at"]) == ("ok", [], None)
    assert people.ann.get(f"/cases/{case_id}").json()["sla"] is None

    # Neither a note nor the customer's own reply is a first response; staff's reply is.
    people.sam.comment(case_id, "Looking at the logs.", "internal")
    people.ann.comment(case_id, "Any news?")
    assert people.sam.get(f"/cases/{case_id}").json()["sla"]["first_response_at"] is None
    reply = people.sam.comment(case_id, "We are on it.").json()
    standing = people.sam.get(f"/cases/{case_id}").json()["sla"]
    assert standing["first_response_at"] == reply["created_at"]

    # Opened two days ago, answered after two hours: both targets missed.
    people.set_times(
        case_id,
        created_at=utcnow() - timedelta(days=2),
        first_response_at=utcnow() - timedelta(days=2) + timedelta(hours=2),
    )
    standing = people.sam.get(f"/cases/{case_id}").json()["sla"]
    assert standing["state"] == "overdue"
    assert standing["breached"] == ["first_response", "resolution"]
    # A priority without targets has no standing; targets are read per answer, never stored.
    people.sam.post(f"/cases/{case_id}/triage", json={"priority": "low"})
    assert people.sam.get(f"/cases/{case_id}").json()["sla"] is None
    people.server.sessions.run_write(
        lambda session: sla.set_targets(session, Priority.LOW, utcnow(), resolution=timedelta(days=3))
    )
    try:
        standing = people.sam.get(f"/cases/{case_id}").json()["sla"]
        assert standing["first_response_due"] is None and standing["state"] == "ok"
    finally:
        people.server.sessions.run_write(lambda session: sla.clear_targets(session, Priority.LOW))


def test_resolving_meets_the_targets(people: People) -> None:
    case_id = people.acme_case()["id"]
    people.sam.post(f"/cases/{case_id}/triage", json={"priority": "critical"})
    resolved = people.sam.post(f"/cases/{case_id}/resolve", json={"summary": "Fixed."}).json()
    # No reply came, but the resolution ended the wait for one: both in time.
    assert (resolved["sla"]["state"], resolved["sla"]["breached"]) == ("met", [])
    in_feed, _ = people.sam.all_changes()
    mine = [i["case"] for i in in_feed if i["entity"] == "case" and i["case"]["id"] == case_id]
    assert mine[-1]["sla"]["state"] == "met"


# --- Deleting one's own internal note ----------------------------------------------------------


def test_staff_delete_their_own_notes_and_the_feed_says_so(people: People) -> None:
    sam, ada, ann = people.sam, people.ada, people.ann
    case_id, other_case = people.acme_case()["id"], people.acme_case()["id"]
    note = sam.comment(case_id, "NOTE-EMU: wrong customer, ignore.", "internal").json()
    note_file = sam.upload(case_id, b"EMU-BYTES", "emu.txt", comment_id=note["id"])
    ada_note = ada.comment(case_id, "Ada's own note.", "internal").json()
    reply = sam.comment(case_id, "A reply.").json()
    _, staff_cursor = sam.all_changes()
    _, ann_cursor = ann.all_changes()
    path = f"/cases/{case_id}/comments/{{}}"

    assert ann.http.delete(ann.base + path.format(reply["id"])).status_code == 403
    assert ann.http.delete(ann.base + path.format(note["id"])).status_code == 403
    assert people.bob.http.delete(people.bob.base + path.format(note["id"])).status_code == 404
    assert ada.http.delete(ada.base + path.format(note["id"])).status_code == 403  # Sam's
    assert sam.http.delete(sam.base + path.format(reply["id"])).status_code == 403  # a reply
    assert sam.http.delete(sam.base + path.format(uuid.uuid4())).status_code == 404
    elsewhere = sam.http.delete(sam.base + f"/cases/{other_case}/comments/{note['id']}")
    assert elsewhere.status_code == 404
    for _attempt in range(2):  # deleting it again changes nothing and answers the same
        deleted = sam.http.delete(sam.base + path.format(note["id"]))
        assert deleted.status_code == 204 and deleted.content == b""

    listed = sam.get(f"/cases/{case_id}/comments").json()
    assert {c["id"] for c in listed} == {ada_note["id"], reply["id"]}
    assert sam.get(f"/cases/{case_id}/attachments").json() == []
    assert sam.get(f"/attachments/{note_file['id']}").status_code == 404
    entries = [a for a in _activity(sam, case_id) if a["action"] == "delete-note"]
    assert len(entries) == 1 and entries[0]["reason"] == "internal note deleted"
    assert entries[0]["details"] == {"comment_id": note["id"]}

    staff_feed, _ = sam.all_changes(staff_cursor)
    assert [i["entity"] for i in staff_feed] == ["comment", "activity"]
    gone = staff_feed[0]["comment"]
    assert (gone["id"], gone["body"], gone["kind"]) == (note["id"], "", "internal")
    assert gone["deleted_at"] is not None
    # From the start, a staff client never meets the note's text or its file.
    everything, _ = sam.all_changes()
    assert "EMU" not in str(everything) and "emu.txt" not in str(everything)
    ann_feed, _ = ann.all_changes(ann_cursor)
    assert ann_feed == []
    upload = sam.start_upload(case_id, 3, comment_id=note["id"])
    assert upload.status_code == 404  # a deleted note takes no more files


# --- Reopening a resolved case ----------------------------------------------------------------


def test_a_resolved_case_reopens_keeping_the_earlier_resolution(people: People) -> None:
    for who in ("sam", "ann"):
        case_id = people.acme_case()["id"]
        people.sam.post(
            f"/cases/{case_id}/resolve",
            json={"summary": "Cleared the cache.", "root_cause": "Stale cache", "resolution_type": "Fix"},
        )
        reopened = getattr(people, who).post(f"/cases/{case_id}/reopen", json={"reason": "It is back."})
        assert reopened.status_code == 200, reopened.text
        case = reopened.json()
        assert case["status"] == "open" and case["resolution_summary"] == ""
        assert case["resolution_root_cause"] == case["resolution_type"] == "" and case["resolved_at"] is None
        last = _activity(people.ann, case_id)[-1]
        assert (last["action"], last["from_status"], last["reason"]) == ("reopen", "resolved", "It is back.")
        assert last["details"]["previous_summary"] == "Cleared the cache."
        assert last["details"]["previous_root_cause"] == "Stale cache"
        assert last["details"]["previous_resolution_type"] == "Fix"
    # Rejecting the resolution still works as before.
    case_id = people.acme_case()["id"]
    people.sam.post(f"/cases/{case_id}/resolve", json={"summary": "Done."})
    assert people.ann.post(f"/cases/{case_id}/reject", json={"reason": "No."}).json()["status"] == "open"
    refused = people.sam.post(f"/cases/{case_id}/reopen", json={"reason": "Again"})
    assert refused.status_code == 409
    assert refused.json()["message"].startswith(
        "Only a resolved or closed case can be reopened; this one is open."
    )


# --- Asking the customer ---------------------------------------------------------------------


def test_ask_customer_is_one_reply_and_one_wait(people: People) -> None:
    case_id = people.acme_case()["id"]
    path = f"/cases/{case_id}/ask-customer"
    body = {"id": str(uuid.uuid4()), "question": "Which version do you run?"}
    new = people.sam.post(path, json=body)
    assert new.status_code == 409 and new.json()["current_status"] == "new"
    assert "You can" in new.json()["message"]
    people.sam.post(f"/cases/{case_id}/pick-up")
    assert people.ann.post(path, json=body).status_code == 403
    blank = people.sam.post(path, json={**body, "question": " \u200b "})
    assert blank.status_code == 422 and blank.json()["field"] == "question"

    asked = people.sam.post(path, json=body)
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "pending_customer"
    assert people.sam.post(path, json=body).json() == asked.json()  # a retry: once
    replies = people.ann.get(f"/cases/{case_id}/comments").json()
    assert [(c["id"], c["body"], c["kind"]) for c in replies] == [
        (body["id"], "Which version do you run?", "reply")
    ]
    entry = _activity(people.ann, case_id)[-1]
    assert (entry["action"], entry["to_status"]) == ("pending-customer", "pending_customer")
    again = people.sam.post(path, json={"id": str(uuid.uuid4()), "question": "And the OS?"})
    assert again.status_code == 409 and again.json()["current_status"] == "pending_customer"
    people.ann.comment(case_id, "5.2 on Windows.")
    assert people.ann.get(f"/cases/{case_id}").json()["status"] == "open"


def test_staff_changes_also_go_through_push(people: People) -> None:
    case_id = people.acme_case()["id"]
    people.sam.post(f"/cases/{case_id}/pick-up")
    note = people.sam.comment(case_id, "To be deleted.", "internal").json()
    ask = {"id": str(uuid.uuid4()), "question": "Pushed question?"}
    delete = {"id": str(uuid.uuid4()), "comment_id": note["id"]}
    mutations = [
        {"seq": 1, "id": ask["id"], "kind": "ask_customer", "case_id": case_id, "payload": ask},
        {"seq": 2, "id": delete["id"], "kind": "delete_comment", "case_id": case_id, "payload": delete},
    ]
    body = {"device_id": str(uuid.uuid4()), "mutations": mutations}
    for expected in ("applied", "duplicate"):
        answer = people.sam.post("/push", json=body)
        assert answer.status_code == 200
        assert [r["status"] for r in answer.json()["results"]] == [expected, expected]
    assert people.sam.get(f"/cases/{case_id}").json()["status"] == "pending_customer"
    assert note["id"] not in people.sam.get(f"/cases/{case_id}/comments").text
    refused = people.ann.post(
        "/push", json={"device_id": str(uuid.uuid4()), "mutations": mutations}
    ).json()["results"]
    assert [(r["status"], r["error"]["code"]) for r in refused[:1]] == [("refused", "forbidden")]


# --- The summary cards and the list's filters ---------------------------------------------------


def test_the_summary_counts_the_desk(people: People) -> None:
    sam = people.sam
    before = sam.get("/staff/summary").json()
    critical = people.acme_case()["id"]
    sam.post(f"/cases/{critical}/triage", json={"priority": "critical"})
    sam.post(f"/cases/{critical}/assign", json={"owner_email": "sam@vendor.example"})
    late = people.acme_case()["id"]
    sam.post(f"/cases/{late}/triage", json={"priority": "critical"})
    people.set_times(late, created_at=utcnow() - timedelta(days=1))
    done = people.acme_case()["id"]
    sam.comment(done, "Here is how.")
    sam.post(f"/cases/{done}/resolve", json={"summary": "Explained."})
    people.ann.post(f"/cases/{done}/accept", json={"survey": {"satisfaction": "4"}})

    after = sam.get("/staff/summary").json()
    counted = ("open", "total", "critical", "overdue", "unassigned", "mine", "resolved_today")
    grew = {key: after[key] - before[key] for key in counted}
    assert grew == {
        "open": 2, "total": 3, "critical": 2, "overdue": 1, "unassigned": 1, "mine": 1, "resolved_today": 1
    }  # fmt: skip
    assert after["window_days"] == 30
    assert after["csat"]["answers"] == before["csat"]["answers"] + 1
    assert after["csat"]["average"] is not None and after["avg_first_response_seconds"] is not None

    # "Today" starts at midnight where the desk is.
    assert sam.get("/staff/summary", params={"tz": "Pacific/Kiritimati"}).status_code == 200
    for bad in ("Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Europe", "x" * 65):
        refused = sam.get("/staff/summary", params={"tz": bad})
        assert refused.status_code == 422 and refused.json()["field"] == "tz", bad
    assert people.ann.get("/staff/summary").status_code == 403
    assert people.ann.get("/staff/summary", params={"tz": "Mars/Olympus"}).status_code == 403


def test_staff_filter_the_list_by_priority_owner_and_queue(people: People) -> None:
    sam = people.sam
    high = people.acme_case()["id"]
    sam.post(f"/cases/{high}/triage", json={"priority": "high"})
    critical = people.acme_case()["id"]
    sam.post(f"/cases/{critical}/triage", json={"priority": "critical"})
    sam.post(f"/cases/{critical}/assign", json={"owner_email": "ada@vendor.example"})
    waiting = people.acme_case()["id"]
    sam.post(f"/cases/{waiting}/pick-up")
    sam.post(f"/cases/{waiting}/ask-customer", json={"id": str(uuid.uuid4()), "question": "Logs?"})
    resolved = people.acme_case()["id"]
    sam.post(f"/cases/{resolved}/resolve", json={"summary": "Done."})

    def ids(**params: Any) -> set[str]:
        answer = sam.get("/cases", params=params)
        assert answer.status_code == 200, answer.text
        return {c["id"] for c in answer.json()}

    assert {high, critical} <= ids(priority=["high", "critical"])
    assert high not in ids(priority="critical") and critical in ids(priority="critical")
    assert critical in ids(owner="ada@vendor.example") and high not in ids(owner="ada@vendor.example")
    assert waiting in ids(owner="me") and waiting in ids(queue="mine")
    assert high in ids(owner="none") and critical not in ids(owner="none")
    assert high in ids(queue="unassigned") and resolved not in ids(queue="unassigned")
    assert waiting in ids(queue="waiting") and high not in ids(queue="waiting")
    assert resolved in ids(queue="resolved") and resolved not in ids(queue="open")
    assert {high, critical, waiting} <= ids(queue="open")
    assert {high, critical, waiting, resolved} <= ids(queue="all")
    people.set_times(critical, created_at=utcnow() - timedelta(days=1))
    assert critical in ids(queue="overdue") and high not in ids(queue="overdue")
    assert ids(queue="overdue", owner="none").isdisjoint({critical})

    refused = sam.get("/cases", params={"owner": "ann@acme.example"})
    assert refused.status_code == 422 and refused.json()["field"] == "owner"
    assert sam.get("/cases", params={"queue": "later"}).status_code == 422
    assert sam.get("/cases", params={"priority": "urgent"}).status_code == 422
    for params in ({"priority": "high"}, {"owner": "me"}, {"queue": "all"}):
        answer = people.ann.get("/cases", params=params)
        assert answer.status_code == 403 and "Only support staff" in answer.json()["message"]

