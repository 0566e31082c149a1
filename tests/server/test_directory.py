"""What the New Case dialog needs (accounts with contacts, products, limits) and the case fields
from the portal guides: on behalf of a contact, environment, type, cc, staff's triage fields."""

from __future__ import annotations

import uuid

from casedesktop.domain import MAX_ATTACHMENT_BYTES, Role
from casedesktop.server.base import utcnow
from casedesktop.server.services.accounts import create_contact, ensure_product
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.testing import ApiCaller, ServerHandle


def _contact(server: ServerHandle, account: str, name: str, email: str = "") -> str:
    def work(session: object) -> str:
        made = create_contact(
            session, account_name=account, name=name, email=email, phone="+1 555 0100", now=utcnow()
        )
        return str(made.id)

    return server.sessions.run_write(work)


def test_accounts_list_the_callers_accounts_with_their_contacts(world: ServerHandle) -> None:
    priya = _contact(world, "Acme", "Priya Patel", "priya@acme.example")
    world.add_user("max@msp.example", Role.CUSTOMER, "Acme")
    world.join_account("max@msp.example", "Beta")
    ann, bob = world.signed_in("ann@acme.example"), world.signed_in("bob@beta.example")
    msp, sam = world.signed_in("max@msp.example"), world.signed_in("sam@vendor.example")

    accounts = ann.get("/accounts").json()
    assert [a["name"] for a in accounts] == ["Acme"]
    contacts = {c["name"]: c for c in accounts[0]["contacts"]}
    assert set(contacts) == {"Ann", "Max", "Priya Patel"}
    assert contacts["Priya Patel"]["id"] == priya and contacts["Priya Patel"]["user_id"] is None
    assert contacts["Ann"]["user_id"] == ann.user["id"]
    assert [a["name"] for a in bob.get("/accounts").json()] == ["Beta"]
    assert [a["name"] for a in msp.get("/accounts").json()] == ["Acme", "Beta"]
    assert [a["name"] for a in sam.get("/accounts").json()] == ["Acme", "Beta"]
    assert "Priya" not in bob.get("/accounts").text


def test_products_and_limits(world: ServerHandle, customer: ApiCaller) -> None:
    assert customer.get("/products").json() == []
    anything = customer.new_case(product="Whatever we call it")
    assert anything["product"] == "Whatever we call it"  # no product list yet: free text

    for name in ("Payroll", "Ledger Cloud"):
        world.sessions.run_write(lambda s, name=name: ensure_product(s, name, utcnow()))
    assert [p["name"] for p in customer.get("/products").json()] == ["Ledger Cloud", "Payroll"]
    assert customer.new_case(product="ledger cloud")["product"] == "Ledger Cloud"
    unknown = customer.post(
        "/cases", json={"id": str(uuid.uuid4()), "subject": "s", "description": "d", "product": "X"}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "product"

    limits = customer.get("/limits").json()
    assert limits["max_attachment_bytes"] == MAX_ATTACHMENT_BYTES
    assert limits["tus_version"] == "1.0.0" and limits["max_subject_chars"] == 255


def test_case_on_behalf_of_a_contact_with_the_guides_fields(
    world: ServerHandle, customer: ApiCaller, agent: ApiCaller
) -> None:
    priya = _contact(world, "Acme", "Priya Patel", "priya@acme.example")
    case = customer.new_case(
        contact_id=priya,
        environment="Production EU",
        case_type="problem",
        cc_emails=["boss@acme.example", "it@acme.example"],
    )
    assert case["reported_by_name"] == "Ann"  # always the signed-in user
    assert case["contact_id"] == priya and case["contact_name"] == "Priya Patel"
    assert case["contact_email"] == "priya@acme.example" and case["contact_phone"] == "+1 555 0100"
    assert case["environment"] == "Production EU" and case["case_type"] == "Problem"
    assert case["cc_emails"] == ["boss@acme.example", "it@acme.example"]
    assert case["source"] == "Desktop" and case["priority"] is None and case["category"] == ""
    assert agent.get(f"/cases/{case['id']}").json() == case

    mine = customer.new_case()
    assert mine["contact_name"] == "Ann" and mine["contact_email"] == "ann@acme.example"

    beta_contact = _contact(world, "Beta", "Bea Beta")
    body = {"id": str(uuid.uuid4()), "subject": "s", "description": "d"}
    elsewhere = customer.post("/cases", json={**body, "contact_id": beta_contact})
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "contact_id"
    assert "Bea" not in elsewhere.text
    bad_cc = customer.post("/cases", json={**body, "cc_emails": ["not an address"]})
    assert bad_cc.status_code == 422 and bad_cc.json()["field"] == "cc_emails"
    bad_type = customer.post("/cases", json={**body, "case_type": "Rant"})
    assert bad_type.status_code == 422 and bad_type.json()["field"] == "case_type"
    for field, value in (("priority", "high"), ("category", "Billing"), ("source", "Phone")):
        refused = customer.post("/cases", json={**body, field: value})
        assert refused.status_code == 422 and refused.json()["field"] == field


def test_staff_log_a_case_for_a_customer_with_triage_fields(
    world: ServerHandle, agent: ApiCaller
) -> None:
    acme = world.signed_in("ann@acme.example").user["account_ids"][0]
    world.sessions.run_write(lambda session: ensure_category(session, "Payments", utcnow()))
    case = agent.new_case(account_id=acme, priority="critical", category="Payments", source="phone")
    assert (case["priority"], case["category"], case["source"]) == ("critical", "Payments", "Phone")
    assert case["account_name"] == "Acme" and case["reported_by_name"] == "Sam"
    body = {"id": str(uuid.uuid4()), "subject": "s", "description": "d", "account_id": acme}
    bad_source = agent.post("/cases", json={**body, "source": "Pigeon"})
    assert bad_source.status_code == 422 and bad_source.json()["field"] == "source"


def test_managed_service_user_picks_the_account(world: ServerHandle) -> None:
    world.add_user("max@msp.example", Role.CUSTOMER, "Acme")
    world.join_account("max@msp.example", "Beta")
    msp = world.signed_in("max@msp.example")
    accounts = {a["name"]: a for a in msp.get("/accounts").json()}
    body = {"id": str(uuid.uuid4()), "subject": "s", "description": "d"}
    unchosen = msp.post("/cases", json=body)
    assert unchosen.status_code == 422 and unchosen.json()["field"] == "account_id"
    beta = accounts["Beta"]
    bea = next(c for c in beta["contacts"] if c["name"] == "Max")
    case = msp.new_case(account_id=beta["id"], contact_id=bea["id"])
    assert case["account_name"] == "Beta"
    bob = world.signed_in("bob@beta.example")
    assert bob.get(f"/cases/{case['id']}").status_code == 200  # Beta's case, Beta sees it
