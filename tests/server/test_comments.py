"""Replies and internal notes: notes never reach a customer; a customer's reply reopens a case."""

from __future__ import annotations

import uuid

from casedesktop.server.testing import ApiCaller


def test_reply_is_idempotent_by_comment_id(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    body = {"id": str(uuid.uuid4()), "body": "Any news?"}
    first = customer.post(f"/cases/{case['id']}/comments", json=body)
    again = customer.post(f"/cases/{case['id']}/comments", json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["author_name"] == "Ann" and first.json()["author_role"] == "customer"
    assert [c["id"] for c in agent.get(f"/cases/{case['id']}/comments").json()] == [body["id"]]

    stolen = agent.post(f"/cases/{case['id']}/comments", json={**body, "body": "mine"})
    assert stolen.status_code == 409 and stolen.json()["code"] == "conflict"


def test_customer_cannot_write_internal_notes(customer: ApiCaller) -> None:
    case = customer.new_case()
    response = customer.comment(case["id"], "let me peek", kind="internal")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert customer.get(f"/cases/{case['id']}/comments").json() == []


def test_internal_notes_reach_staff_only(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    _, cursor = customer.all_changes()
    note = agent.comment(case["id"], "Customer is on an old build.", kind="internal")
    assert note.status_code == 201 and note.json()["kind"] == "internal"
    reply = agent.comment(case["id"], "Which version are you on?")
    assert reply.status_code == 201

    seen = customer.get(f"/cases/{case['id']}/comments").json()
    assert [c["body"] for c in seen] == ["Which version are you on?"]
    staff_seen = agent.get(f"/cases/{case['id']}/comments").json()
    assert [c["kind"] for c in staff_seen] == ["internal", "reply"]

    items, _ = customer.all_changes(cursor)
    comments = [i["comment"] for i in items if i["entity"] == "comment"]
    assert [c["body"] for c in comments] == ["Which version are you on?"]
    assert "old build" not in str(items)
    staff_items, _ = agent.all_changes(cursor)
    assert [i["comment"]["kind"] for i in staff_items if i["entity"] == "comment"] == [
        "internal",
        "reply",
    ]


def test_customer_reply_reopens_a_case_waiting_on_them(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case()
    assert agent.act(case["id"], "pick-up").status_code == 200
    assert agent.act(case["id"], "pending-customer").json()["status"] == "pending_customer"

    assert agent.comment(case["id"], "Still waiting for the log.").status_code == 201
    assert customer.get(f"/cases/{case['id']}").json()["status"] == "pending_customer"

    assert customer.comment(case["id"], "Log attached.").status_code == 201
    assert customer.get(f"/cases/{case['id']}").json()["status"] == "open"
    last = customer.get(f"/cases/{case['id']}/activity").json()[-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "reply",
        "pending_customer",
        "open",
    )
    assert last["actor_name"] == "Ann"


def test_blank_reply_names_the_field(customer: ApiCaller) -> None:
    case = customer.new_case()
    response = customer.comment(case["id"], "   ")
    assert response.status_code == 422 and response.json()["field"] == "body"
