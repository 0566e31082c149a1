"""Internal notes are staff's alone: no view a customer can reach (the case, the list, the feed,
comments, activity, attachment lists and downloads) carries a note, a file attached to one, or
even a trace that one was written. The same holds for the rest of staff's bookkeeping: deleted
notes, triage, assignments and service levels."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from casedesktop.domain import Priority
from casedesktop.server.base import utcnow
from casedesktop.server.services import sla
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.testing import ApiCaller, ServerHandle


def test_no_customer_view_contains_an_internal_note(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    reply = customer.comment(case["id"], "Here is what happens.").json()
    customer.upload(case["id"], b"customer log", "customer.log", comment_id=reply["id"])
    before = customer.get(f"/cases/{case['id']}").json()
    _, cursor = customer.all_changes()

    note = agent.comment(case["id"], "NOTE-KIWI: customer runs an unsupported build.", "internal")
    note = note.json()
    note_file = agent.upload(case["id"], b"NOTE-FILE-BYTES", "note-kiwi.txt", comment_id=note["id"])
    assert note_file["staff_only"] is True
    secrets = ("KIWI", "kiwi", note["id"], note_file["id"], note_file["sha256"], "NOTE-FILE")

    views = {
        "case": customer.get(f"/cases/{case['id']}"),
        "list": customer.get("/cases"),
        "comments": customer.get(f"/cases/{case['id']}/comments"),
        "activity": customer.get(f"/cases/{case['id']}/activity"),
        "attachments": customer.get(f"/cases/{case['id']}/attachments"),
        "feed": customer.get("/changes", params={"cursor": 0}),
        "feed after": customer.get("/changes", params={"cursor": cursor}),
        "file": customer.get(f"/attachments/{note_file['id']}"),
        "download": customer.get(f"/attachments/{note_file['id']}/content"),
        "ranged": customer.get(
            f"/attachments/{note_file['id']}/content", headers={"Range": "bytes=0-3"}
        ),
    }
    for name, response in views.items():
        text = response.text + str(dict(response.headers))
        assert not [s for s in secrets if s in text], f"{name} shows an internal note"
    assert views["file"].status_code == views["download"].status_code == 404
    assert views["ranged"].status_code == 404

    # Not even a trace: the case did not move, the feed has nothing new, counts are unchanged.
    assert views["case"].json() == before
    page = views["feed after"].json()
    assert page["changes"] == [] and page["cursor"] > cursor
    assert len(views["comments"].json()) == 1 and len(views["attachments"].json()) == 1
    assert [a["action"] for a in views["activity"].json()] == ["create"]

    # Staff see all of it.
    assert "KIWI" in agent.get(f"/cases/{case['id']}/comments").text
    staff_files = agent.get(f"/cases/{case['id']}/attachments").json()
    assert {f["filename"] for f in staff_files} == {"customer.log", "note-kiwi.txt"}
    assert agent.get(f"/attachments/{note_file['id']}/content").content == b"NOTE-FILE-BYTES"
    staff_feed, _ = agent.all_changes(cursor)
    assert [i["entity"] for i in staff_feed] == ["comment", "attachment"]


def test_customers_cannot_write_or_attach_to_notes(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    note = agent.comment(case["id"], "Staff only.", "internal").json()
    assert customer.comment(case["id"], "sneaky", "internal").status_code == 403
    # A note's id is as unknown to a customer as an id that never existed.
    attach = customer.start_upload(case["id"], 3, comment_id=note["id"])
    assert attach.status_code == 404 and attach.json()["code"] == "not_found"


def test_no_customer_view_shows_staff_bookkeeping(
    world: ServerHandle, customer: ApiCaller, agent: ApiCaller
) -> None:
    """Triage, assignment, service levels and deleted notes are staff's alone, down to the
    entries that record them; the customer's case does not even move."""

    def settings(session: Any) -> None:
        ensure_category(session, "Kakapo desk", utcnow())
        sla.set_targets(session, Priority.HIGH, utcnow(), first_response=timedelta(minutes=30))

    world.sessions.run_write(settings)
    case = customer.new_case()
    before = customer.get(f"/cases/{case['id']}").json()
    _, cursor = customer.all_changes()

    note = agent.comment(case["id"], "NOTE-KAKAPO: refund pending.", "internal").json()
    path = f"/cases/{case['id']}"
    assert agent.http.delete(f"{agent.base}{path}/comments/{note['id']}").status_code == 204
    triage = {"priority": "high", "category": "Kakapo desk", "severity": "urgent"}
    assert agent.post(f"{path}/triage", json=triage).status_code == 200
    assert agent.post(f"{path}/assign", json={"owner_email": "sam@vendor.example"}).status_code == 200
    staff_case = agent.get(path).json()
    assert staff_case["sla"]["first_response_due"] and staff_case["owner_name"] == "Sam"
    secrets = (
        "KAKAPO", "Kakapo", note["id"], "delete-note", "note deleted", "first_response_due",
        "resolution_due", '"priority":"', '"owner_name":"Sam', '"owner_id":"', "assigned to",
        '"action":"triage"', '"action":"assign"', "→",
    )  # fmt: skip

    views = {
        "case": customer.get(path),
        "list": customer.get("/cases"),
        "comments": customer.get(f"{path}/comments"),
        "activity": customer.get(f"{path}/activity"),
        "feed": customer.get("/changes", params={"cursor": 0}),
        "feed after": customer.get("/changes", params={"cursor": cursor}),
        # What a customer's own attempts are told.
        "delete": customer.http.delete(f"{customer.base}{path}/comments/{note['id']}"),
        "triage": customer.post(f"{path}/triage", json={"priority": "low"}),
        "assign": customer.post(f"{path}/assign", json={"owner_email": "sam@vendor.example"}),
        "summary": customer.get("/staff/summary"),
        "filtered": customer.get("/cases", params={"priority": "high"}),
        "ask": customer.post(f"{path}/ask-customer", json={"id": str(uuid.uuid4()), "question": "?"}),
    }
    for name, response in views.items():
        text = response.text + str(dict(response.headers))
        assert not [s for s in secrets if s in text], f"{name} shows staff's bookkeeping: {text}"
    assert {views[n].status_code for n in ("delete", "triage", "assign", "summary")} == {403}
    assert views["filtered"].status_code == views["ask"].status_code == 403
    after = views["case"].json()
    assert after == {**before, "severity": "urgent"}  # the customer's own field only
    page = views["feed after"].json()
    assert page["changes"] == [] and page["cursor"] > cursor
    assert [a["action"] for a in views["activity"].json()] == ["create"]
