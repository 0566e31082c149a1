"""Lifecycle actions over HTTP: the domain table decides, the server records and answers."""

from __future__ import annotations

import uuid

from casedesktop.server.testing import ApiCaller


def test_staff_move_a_case_through_its_life(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    picked = agent.act(case["id"], "pick-up")
    assert picked.status_code == 200
    assert picked.json()["status"] == "open"
    assert picked.json()["owner_name"] == "Sam" and picked.json()["owner_id"] == agent.user["id"]

    resolved = agent.act(
        case["id"],
        "resolve",
        summary="Reinstalled the driver.",
        root_cause="Corrupt driver",
        resolution_type="Fix",
    )
    assert resolved.status_code == 200
    body = resolved.json()
    assert body["status"] == "resolved" and body["resolution_summary"] == "Reinstalled the driver."
    assert body["resolved_at"] is not None

    accepted = customer.act(case["id"], "accept", survey={"solved": "yes"})
    assert accepted.json()["status"] == "closed" and accepted.json()["closed_at"] is not None

    reopened = customer.act(case["id"], "reopen", reason="It is back.")
    assert reopened.json()["status"] == "open" and reopened.json()["resolution_summary"] == ""

    history = agent.get(f"/cases/{case['id']}/activity").json()
    assert [(a["action"], a["from_status"], a["to_status"]) for a in history] == [
        ("create", None, "new"),
        ("pick-up", "new", "open"),
        ("resolve", "open", "resolved"),
        ("accept", "resolved", "closed"),
        ("reopen", "closed", "open"),
    ]
    assert history[2]["reason"] == "Reinstalled the driver."
    assert history[4]["reason"] == "It is back." and history[4]["actor_name"] == "Ann"


def test_invalid_transition_is_409_with_current_status(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case()
    response = agent.act(case["id"], "resume")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_status"] == "new"


def test_missing_input_is_422_with_field(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    escalate = customer.act(case["id"], "escalate", reason="  ")
    assert escalate.status_code == 422
    assert escalate.json()["code"] == "validation" and escalate.json()["field"] == "reason"
    resolve = agent.act(case["id"], "resolve")
    assert resolve.status_code == 422 and resolve.json()["field"] == "summary"
    assert customer.get(f"/cases/{case['id']}").json()["status"] == "new"


def test_customer_cannot_take_staff_actions(customer: ApiCaller) -> None:
    case = customer.new_case()
    response = customer.act(case["id"], "pick-up")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_repeated_action_id_applies_once(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    request = {"id": str(uuid.uuid4()), "action": "escalate", "reason": "Payday is Friday."}
    first = customer.post(f"/cases/{case['id']}/actions", json=request)
    again = customer.post(f"/cases/{case['id']}/actions", json=request)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["escalated"] is True
    actions = [a["action"] for a in agent.get(f"/cases/{case['id']}/activity").json()]
    assert actions == ["create", "escalate"]

    other = customer.new_case()
    reused = customer.post(f"/cases/{other['id']}/actions", json=request)
    assert reused.status_code == 409 and reused.json()["code"] == "conflict"


def test_merge_needs_a_visible_parent(customer: ApiCaller, agent: ApiCaller) -> None:
    parent = customer.new_case(subject="Printer offline")
    duplicate = customer.new_case(subject="Printer still offline")
    nowhere = agent.act(duplicate["id"], "merge", parent_case_id=str(uuid.uuid4()))
    assert nowhere.status_code == 422 and nowhere.json()["field"] == "parent_case_id"
    itself = agent.act(duplicate["id"], "merge", parent_case_id=duplicate["id"])
    assert itself.status_code == 422

    merged = agent.act(duplicate["id"], "merge", parent_case_id=parent["id"])
    assert merged.status_code == 200
    assert merged.json()["status"] == "merged" and merged.json()["parent_case_id"] == parent["id"]
