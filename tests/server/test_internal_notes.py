"""Internal notes are staff's alone: no view a customer can reach (the case, the list, the feed,
comments, activity, attachment lists and downloads) carries a note, a file attached to one, or
even a trace that one was written."""

from __future__ import annotations

from casedesktop.server.testing import ApiCaller


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
