"""What a hostile or broken client sends: times out of range, NUL characters, huge bodies, numbers
past what the database holds. Each gets a 4xx naming the problem, never a 500, on both databases;
in a push, a bad change is refused alone and the rest of the batch is applied.
"""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.exc import DataError

from casedesktop.api import WIRE_INT_MAX
from casedesktop.api.push import MAX_MUTATIONS_PER_PUSH
from casedesktop.domain import DESCRIPTION_MAX, REASON_MAX, SUBJECT_MAX
from casedesktop.server.routes.bodylimit import MAX_JSON_BODY, MAX_PUSH_BODY
from casedesktop.server.services import cases
from casedesktop.server.services.cases import CLIENT_TIME_WINDOW
from casedesktop.server.testing import TEST_PASSWORD, ApiCaller, ServerHandle

# A valid ISO 8601 text whose UTC instant is before year 1 (and one after 9999).
BEFORE_YEAR_ONE = "0001-01-01T00:00:00+14:00"
AFTER_YEAR_9999 = "9999-12-31T23:59:59-14:00"


def _case(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "subject": "Printer", "description": "Offline.", **fields}


def _comment(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "body": "More detail.", **fields}


def _push(client: ApiCaller, mutations: list[dict[str, Any]], device: str) -> Any:
    return client.post(
        "/push", json={"device_id": device, "protocol_version": 1, "mutations": mutations}
    )


