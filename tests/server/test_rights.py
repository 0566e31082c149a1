"""The rights matrix: every endpoint of the API, asked by every kind of caller, answers as it must,
and a customer of another account learns nothing about Acme's cases, comments or files.

Callers: the case's own customer (Ann of Acme), another account's customer (Bob of Beta), an agent
(Sam), an admin (Ada) and anonymous. Lifecycle answers come from the domain table, so the
matrix follows it. Every answer to Bob and to anonymous is searched for anything of Acme's (ids,
texts, names, file names and digests), every answer to Ann for anything of staff's alone: internal
notes (and deleted ones), triage (priority, category, owner and their history) and service
levels; the counts of requests and leaks are printed in the summary.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import requests

from casedesktop.api.files import (
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    checksum_header,
    encode_metadata,
)
from casedesktop.domain import Action, Priority, Role, Status
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.base import utcnow
from casedesktop.server.services import sla
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.services.releases import publish_release
from casedesktop.server.testing import ApiCaller, ServerHandle

OWN, OTHER, AGENT, ADMIN, ANON = "own", "other", "agent", "admin", "anonymous"
ROLES = (OWN, OTHER, AGENT, ADMIN, ANON)
ROLE_OF = {OWN: Role.CUSTOMER, OTHER: Role.CUSTOMER, AGENT: Role.AGENT, ADMIN: Role.ADMIN}
ACTION_BODIES: dict[Action, dict[str, Any]] = {
    Action.ESCALATE: {"reason": "Payday is Friday."},
    Action.REJECT: {"reason": "Still broken."},
    Action.REOPEN: {"reason": "It came back."},
    Action.RESOLVE: {"summary": "Reinstalled the driver.", "root_cause": "Corrupt driver"},
    Action.ACCEPT: {"survey": {"solved": "yes"}},
}


@dataclass
class Matrix:
    """Sends each request, compares the status with the expected one, and looks for leaks."""

    clients: dict[str, ApiCaller]
    acme_secrets: set[str]  # nothing of these may reach Bob or anonymous
    staff_secrets: set[str]  # nothing of these may reach a customer
    tried: int = 0
    leaks: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    covered: set[tuple[str, str, str]] = field(default_factory=set)  # method, path, role

    def check(
        self,
        role: str,
        method: str,
        template: str,
        expected: int,
        *,
        params: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        path = template.format(**(params or {}))
        client = self.clients[role]
        url = path if path.startswith("http") else client.base + path
        response = client.http.request(method, url, timeout=20, **kwargs)
        self.tried += 1
        self.covered.add((method.lower(), _template_of(template), role))
        where = f"{role:9} {method} {template}"
        if response.status_code != expected:
            self.wrong.append(
                f"{where}: {response.status_code} (expected {expected}) {response.text[:200]}"
            )
        text = response.text + " " + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        if role in (OTHER, ANON):
            self.leaks += [f"{where} leaked {s!r}" for s in self.acme_secrets if s in text]
        if role in (OTHER, ANON, OWN):
            self.leaks += [
                f"{where} leaked staff-only {s!r}" for s in self.staff_secrets if s in text
            ]
        return response


def _tus(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **(extra or {})}


def _creation_headers(case_id: str, data: bytes, comment_id: str | None = None) -> dict[str, str]:
    meta = {
        "filename": "probe.txt",
        "case_id": case_id,
        "attachment_id": str(uuid.uuid4()),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if comment_id:
        meta["comment_id"] = comment_id
    return _tus({"Upload-Length": str(len(data)), "Upload-Metadata": encode_metadata(meta)})


def _expected_action(role: str, action: Action, status: Status) -> int:
    rule = RULES[action]
    if ROLE_OF[role] not in rule.roles:
        return 403
    return 200 if status in rule.from_statuses else 409


def test_rights_matrix(server: ServerHandle, report_figure: Callable[[str], None]) -> None:
    server.add_user("ann@acme.example", Role.CUSTOMER, "Acme", name="Ann Acmeson")
    server.add_user("bob@beta.example", Role.CUSTOMER, "Beta", name="Bob Betason")
    server.add_user("sam@vendor.example", Role.AGENT, name="Sam Agent")
    server.add_user("ada@vendor.example", Role.ADMIN, name="Ada Admin")
    ann, bob = server.signed_in("ann@acme.example"), server.signed_in("bob@beta.example")
    sam, ada = server.signed_in("sam@vendor.example"), server.signed_in("ada@vendor.example")
    clients = {OWN: ann, OTHER: bob, AGENT: sam, ADMIN: ada, ANON: server.anonymous()}

    # Acme's things, which Bob and anonymous must never learn anything about.
    case = ann.new_case(subject="Acme ledger zebra", description="Acme secret quokka details")
    sibling = ann.new_case(subject="Acme second axolotl", description="Another acme narwhal")
    reply = ann.comment(case["id"], "Acme reply pangolin").json()
    note = sam.comment(case["id"], "Staff note wombat", kind="internal").json()
    staff_reply = sam.comment(case["id"], "Staff reply ocelot").json()
    case_file = ann.upload(case["id"], b"acme file platypus", "acme-capybara.txt")
    reply_file = ann.upload(
        case["id"], b"acme reply file", "acme-tapir.txt", comment_id=reply["id"]
    )
    note_file = sam.upload(
        case["id"], b"staff file lemur", "staff-mongoose.txt", comment_id=note["id"]
    )
    pending = ann.start_upload(case["id"], 10, "acme-unfinished.txt")
    assert pending.status_code == 201
    upload_url = pending.headers["Location"]
    upload_id = upload_url.rsplit("/", 1)[1]
    beta_case = bob.new_case(subject="Beta own case")

    # Staff's own: triage with a category, an owner, service levels, a deleted note.
    def staff_settings(session: Any) -> None:
        ensure_category(session, "Cassowary desk", utcnow())
        sla.set_targets(session, Priority.HIGH, utcnow(), first_response=timedelta(hours=2))

    server.sessions.run_write(staff_settings)
    triage = {"priority": "high", "category": "cassowary desk", "source": "Email"}
    assert sam.post(f"/cases/{case['id']}/triage", json=triage).status_code == 200
    assigned = sam.post(f"/cases/{case['id']}/assign", json={"owner_email": "ada@vendor.example"})
    assert assigned.status_code == 200
    doomed_note = sam.comment(case["id"], "Staff note dodo", kind="internal").json()
    gone = sam.http.delete(f"{sam.base}/cases/{case['id']}/comments/{doomed_note['id']}")
    assert gone.status_code == 204

    acme_account = ann.user["account_ids"][0]
    secrets = {
        case["id"], case["number"], sibling["id"], reply["id"], note["id"], staff_reply["id"],
        case_file["id"], reply_file["id"], note_file["id"], upload_id, acme_account,
        "zebra", "quokka", "axolotl", "narwhal", "pangolin", "wombat", "ocelot", "capybara",
        "tapir", "mongoose", "Acme", "Acmeson", "ann@acme", case_file["sha256"],
        ann.user["id"],
    }  # fmt: skip
    staff_secrets = {
        note["id"],
        note_file["id"],
        "wombat",
        "mongoose",
        "lemur",
        note_file["sha256"],
        doomed_note["id"],
        "dodo",
        '"category":"Cassowary',  # the names are public (GET /categories); a case's is not
        "(none) → Cassowary",
        '"priority":"',
        '"owner_id":"',
        '"owner_name":"Ada',
        '"owner_name":"Sam',
        "first_response_due",
        "delete-note",
        "internal note deleted",
        "assigned to",
        '"action":"triage"',
        '"action":"assign"',
    }
    # The detector is only as good as its secrets: they do show where they belong.
    assert all(
        word in sam.get(f"/cases/{case['id']}/comments").text for word in ("wombat", "ocelot")
    )
    staff_view = sam.get(f"/cases/{case['id']}").text + sam.get(f"/cases/{case['id']}/activity").text
    triage_secrets = staff_secrets - {note["id"], note_file["id"], note_file["sha256"]}
    triage_secrets -= {"wombat", "mongoose", "lemur", "dodo", '"owner_name":"Sam'}
    assert [secret for secret in triage_secrets if secret not in staff_view] == []
    assert "dodo" not in staff_view  # a deleted note's text is gone for staff too
    assert "mongoose" in sam.get(f"/cases/{case['id']}/attachments").text
    assert "zebra" in ann.get(f"/cases/{case['id']}").text
    m = Matrix(clients, secrets, staff_secrets)
    sees_acme = {OWN: 200, OTHER: 404, AGENT: 200, ADMIN: 200, ANON: 401}
    signed_in = {OWN: 200, OTHER: 200, AGENT: 200, ADMIN: 200, ANON: 401}
    release = {"linux": ("https://dl.example.com/cd.AppImage", None)}
    server.sessions.run_write(lambda session: publish_release(session, "9.0", release, utcnow()))

    for role in ROLES:
        m.check(role, "GET", "/health", 200)
        m.check(role, "GET", "/me", signed_in[role])
        m.check(role, "GET", "/accounts", signed_in[role])
        m.check(role, "GET", "/products", signed_in[role])
        m.check(role, "GET", "/categories", signed_in[role])
        staff_read = {OWN: 403, OTHER: 403, AGENT: 200, ADMIN: 200, ANON: 401}
        m.check(role, "GET", "/staff/summary", staff_read[role])
        m.check(role, "GET", "/staff/summary?tz=Europe/Berlin", staff_read[role])
        for query in ("priority=high&priority=low", "owner=me", "owner=none", "queue=overdue"):
            m.check(role, "GET", f"/cases?{query}", staff_read[role])
        m.check(role, "GET", "/limits", signed_in[role])
        m.check(role, "GET", "/client-release", signed_in[role])
        m.check(role, "GET", "/cases", signed_in[role])
        m.check(role, "GET", "/changes", signed_in[role], params=None)
        m.check(role, "OPTIONS", "/uploads", 204)
        m.check(
            role, "POST", "/auth/login", 401, json={"email": "ann@acme.example", "password": "x"}
        )
        ids = {"case": case["id"], "file": case_file["id"], "note_file": note_file["id"]}
        for template in (
            "/cases/{case}",
            "/cases/{case}/comments",
            "/cases/{case}/activity",
            "/cases/{case}/attachments",
            "/attachments/{file}",
            "/attachments/{file}/content",
        ):
            m.check(role, "GET", template, sees_acme[role], params=ids)
        staff_only = {OWN: 404, OTHER: 404, AGENT: 200, ADMIN: 200, ANON: 401}
        m.check(role, "GET", "/attachments/{note_file}", staff_only[role], params=ids)
        m.check(role, "GET", "/attachments/{note_file}/content", staff_only[role], params=ids)
        # HEAD on a download: the same rights as GET, without the bytes.
        m.check(role, "HEAD", "/attachments/{file}/content", sees_acme[role], params=ids)
        m.check(role, "HEAD", "/attachments/{note_file}/content", staff_only[role], params=ids)
        # Ranged downloads follow the same rights.
        m.check(
            role, "GET", "/attachments/{file}/content",
            {**sees_acme, OWN: 206, AGENT: 206, ADMIN: 206}[role],
            params=ids, headers={"Range": "bytes=0-3"},
        )  # fmt: skip

        # Writing on Acme's case: a reply, an internal note.
        reply_body = {"id": str(uuid.uuid4()), "body": "probe"}
        m.check(
            role, "POST", "/cases/{case}/comments", {**sees_acme, OWN: 201, AGENT: 201, ADMIN: 201}[role],
            params=ids, json=reply_body,
        )  # fmt: skip
        note_body = {"id": str(uuid.uuid4()), "body": "probe", "kind": "internal"}
        m.check(
            role, "POST", "/cases/{case}/comments",
            {OWN: 403, OTHER: 404, AGENT: 201, ADMIN: 201, ANON: 401}[role],
            params=ids, json=note_body,
        )  # fmt: skip

        # Opening a case for Acme.
        new = {"id": str(uuid.uuid4()), "subject": "probe", "description": "probe"}
        m.check(
            role, "POST", "/cases",
            {OWN: 201, OTHER: 403, AGENT: 201, ADMIN: 201, ANON: 401}[role],
            json={**new, "account_id": acme_account},
        )  # fmt: skip

        # Every lifecycle action, per-action and generic, on a fresh new case of Acme's.
        for action in Action:
            body = dict(ACTION_BODIES.get(action, {}))
            if action is Action.MERGE:
                body["parent_case_id"] = sibling["id"]
            if role == ANON:
                expected = 401
            elif role == OTHER:
                expected = 404
            else:
                expected = _expected_action(role, action, Status.NEW)
            path = f"/cases/{{case}}/{action.value}"
            m.check(role, "POST", path, expected, params={"case": ann.new_case()["id"]}, json=body)
            generic = {"id": str(uuid.uuid4()), "action": action.value, **body}
            fresh = {"case": ann.new_case()["id"]}
            m.check(role, "POST", "/cases/{case}/actions", expected, params=fresh, json=generic)
        staff_write = {OWN: 403, OTHER: 404, AGENT: 200, ADMIN: 200, ANON: 401}
        m.check(
            role, "POST", "/cases/{case}/assign", staff_write[role],
            params={"case": ann.new_case()["id"]}, json={"owner_id": sam.user["id"]},
        )  # fmt: skip
        m.check(
            role, "POST", "/cases/{case}/triage", staff_write[role],
            params={"case": ann.new_case()["id"]}, json={"priority": "high"},
        )  # fmt: skip
        m.check(
            role, "POST", "/cases/{case}/triage", staff_write[role],
            params={"case": ann.new_case()["id"]},
            json={"category": "Cassowary desk", "source": "phone", "severity": "low"},
        )  # fmt: skip
        m.check(
            role, "POST", "/cases/{case}/assign", staff_write[role],
            params={"case": ann.new_case()["id"]}, json={"owner_email": "sam@vendor.example"},
        )  # fmt: skip
        # Asking the customer, on a case staff picked up.
        picked = ann.new_case()["id"]
        assert sam.post(f"/cases/{picked}/pick-up").status_code == 200
        m.check(
            role, "POST", "/cases/{case}/ask-customer", staff_write[role],
            params={"case": picked}, json={"id": str(uuid.uuid4()), "question": "Which build?"},
        )  # fmt: skip
        # Deleting an internal note: staff, their own only; a reply never.
        sams_note = sam.comment(case["id"], "Probe note.", kind="internal").json()
        own_note = {OWN: 403, OTHER: 404, AGENT: 204, ADMIN: 403, ANON: 401}
        m.check(
            role, "DELETE", "/cases/{case}/comments/{note}", own_note[role],
            params={"case": case["id"], "note": sams_note["id"]},
        )  # fmt: skip
        if role == ADMIN:
            adas_note = ada.comment(case["id"], "Ada's probe.", kind="internal").json()
            m.check(
                role, "DELETE", "/cases/{case}/comments/{note}", 204,
                params={"case": case["id"], "note": adas_note["id"]},
            )  # fmt: skip
        m.check(
            role, "DELETE", "/cases/{case}/comments/{note}",
            {OWN: 403, OTHER: 404, AGENT: 403, ADMIN: 403, ANON: 401}[role],
            params={"case": case["id"], "note": staff_reply["id"]},
        )  # fmt: skip

        # Uploads: to Acme's case, to Acme's reply, to staff's internal note.
        m.check(
            role, "POST", "/uploads", {**sees_acme, OWN: 201, AGENT: 201, ADMIN: 201}[role],
            headers=_creation_headers(case["id"], b"x"),
        )  # fmt: skip
        m.check(
            role, "POST", "/uploads", {OWN: 201, OTHER: 404, AGENT: 403, ADMIN: 403, ANON: 401}[role],
            headers=_creation_headers(case["id"], b"x", reply["id"]),
        )  # fmt: skip
        m.check(
            role, "POST", "/uploads", {OWN: 404, OTHER: 404, AGENT: 201, ADMIN: 403, ANON: 401}[role],
            headers=_creation_headers(case["id"], b"x", note["id"]),
        )  # fmt: skip
        # Ann's unfinished upload is hers alone, staff included.
        own_only = {OWN: 200, OTHER: 404, AGENT: 404, ADMIN: 404, ANON: 401}
        m.check(role, "HEAD", upload_url, own_only[role], headers=_tus())
        m.check(
            role, "PATCH", upload_url, {**own_only, OWN: 204}[role],
            data=b"",
            headers=_tus({"Upload-Offset": "0", "Content-Type": OFFSET_CONTENT_TYPE,
                          "Upload-Checksum": checksum_header(b"")}),
        )  # fmt: skip
        doomed = ann.start_upload(case["id"], 5).headers["Location"]
        m.check(role, "DELETE", doomed, {**own_only, OWN: 204}[role], headers=_tus())

        # The push endpoint applies the same rules to each change.
        comment_id = str(uuid.uuid4())
        push = {
            "device_id": str(uuid.uuid4()),
            "mutations": [
                {
                    "seq": 1,
                    "id": comment_id,
                    "kind": "add_comment",
                    "case_id": case["id"],
                    "payload": {"id": comment_id, "body": "pushed probe"},
                }
            ],
        }
        pushed = m.check(role, "POST", "/push", signed_in[role], json=push)
        if role == OTHER:
            result = pushed.json()["results"][0]
            assert result["status"] == "refused" and result["error"]["code"] == "not_found"

    # Bob probes every id of Acme's on every endpoint that takes one: 404, like a made-up id.
    acme_ids = {
        "case": [case["id"], sibling["id"]],
        "comment": [reply["id"], note["id"], staff_reply["id"]],
        "attachment": [case_file["id"], reply_file["id"], note_file["id"]],
        "upload": [upload_id],
    }
    made_up = str(uuid.uuid4())
    by_kind: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "case": [
            ("GET", "/cases/{id}", {}),
            ("GET", "/cases/{id}/comments", {}),
            ("GET", "/cases/{id}/activity", {}),
            ("GET", "/cases/{id}/attachments", {}),
            ("POST", "/cases/{id}/comments", {"json": {"id": str(uuid.uuid4()), "body": "x"}}),
            ("POST", "/cases/{id}/escalate", {"json": {"reason": "x"}}),
            ("POST", "/cases/{id}/close", {"json": {}}),
            ("POST", "/cases/{id}/assign", {"json": {"owner_id": None}}),
            ("POST", "/cases/{id}/triage", {"json": {"priority": "low"}}),
            ("POST", "/cases/{id}/ask-customer", {"json": {"id": made_up, "question": "x"}}),
            ("DELETE", "/cases/{id}/comments/" + note["id"], {}),
        ],
        "attachment": [
            ("GET", "/attachments/{id}", {}),
            ("GET", "/attachments/{id}/content", {}),
            ("HEAD", "/attachments/{id}/content", {}),
        ],
        "upload": [
            ("HEAD", "/uploads/{id}", {"headers": _tus()}),
            ("DELETE", "/uploads/{id}", {"headers": _tus()}),
        ],
    }
    for kind, requests_ in by_kind.items():
        for method, template, kwargs in requests_:
            baseline = bob.http.request(
                method, bob.base + template.format(id=made_up), timeout=10, **kwargs
            )
            for one in acme_ids[kind]:
                got = m.check(OTHER, method, template, 404, params={"id": one}, **kwargs)
                assert got.text == baseline.text, (
                    f"{template} tells {kind} {one} apart from nothing"
                )
    # Acme's comment ids on Bob's own case: the same answer as a made-up one.
    on_beta = bob.http.delete(f"{bob.base}/cases/{beta_case['id']}/comments/{made_up}")
    for one in acme_ids["comment"]:
        got = m.check(
            OTHER, "DELETE", "/cases/{case}/comments/{id}", 403,
            params={"case": beta_case["id"], "id": one},
        )  # fmt: skip
        assert got.text == on_beta.text, f"deleting comment {one} tells it apart from nothing"
    # A comment id is only ever reachable through uploads' comment_id: same answer as made up.
    for one in [*acme_ids["comment"], made_up]:
        m.check(
            OTHER, "POST", "/uploads", 404, headers=_creation_headers(beta_case["id"], b"x", one)
        )
    # Bob's own views never list Acme's things; Ann's never list staff-only ones.
    for role in (OTHER, OWN):
        items, _ = clients[role].all_changes()
        m.tried += 1
        text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
        if role == OTHER:
            m.leaks += [f"feed of Bob leaked {s!r}" for s in secrets if s in text]
        m.leaks += [f"feed of {role} leaked staff-only {s!r}" for s in staff_secrets if s in text]

    # Signing out ends each token (last: the clients are done with them).
    for role in ROLES:
        m.check(
            role,
            "POST",
            "/auth/logout",
            {**signed_in, OWN: 204, OTHER: 204, AGENT: 204, ADMIN: 204}[role],
        )
        m.check(role, "GET", "/me", 401)

    # Every operation of the API is in the matrix, asked by every kind of caller.
    openapi = requests.get(server.base_url + "/openapi.json", timeout=10).json()
    missing = [
        f"{method.upper()} {path} as {role}"
        for path, operations in openapi["paths"].items()
        for method in operations
        for role in ROLES
        if (method, _template_of(path), role) not in m.covered
    ]
    assert not missing, "not in the rights matrix: " + ", ".join(missing)

    report_figure(f"rights matrix: {m.tried} requests tried, {len(m.leaks)} leaks found")
    assert not m.wrong, "unexpected answers:\n" + "\n".join(m.wrong)
    assert not m.leaks, "leaks:\n" + "\n".join(m.leaks)


def _template_of(path: str) -> str:
    """Compare paths without their prefix, host or parameter names: /cases/{x}/comments."""
    path = re.sub(r"^https?://[^/]+", "", path)
    path = path.removeprefix("/api/v1")
    path = re.sub(r"\{[^}]+\}", "{}", path)
    return re.sub(r"/[0-9a-f-]{36}(?=/|$)", "/{}", path)
