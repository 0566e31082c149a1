"""POST /push on the wire: numbered changes applied once and in order, gaps refused, refusals
final and remembered, devices bound to their user, versions checked."""

from __future__ import annotations

import threading
import uuid

from casedesktop.server.testing import ServerHandle
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL, OTHER_CUSTOMER_EMAIL


def _case(case_id: str, subject: str = "Printer offline") -> dict:
    return {"seq": 0, "id": case_id, "kind": "create_case", "case_id": case_id,
            "payload": {"id": case_id, "subject": subject, "description": "It stopped."}}


def _reply(case_id: str, body: str = "More detail") -> dict:
    comment_id = str(uuid.uuid4())
    return {"seq": 0, "id": comment_id, "kind": "add_comment", "case_id": case_id,
            "payload": {"id": comment_id, "body": body}}


def _action(case_id: str, action: str, **fields: str) -> dict:
    action_id = str(uuid.uuid4())
    return {"seq": 0, "id": action_id, "kind": "action", "case_id": case_id,
            "payload": {"id": action_id, "action": action, **fields}}


def _numbered(first: int, *mutations: dict) -> list[dict]:
    return [{**m, "seq": first + i} for i, m in enumerate(mutations)]


def _push(client, device: str, mutations: list[dict], version: int = 1):  # noqa: ANN001, ANN202
    return client.post("/push", json={"device_id": device, "protocol_version": version, "mutations": mutations})


def test_changes_apply_in_order_once_and_a_resent_push_changes_nothing(any_world: ServerHandle) -> None:
    ann = any_world.signed_in(CUSTOMER_EMAIL)
    device, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    batch = _numbered(1, _case(case_id), _reply(case_id, "first"), _action(case_id, "escalate", reason="Down"),
                      _reply(case_id, "second"))
    answer = _push(ann, device, batch)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["last_seq"] == 4 and body["protocol_version"] == 1
    assert [r["status"] for r in body["results"]] == ["applied"] * 4
    assert body["results"][0]["case"]["number"].startswith("CS-")
    assert body["results"][2]["case"]["escalated"] is True
    assert body["results"][1]["comment"]["body"] == "first"

    again = _push(ann, device, batch).json()  # the answer was lost; the client sends it all again
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4
    assert again["results"][1]["comment"]["body"] == "first"
    comments = ann.get(f"/cases/{case_id}/comments").json()
    assert [c["body"] for c in comments] == ["first", "second"]
    activity = [a["action"] for a in ann.get(f"/cases/{case_id}/activity").json()]
    assert activity.count("escalate") == 1


def test_a_gap_or_a_reused_number_is_refused_without_applying(any_world: ServerHandle) -> None:
    ann = any_world.signed_in(CUSTOMER_EMAIL)
    device, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    gap = _push(ann, device, _numbered(2, _case(case_id))).json()
    assert gap["last_seq"] == 0 and [r["status"] for r in gap["results"]] == ["gap"]
    assert ann.get(f"/cases/{case_id}").status_code == 404
    assert _push(ann, device, _numbered(1, _case(case_id))).json()["results"][0]["status"] == "applied"
    reused = _push(ann, device, _numbered(1, _reply(case_id))).json()  # number 1 was another change
    assert reused["results"][0]["status"] == "gap" and reused["last_seq"] == 1
    assert ann.get(f"/cases/{case_id}/comments").json() == []
    # After a gap nothing more of the request applies, even a number that happens to fit.
    late = _reply(case_id, "must wait")
    both = _push(ann, device, [{**_reply(case_id), "seq": 1}, {**late, "seq": 2}]).json()
    assert [r["status"] for r in both["results"]] == ["gap", "gap"] and both["last_seq"] == 1
    assert ann.get(f"/cases/{case_id}/comments").json() == []


def test_a_refusal_is_final_remembered_and_blocks_later_changes_of_its_case_only(any_world: ServerHandle) -> None:
    ann = any_world.signed_in(CUSTOMER_EMAIL)
    device, first, second = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    _push(ann, device, _numbered(1, _case(first), _case(second)))
    batch = _numbered(3, _action(first, "accept"), _reply(first, "after the refusal"), _reply(second, "flows"))
    body = _push(ann, device, batch).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["refused", "blocked", "applied"]
    refused = body["results"][0]
    assert refused["error"]["code"] == "invalid_transition" and refused["error"]["current_status"] == "new"
    assert refused["case"]["status"] == "new"  # the server's state, for the client to show
    assert body["last_seq"] == 5
    again = _push(ann, device, batch).json()
    assert [r["status"] for r in again["results"]] == ["refused", "blocked", "duplicate"]
    assert again["results"][0]["error"] == refused["error"]
    assert [c["body"] for c in ann.get(f"/cases/{first}/comments").json()] == []