def _numbered(changes: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """(kind, case id, payload) -> push mutations numbered 1, 2, 3, ..."""
    return [
        {"seq": n, "id": payload["id"], "kind": kind, "case_id": case_id, "payload": payload}
        for n, (kind, case_id, payload) in enumerate(changes, start=1)
    ]


# --- F1: client-supplied times -----------------------------------------------------------------


def test_times_that_overflow_utc_are_422_not_500(customer: ApiCaller) -> None:
    case = customer.new_case()
    for when in (BEFORE_YEAR_ONE, AFTER_YEAR_9999, 0, "0", "2026-01-01", "yesterday"):
        made = customer.post("/cases", json=_case(created_at=when))
        assert made.status_code == 422, (when, made.text)
        assert made.json()["field"] == "created_at"
        reply = customer.post(f"/cases/{case['id']}/comments", json=_comment(created_at=when))
        assert reply.status_code == 422 and reply.json()["field"] == "created_at", when
    assert customer.get("/health").status_code == 200


def test_a_push_refuses_a_bad_time_alone_and_applies_the_rest(customer: ApiCaller) -> None:
    bad_case, one, other = _case(created_at=BEFORE_YEAR_ONE), _case(), _case()
    changes = [
        ("create_case", bad_case["id"], bad_case),
        ("create_case", one["id"], one),
        ("create_case", other["id"], other),
        ("add_comment", one["id"], _comment(created_at=AFTER_YEAR_9999)),
        ("add_comment", other["id"], _comment(body="Applied.")),
    ]
    device = str(uuid.uuid4())
    for attempt in range(2):  # and the same again (a lost answer): the same outcome, no 500
        answer = _push(customer, _numbered(changes), device)
        assert answer.status_code == 200, answer.text
        statuses = [result["status"] for result in answer.json()["results"]]
        ok = "applied" if attempt == 0 else "duplicate"
        assert statuses == ["refused", ok, ok, "refused", ok]
        errors = [r["error"] for r in answer.json()["results"] if r["status"] == "refused"]
        assert [error["field"] for error in errors] == ["created_at", "created_at"]
    bodies = [c["body"] for c in customer.get(f"/cases/{other['id']}/comments").json()]
    assert bodies == ["Applied."]
    assert customer.get(f"/cases/{one['id']}/comments").json() == []


def test_client_times_are_kept_within_a_window(customer: ApiCaller) -> None:
    now = datetime.now(UTC)

    def created(response: Any) -> datetime:
        assert response.status_code == 201, response.text
        return datetime.fromisoformat(response.json()["created_at"])

    def iso(moment: datetime) -> str:
        return moment.isoformat()

    five_days_ago = now - timedelta(days=5)
    kept = created(customer.post("/cases", json=_case(created_at=iso(five_days_ago))))
    assert kept == five_days_ago.replace(microsecond=kept.microsecond)
    ancient = created(customer.post("/cases", json=_case(created_at="1990-01-01T00:00:00Z")))
    assert abs(ancient - (now - CLIENT_TIME_WINDOW)) < timedelta(minutes=1)
    future = created(customer.post("/cases", json=_case(created_at=iso(now + timedelta(days=3)))))
    assert now <= future < now + timedelta(minutes=1)

    # A reply is never older than its case, whatever the client says.
    case = customer.new_case()
    case_created = datetime.fromisoformat(case["created_at"])
    path = f"/cases/{case['id']}/comments"
    early = created(customer.post(path, json=_comment(created_at="1990-01-01T00:00:00Z")))
    assert early >= case_created
    older = customer.post(path, json=_comment(created_at=iso(case_created - timedelta(hours=1))))
    assert created(older) >= case_created
    history = [c["created_at"] for c in customer.get(path).json()]
    assert history == sorted(history)
    # Within the window and after the case, the client's own time stands.
    offline = customer.new_case(created_at=iso(five_days_ago))
    two_days_ago = now - timedelta(days=2)
    reply = customer.post(
        f"/cases/{offline['id']}/comments", json=_comment(created_at=iso(two_days_ago))
    )
    assert abs(created(reply) - two_days_ago) < timedelta(milliseconds=1)


def test_a_value_the_database_refuses_is_a_refusal_not_a_500(
    customer: ApiCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The net under the request models: whatever value the database still refuses as invalid
    (a DataError) is a 422, and in a push it refuses that change alone."""
    real = cases.create_case

    def picky(session: Any, user: Any, data: Any, now: datetime) -> Any:
        if data.subject == "unstorable":
            raise DataError("INSERT INTO cases ...", {}, Exception("value out of range"))
        return real(session, user, data, now)

    monkeypatch.setattr(cases, "create_case", picky)
    direct = customer.post("/cases", json=_case(subject="unstorable"))
    assert direct.status_code == 422 and direct.json()["code"] == "validation"
    bad, good = _case(subject="unstorable"), _case()
    changes = [("create_case", bad["id"], bad), ("create_case", good["id"], good)]
    answer = _push(customer, _numbered(changes), str(uuid.uuid4()))
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["refused", "applied"]


# --- F2: NUL characters ------------------------------------------------------------------------


def test_nul_characters_are_422_on_every_database(world: ServerHandle) -> None:
    anonymous = world.anonymous()
    for login in (
        {"email": "ann@acme.example\x00", "password": TEST_PASSWORD},
        {"email": "ann@acme.example", "password": "x\x00y"},
    ):
        answer = anonymous.post("/auth/login", json=login)
        assert answer.status_code == 422 and answer.json()["code"] == "validation", answer.text
    ann, sam = world.signed_in("ann@acme.example"), world.signed_in("sam@vendor.example")
    case = ann.new_case()
    path = f"/cases/{case['id']}"
    refused = {
        "subject": ann.post("/cases", json=_case(subject="Printer\x00")),
        "cc_emails": ann.post("/cases", json=_case(cc_emails=["a\x00@b.example"])),
        "body": ann.post(f"{path}/comments", json=_comment(body="a\x00b")),
        "reason": ann.post(f"{path}/escalate", json={"reason": "now\x00"}),
        "survey": sam.post(
            f"{path}/actions",
            json={"id": str(uuid.uuid4()), "action": "accept", "survey": {"q\x00": "yes"}},
        ),
        "category": sam.post(f"{path}/triage", json={"category": "\x00"}),
    }
    for field, answer in refused.items():
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["field"] == field
    assert ann.get(path).json()["status"] == "new"
    assert ann.get("/health").status_code == 200


def test_a_push_refuses_a_nul_character_alone(customer: ApiCaller) -> None:
    bad, one, other = _case(description="a\x00b"), _case(), _case()
    changes = [
        ("create_case", bad["id"], bad),
        ("create_case", one["id"], one),
        ("create_case", other["id"], other),
        ("add_comment", one["id"], _comment(body="\x00")),
        ("add_comment", other["id"], _comment()),
    ]
    answer = _push(customer, _numbered(changes), str(uuid.uuid4()))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["refused", "applied", "applied", "refused", "applied"]
    assert [results[0]["error"]["field"], results[3]["error"]["field"]] == ["description", "body"]
    good = one
    # A NUL in the envelope itself (not in a change's payload) is a bad request as a whole.
    envelope = _numbered([("create_case", good["id"], good)])
    envelope[0]["kind"] = "create_case\x00"
    whole = _push(customer, envelope, str(uuid.uuid4()))
    assert whole.status_code == 422 and whole.json()["field"] == "mutations"


# --- F3: request bodies ------------------------------------------------------------------------


def _raw(base_url: str, head: bytes, body: bytes = b"", *, timeout: float = 5) -> bytes:
    """Send a hand-made request over a socket; the response's first bytes (headers at least)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received:
            piece = sock.recv(65536)
            if not piece:
                break
            received += piece
        return received


def _post_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST /api/v1{path} HTTP/1.1", "Host: test", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_huge_declared_body_is_413_before_any_of_it_is_read(server: ServerHandle) -> None:
    one_gib = str(1024**3)
    # Nothing of the body is sent: a server that tried to read it would never answer.
    answer = _raw(server.base_url, _post_head("/auth/login", {"Content-Length": one_gib}))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"too_large" in answer and b"connection: close" in answer.lower()
    push = _raw(server.base_url, _post_head("/push", {"Content-Length": one_gib}))
    assert push.startswith(b"HTTP/1.1 413"), push[:200]
    assert server.anonymous().get("/health").status_code == 200


def test_a_streamed_body_is_cut_off_at_the_cap(server: ServerHandle) -> None:
    head = _post_head("/auth/login", {"Transfer-Encoding": "chunked"})
    chunk = b"x" * (64 * 1024)
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_JSON_BODY // len(chunk) + 1)
    )
    answer = _raw(server.base_url, head, chunks)  # no last chunk: only the cap ends it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_only_a_signed_in_caller_may_send_a_big_push(customer: ApiCaller) -> None:
    base = customer.base.removesuffix("/api/v1")
    size = MAX_JSON_BODY + 1024
    # Declared: refused from the headers, before the body.
    anonymous = _raw(base, _post_head("/push", {"Content-Length": str(size)}))
    assert anonymous.startswith(b"HTTP/1.1 401"), anonymous[:200]
    # Streamed: refused once it passes MAX_JSON_BODY.
    head = _post_head("/push", {"Transfer-Encoding": "chunked", "Authorization": "Bearer nope"})
    chunk = b" " * (64 * 1024)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(size // len(chunk) + 1))
    streamed = _raw(base, head, chunks)
    assert streamed.startswith(b"HTTP/1.1 401"), streamed[:200]
    # Signed in, a push of more than MAX_JSON_BODY is read and applied.
    cases = [_case(description="d" * DESCRIPTION_MAX) for _ in range(40)]
    mutations = _numbered([("create_case", c["id"], c) for c in cases])
    answer = _push(customer, mutations, str(uuid.uuid4()))
    assert len(answer.request.body) > MAX_JSON_BODY
    assert answer.status_code == 200 and {r["status"] for r in answer.json()["results"]} == {
        "applied"
    }


def test_the_push_cap_fits_the_largest_batch_the_server_takes() -> None:
    """MAX_PUSH_BODY holds MAX_MUTATIONS_PER_PUSH of the largest mutation as the client writes it
    (pydantic's JSON; control characters are the longest to write, 6 bytes each)."""
    from casedesktop.api import ActionRequest, CaseCreate
    from casedesktop.api.push import Mutation, PushRequest
    from casedesktop.domain import Action

    worst = "\x01"
    case = CaseCreate(
        id=uuid.uuid4(),
        subject="S" + worst * (SUBJECT_MAX - 1),
        description="D" + worst * (DESCRIPTION_MAX - 1),
        product=worst * 200,
        account_id=uuid.uuid4(),
        created_at=datetime.now(UTC),
        contact_id=uuid.uuid4(),
        environment=worst * 200,
        case_type=worst * 60,
        cc_emails=[worst * 320] * 20,
        category=worst * 100,
        source=worst * 40,
    )
    action = ActionRequest(
        id=uuid.uuid4(),
        action=Action.RESOLVE,
        reason=worst * REASON_MAX,
        summary=worst * REASON_MAX,
        root_cause=worst * REASON_MAX,
        resolution_type=worst * 200,
        parent_case_id=uuid.uuid4(),
        survey={f"{worst * 98}{n:02}": worst * 1000 for n in range(10)},
    )
    largest = max((case, action), key=lambda payload: len(payload.model_dump_json().encode()))
    batch = PushRequest(
        device_id=uuid.uuid4(),
        mutations=[
            Mutation(
                seq=WIRE_INT_MAX - n,
                id=uuid.uuid4(),
                kind="create_case",
                case_id=uuid.uuid4(),
                payload=largest.model_dump(mode="json"),
            )
            for n in range(MAX_MUTATIONS_PER_PUSH)
        ],
    )
    size = len(batch.model_dump_json().encode())
    assert size <= MAX_PUSH_BODY, (size, MAX_PUSH_BODY)
    assert MAX_PUSH_BODY - size < MAX_PUSH_BODY // 10  # and not much more than that


# --- F6: numbers past what the database holds ------------------------------------------------


def test_numbers_past_the_wire_limit_are_422(customer: ApiCaller) -> None:
    for cursor in (2**63, 2**64, WIRE_INT_MAX + 1, -1):
        answer = customer.get("/changes", params={"cursor": cursor})
        assert answer.status_code == 422 and answer.json()["field"] == "cursor", cursor
    last = customer.get("/changes", params={"cursor": WIRE_INT_MAX})
    assert last.status_code == 200 and last.json()["changes"] == []
    case = _case()
    for seq in (2**63, WIRE_INT_MAX + 1):
        mutations = [
            {
                "seq": seq,
                "id": case["id"],
                "kind": "create_case",
                "case_id": case["id"],
                "payload": case,
            }
        ]
        answer = _push(customer, mutations, str(uuid.uuid4()))
        assert answer.status_code == 422 and answer.json()["field"] == "mutations", seq


def _integers(schema: Any, where: str, components: dict[str, Any], seen: set[str]) -> list[str]:
    """Where an integer of this schema (followed through $refs) has no maximum in the limit."""
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                found += _integers(components[name], f"{where}->{name}", components, seen | {name})
        if schema.get("type") == "integer":
            maximum = schema.get("maximum")
            if maximum is None or maximum > WIRE_INT_MAX:
                found.append(f"{where}: maximum {maximum}")
        for key, value in schema.items():
            if key != "$ref":
                found += _integers(value, f"{where}.{key}", components, seen)
    elif isinstance(schema, list):
        for n, item in enumerate(schema):
            found += _integers(item, f"{where}[{n}]", components, seen)
    return found


def test_every_integer_a_client_sends_is_bounded(customer: ApiCaller) -> None:
    """The class of F6: no integer parameter or request body field goes unbounded."""
    schema = customer.http.get(customer.base.removesuffix("/api/v1") + "/openapi.json").json()
    components = schema["components"]["schemas"]
    unbounded: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                unbounded += _integers(
                    parameter["schema"], f"{where} {parameter['name']}", components, set()
                )
            unbounded += _integers(operation.get("requestBody", {}), where, components, set())
    assert not unbounded, unbounded


# --- blank-looking text, loose types -------------------------------------------------------------


def test_text_that_shows_as_nothing_is_blank(customer: ApiCaller) -> None:
    for subject in ("\u200b", "\u202e\u200b", "\x1b\x07", " \u2060 "):
        made = customer.post("/cases", json=_case(subject=subject))
        assert made.status_code == 422 and made.json()["field"] == "subject", (subject, made.text)
    case = customer.new_case()
    reply = customer.post(f"/cases/{case['id']}/comments", json=_comment(body="\u0001\u0002"))
    assert reply.status_code == 422 and reply.json()["field"] == "body", reply.text


def test_push_numbers_are_numbers(customer: ApiCaller) -> None:
    case = customer.new_case()
    device = str(uuid.uuid4())
    for seq in ("1", True):
        [mutation] = _numbered([("add_comment", case["id"], _comment())])
        answer = _push(customer, [{**mutation, "seq": seq}], device)
        assert answer.status_code == 422, (seq, answer.text)


# --- The staff desk's endpoints ----------------------------------------------------------------


def test_the_staff_desk_refuses_hostile_input_by_name(world: ServerHandle) -> None:
    """Huge text, NUL characters, ids that are not ids, time zones that are paths: each a 422
    naming the field, on both databases; nothing is changed."""
    ann, sam = world.signed_in("ann@acme.example"), world.signed_in("sam@vendor.example")
    case = ann.new_case()
    path = f"/cases/{case['id']}"
    assert sam.post(f"{path}/pick-up").status_code == 200
    huge = "x" * 100_000
    long = "x" * 5_000  # in a URL: longer ones the HTTP layer refuses (400) before the app
    ask = f"{path}/ask-customer"
    refused: list[tuple[str, Any]] = [
        ("question", sam.post(ask, json={"id": str(uuid.uuid4()), "question": "x" * 32_001})),
        ("question", sam.post(ask, json={"id": str(uuid.uuid4()), "question": "why\x00"})),
        ("id", sam.post(ask, json={"id": "not-an-id", "question": "Why?"})),
        ("id", sam.post(ask, json={"question": "Why?"})),
        ("category", sam.post(f"{path}/triage", json={"category": "c" * 101})),
        ("category", sam.post(f"{path}/triage", json={"category": huge})),
        ("source", sam.post(f"{path}/triage", json={"source": "Email\x00"})),
        ("source", sam.post(f"{path}/triage", json={"source": huge})),
        ("owner_email", sam.post(f"{path}/assign", json={"owner_email": huge})),
        ("owner_email", sam.post(f"{path}/assign", json={"owner_email": "sam@vendor.example\x00"})),
        ("owner_email", sam.post(f"{path}/assign", json={"owner_email": ""})),
        ("case_id", sam.http.delete(f"{sam.base}/cases/not-an-id/comments/{uuid.uuid4()}")),
        ("comment_id", sam.http.delete(f"{sam.base}{path}/comments/42")),
        ("tz", sam.get("/staff/summary", params={"tz": long})),
        ("tz", sam.get("/staff/summary", params={"tz": "Europe/Berlin\x00"})),
        ("tz", sam.get("/staff/summary", params={"tz": "Etc"})),  # a folder of the zone files
        ("tz", sam.get("/staff/summary", params={"tz": ".."})),
        ("owner", sam.get("/cases", params={"owner": long})),
        ("owner", sam.get("/cases", params={"owner": "sam@vendor.example\x00"})),
        ("priority", sam.get("/cases", params={"priority": ["low"] * 5})),
        ("queue", sam.get("/cases", params={"queue": long})),
    ]
    for field, answer in refused:
        assert answer.status_code == 422, (field, answer.status_code, answer.text[:300])
        assert answer.json()["field"] == field, (field, answer.text[:300])
        assert len(answer.text) < 2_000  # the answer names the problem; it does not echo it
    assert sam.get("/staff/summary", params={"tz": huge}).status_code == 400
    after = sam.get(path).json()
    assert (after["status"], after["category"], after["source"]) == ("open", "", "Desktop")
    assert after["owner_name"] == "Sam"
    assert sam.get(f"{path}/comments").json() == []
    assert sam.get("/health").status_code == 200
