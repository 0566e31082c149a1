"""The OpenAPI description says what the server does: required headers are required, every
success status and download type is listed, conditional inputs are stated, numbers are bounded
exactly, and a replayed request id is answered 200 only for a request that is valid too.
(test_fuzz.py checks the schema against the server's behaviour at large.)"""

from __future__ import annotations

import re
import sys
import uuid
from typing import Any

from casedesktop.api import BLANK_PATTERN, WIRE_INT_MAX
from casedesktop.domain import visible
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.services.attachments import SAFE_CONTENT_TYPES
from casedesktop.server.testing import ApiCaller


def _schema(client: ApiCaller) -> dict[str, Any]:
    return client.http.get(client.base.removesuffix("/api/v1") + "/openapi.json").json()


def _parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", [])}


def test_the_schema_states_what_the_server_requires(customer: ApiCaller) -> None:
    schema = _schema(customer)
    paths, components = schema["paths"], schema["components"]["schemas"]

    # tus: a request without Tus-Resumable is refused (412), so the header is required.
    for path, methods in (
        ("/api/v1/uploads", ["post"]),
        ("/api/v1/uploads/{upload_id}", ["head", "patch", "delete"]),
    ):
        for method in methods:
            tus = _parameters(paths[path][method])["Tus-Resumable"]
            assert tus["required"] is True and tus["schema"]["enum"] == ["1.0.0"], (path, method)
    creation = _parameters(paths["/api/v1/uploads"]["post"])
    assert creation["Upload-Length"]["required"] and creation["Upload-Metadata"]["required"]
    assert _parameters(paths["/api/v1/uploads/{upload_id}"]["patch"])["Upload-Offset"]["required"]

    # An idempotent create answers 200 to a retry: documented next to the 201.
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}/comments"):
        assert {"200", "201"} <= set(paths[path]["post"]["responses"]), path

    # Downloads are sent in any of the harmless types, and HEAD gives their headers.
    content = paths["/api/v1/attachments/{attachment_id}/content"]
    for status in ("200", "206"):
        assert set(content["get"]["responses"][status]["content"]) == SAFE_CONTENT_TYPES
    assert "200" in content["head"]["responses"]

    # escalate, reject and reopen need a reason; resolve a summary; merge a parent case.
    conditions = components["ActionRequest"]["allOf"]
    required = {c["if"]["properties"]["action"]["const"]: c["then"]["required"] for c in conditions}
    assert required == {a.value: list(r.requires) for a, r in RULES.items() if r.requires}
    reason = components["ReasonRequest"]["properties"]["reason"]
    assert reason["not"] == {"pattern": BLANK_PATTERN} and reason["minLength"] == 1

    # Numbers: exact bounds (2**63 - 1 read back as the double 2**63, one past the database).
    seq = components["Mutation"]["properties"]["seq"]
    assert seq["maximum"] == WIRE_INT_MAX and float(WIRE_INT_MAX) == WIRE_INT_MAX
    cursor = _parameters(paths["/api/v1/changes"]["get"])["cursor"]
    assert cursor["schema"]["maximum"] == WIRE_INT_MAX

    # Client times are date-time text only (0 was taken as 1970).
    created_at = components["CaseCreate"]["properties"]["created_at"]["anyOf"][0]
    assert created_at == {"type": "string", "format": "date-time"}


def test_the_blank_pattern_is_the_domains_blank() -> None:
    """The schema's "blank" pattern agrees with domain.visible(), which the server's checks use,
    for every character."""
    pattern = re.compile(BLANK_PATTERN)
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert bool(pattern.search(char * 3)) == (not visible(char * 3)), hex(code)


def test_a_replay_is_answered_200_only_when_it_is_valid(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case_body = {"id": str(uuid.uuid4()), "subject": "Printer", "description": "Offline."}
    assert customer.post("/cases", json=case_body).status_code == 201
    blank = customer.post("/cases", json={**case_body, "subject": "   "})
    assert blank.status_code == 422 and blank.json()["field"] == "subject"
    staff_only = customer.post("/cases", json={**case_body, "priority": "high"})
    assert staff_only.status_code == 422 and staff_only.json()["field"] == "priority"
    assert customer.post("/cases", json=case_body).status_code == 200

    path = f"/cases/{case_body['id']}"
    reply = {"id": str(uuid.uuid4()), "body": "More detail."}
    assert customer.post(f"{path}/comments", json=reply).status_code == 201
    empty = customer.post(f"{path}/comments", json={**reply, "body": "\n\t"})
    assert empty.status_code == 422 and empty.json()["field"] == "body"
    assert customer.post(f"{path}/comments", json=reply).status_code == 200

    escalate = {"id": str(uuid.uuid4()), "action": "escalate", "reason": "Payroll is down."}
    assert customer.post(f"{path}/actions", json=escalate).status_code == 200
    reasonless = customer.post(f"{path}/actions", json={**escalate, "reason": " "})
    assert reasonless.status_code == 422 and reasonless.json()["field"] == "reason"
    triage = {"id": str(uuid.uuid4()), "priority": "high"}
    assert agent.post(f"{path}/triage", json=triage).status_code == 200
    nothing = agent.post(f"{path}/triage", json={"id": triage["id"]})
    assert nothing.status_code == 422 and nothing.json()["field"] == "priority"