def test_bad_payloads_unknown_kinds_and_mismatched_ids_are_refused_not_fatal(any_world: ServerHandle) -> None:
    ann = any_world.signed_in(CUSTOMER_EMAIL)
    device, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    empty_subject = _case(case_id)
    empty_subject["payload"]["subject"] = ""
    other = str(uuid.uuid4())
    mismatched = {**_reply(case_id), "id": other}
    unknown = {"seq": 0, "id": other, "kind": "teleport", "case_id": case_id, "payload": {}}
    good = str(uuid.uuid4())
    body = _push(ann, device, _numbered(1, empty_subject, mismatched, unknown, _case(good))).json()
    results = body["results"]
    assert [r["status"] for r in results] == ["refused", "blocked", "blocked", "applied"]
    assert results[0]["error"]["code"] == "validation"
    mismatched["case_id"], unknown["case_id"] = good, str(uuid.uuid4())
    body = _push(ann, device, _numbered(5, mismatched, unknown)).json()
    assert [r["status"] for r in body["results"]] == ["refused", "refused"]
    assert [r["error"]["field"] for r in body["results"]] == ["id", "kind"]


def test_a_device_belongs_to_one_user_and_versions_are_checked(any_world: ServerHandle) -> None:
    ann, bob = any_world.signed_in(CUSTOMER_EMAIL), any_world.signed_in(OTHER_CUSTOMER_EMAIL)
    device = str(uuid.uuid4())
    assert _push(ann, device, _numbered(1, _case(str(uuid.uuid4())))).status_code == 200
    taken = _push(bob, device, _numbered(1, _case(str(uuid.uuid4()))))
    assert taken.status_code == 409 and taken.json()["field"] == "device_id"
    future = _push(ann, device, [], version=99)
    assert future.status_code == 422 and future.json()["field"] == "protocol_version"
    assert any_world.anonymous().post("/push", json={"device_id": device, "mutations": []}).status_code == 401


def test_staff_push_their_own_changes_and_rights_still_apply(any_world: ServerHandle) -> None:
    ann, sam = any_world.signed_in(CUSTOMER_EMAIL), any_world.signed_in(AGENT_EMAIL)
    case_id = str(uuid.uuid4())
    _push(ann, str(uuid.uuid4()), _numbered(1, _case(case_id)))
    device = str(uuid.uuid4())
    body = _push(sam, device, _numbered(1, _action(case_id, "pick-up"), _reply(case_id, "On it"),
                                        _action(case_id, "resolve", summary="Patched"))).json()
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    assert body["results"][2]["case"]["status"] == "resolved"
    bob = any_world.signed_in(OTHER_CUSTOMER_EMAIL)
    refused = _push(bob, str(uuid.uuid4()), _numbered(1, _reply(case_id, "not mine"))).json()["results"][0]
    assert refused["status"] == "refused" and refused["error"]["code"] == "not_found" and refused["case"] is None


def test_the_same_push_sent_twice_at_once_applies_each_change_once(any_world: ServerHandle) -> None:
    """A client retrying while its first request is still being served (a timeout too short)."""
    device, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    batch = _numbered(1, _case(case_id), *(_reply(case_id, f"r{n}") for n in range(15)),
                      _action(case_id, "escalate", reason="Down"))
    answers: list[dict] = []

    def send() -> None:
        answers.append(_push(any_world.signed_in(CUSTOMER_EMAIL), device, batch).json())

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 3 and all(a["last_seq"] == len(batch) for a in answers)
    for position in range(len(batch)):
        statuses = sorted(a["results"][position]["status"] for a in answers)
        assert statuses == ["applied", "duplicate", "duplicate"], (position, statuses)
    ann = any_world.signed_in(CUSTOMER_EMAIL)
    assert [c["body"] for c in ann.get(f"/cases/{case_id}/comments").json()] == [f"r{n}" for n in range(15)]
