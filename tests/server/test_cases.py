"""Opening cases: idempotent by client id, numbered in order, visible only to their account."""

from __future__ import annotations

import uuid

from casedesktop.domain import Role
from casedesktop.server.testing import ApiCaller, ServerHandle


def test_create_case_is_idempotent_by_client_id(customer: ApiCaller) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "subject": "Sync fails",
        "description": "Error 42 at start.",
        "severity": "urgent",
        "product": "Ledger Cloud",
    }
    first = customer.post("/cases", json=body)
    again = customer.post("/cases", json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    case = first.json()
    assert case["status"] == "new" and case["severity"] == "urgent"
    assert case["account_name"] == "Acme" and case["reported_by_name"] == "Ann"
    assert case["owner_id"] is None and case["owner_name"] == ""

    listed = customer.get("/cases").json()
    assert [c["id"] for c in listed] == [body["id"]]
    activity = customer.get(f"/cases/{body['id']}/activity").json()
    assert [(a["action"], a["to_status"]) for a in activity] == [("create", "new")]


def test_case_numbers_count_up(customer: ApiCaller) -> None:
    numbers = [customer.new_case()["number"] for _ in range(3)]
    assert numbers == ["CS-1001", "CS-1002", "CS-1003"]


def test_someone_elses_case_id_is_a_conflict(
    customer: ApiCaller, other_customer: ApiCaller
) -> None:
    case = customer.new_case()
    response = other_customer.post(
        "/cases", json={"id": case["id"], "subject": "Mine", "description": "Mine too."}
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_customer_cannot_see_another_accounts_case(
    customer: ApiCaller, other_customer: ApiCaller
) -> None:
    secret = other_customer.new_case(subject="Beta's private trouble")
    mine = customer.new_case()

    response = customer.get(f"/cases/{secret['id']}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    unknown = customer.get(f"/cases/{uuid.uuid4()}")
    assert unknown.json()["message"] == response.json()["message"]  # no hint that it exists
    assert customer.get(f"/cases/{secret['id']}/comments").status_code == 404
    assert customer.get(f"/cases/{secret['id']}/activity").status_code == 404
    assert customer.comment(secret["id"], "hello").status_code == 404
    assert customer.act(secret["id"], "close").status_code == 404

    assert [c["id"] for c in customer.get("/cases").json()] == [mine["id"]]
    items, _cursor = customer.all_changes()
    seen_cases = {
        i["case"]["id"] if i["case"] else (i["comment"] or i["activity"])["case_id"] for i in items
    }
    assert seen_cases == {mine["id"]}


def test_customer_account_rules(customer: ApiCaller, other_customer: ApiCaller) -> None:
    beta = other_customer.user["account_ids"][0]
    response = customer.post(
        "/cases",
        json={"id": str(uuid.uuid4()), "subject": "x", "description": "y", "account_id": beta},
    )
    assert response.status_code == 403 and response.json()["field"] == "account_id"


def test_customer_with_several_accounts_must_choose(world: ServerHandle) -> None:
    world.add_user("multi@acme.example", Role.CUSTOMER, "Acme")
    world.join_account("multi@acme.example", "Beta")
    client = world.login("multi@acme.example")
    response = client.post(
        "/cases", json={"id": str(uuid.uuid4()), "subject": "x", "description": "y"}
    )
    assert response.status_code == 422 and response.json()["field"] == "account_id"
    chosen = client.new_case(account_id=client.user["account_ids"][1])
    assert chosen["account_id"] == client.user["account_ids"][1]


def test_staff_see_every_account_and_must_name_one_to_create(
    agent: ApiCaller, customer: ApiCaller, other_customer: ApiCaller
) -> None:
    a = customer.new_case()
    b = other_customer.new_case()
    assert {c["id"] for c in agent.get("/cases").json()} == {a["id"], b["id"]}
    assert agent.get(f"/cases/{b['id']}").status_code == 200

    missing = agent.post(
        "/cases", json={"id": str(uuid.uuid4()), "subject": "x", "description": "y"}
    )
    assert missing.status_code == 422 and missing.json()["field"] == "account_id"
    made = agent.new_case(account_id=a["account_id"])
    assert made["account_id"] == a["account_id"] and made["reported_by_name"] == "Sam"
    assert made["id"] in {c["id"] for c in customer.get("/cases").json()}


def test_validation_errors_name_the_field(customer: ApiCaller) -> None:
    blank = customer.post(
        "/cases", json={"id": str(uuid.uuid4()), "subject": "   ", "description": "y"}
    )
    assert blank.status_code == 422
    assert blank.json()["code"] == "validation" and blank.json()["field"] == "subject"
    missing = customer.post("/cases", json={"id": str(uuid.uuid4()), "subject": "x"})
    assert missing.status_code == 422 and missing.json()["field"] == "description"
    bad = customer.post(
        "/cases",
        json={
            "id": str(uuid.uuid4()),
            "subject": "x",
            "description": "y",
            "severity": "apocalyptic",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "severity"
