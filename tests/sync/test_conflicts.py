"""Conflicts from the lifecycle table: a change queued offline meets a case that moved on on the
server. The server's state always wins; the user's change is applied, overtaken (done: someone
already did it) or refused (kept, with their text, to retry or discard), and a notice says so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from casedesktop.domain import Action, ActionInput, Role
from casedesktop.server.testing import ApiCaller, ServerHandle
from casedesktop.store import conflicts, local_changes, outbox, queries
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL
from tests.sync.helpers import Device, make_device

OTHER_AGENT = "kim@vendor.example"


@dataclass(frozen=True)
class Row:
    """One row of the table: how the case starts, what the device queues offline, what another
    person does on the server meanwhile, and what must come of it."""

    name: str
    device: str  # "customer" or "agent"
    start: tuple[tuple[str, dict], ...]  # actions by the (other) agent before the device syncs
    queued: tuple[str, dict]  # ("reply", {}) or (action, fields)
    meanwhile: tuple[tuple[str, str, dict], ...]  # (who, action or "reply", fields)
    outcome: str  # "applied", "overtaken", "refused"
    status: str  # the case's status afterwards, on the server and in the cache
    notice: str | None  # the notice kind, or None for no notice
    says: tuple[str, ...] = field(default=())  # words the notice must contain


TABLE = [
    Row("reply while the agent resolves", "customer", (("pick-up", {}),), ("reply", {}),
        (("agent", "resolve", {"summary": "Patched in 5.3"}),),
        "applied", "resolved", "moved_on", ("resolved", "accept the resolution", "reject the resolution")),
    Row("reply while the agent asks and then resumes", "customer",
        (("pick-up", {}), ("pending-customer", {})), ("reply", {}),
        (("agent", "resume", {}),), "applied", "open", None),
    Row("reply while the agent puts the case on hold", "customer",
        (("pick-up", {}), ("pending-customer", {})), ("reply", {}),
        (("agent", "hold", {}),), "applied", "on_hold", "moved_on", ("on hold",)),
    Row("reply while the agent merges the case", "customer", (("pick-up", {}),), ("reply", {}),
        (("agent", "merge", {"parent_case_id": "PARENT"}),), "applied", "merged", "moved_on",
        ("merged",)),
    Row("escalate, already escalated by the agent", "customer", (("pick-up", {}),),
        ("escalate", {"reason": "Production down"}),
        (("agent", "escalate", {"reason": "VIP"}),), "overtaken", "open", "overtaken",
        ("already",)),
    Row("escalate while the agent resolves", "customer", (("pick-up", {}),),
        ("escalate", {"reason": "Production down"}),
        (("agent", "resolve", {"summary": "Patched"}),), "refused", "resolved", "refused",
        ("resolved now", "accept the resolution")),
    Row("request close while the agent closes", "customer", (("pick-up", {}),),
        ("request-close", {}), (("agent", "close", {}),), "overtaken", "closed", "overtaken"),
    Row("request close while the agent resolves", "customer", (("pick-up", {}),),
        ("request-close", {}), (("agent", "resolve", {"summary": "Done"}),), "refused", "resolved",
        "refused", ("close it",)),
    Row("close while the agent closes", "customer", (("pick-up", {}),), ("close", {}),
        (("agent", "close", {}),), "overtaken", "closed", "overtaken"),
    Row("close while the agent resolves", "customer", (("pick-up", {}),), ("close", {}),
        (("agent", "resolve", {"summary": "Done"}),), "applied", "closed", None),
    Row("accept while the agent closes the resolved case", "customer",
        (("pick-up", {}), ("resolve", {"summary": "Done"})), ("accept", {}),
        (("agent", "close", {}),), "overtaken", "closed", "overtaken"),
    Row("reject while the agent closes the resolved case", "customer",
        (("pick-up", {}), ("resolve", {"summary": "Done"})), ("reject", {"reason": "Not fixed"}),
        (("agent", "close", {}),), "refused", "closed", "refused", ("closed now", "reopen it")),
    Row("reopen while the agent reopens", "customer", (("pick-up", {}), ("close", {})),
        ("reopen", {"reason": "Back again"}), (("agent", "reopen", {"reason": "Customer called"}),),
        "overtaken", "open", "overtaken", ("Back again",)),
    Row("agent picks up while another agent picks up", "agent", (), ("pick-up", {}),
        (("other_agent", "pick-up", {}),), "overtaken", "open", "overtaken"),
    Row("agent resolves while the customer closes", "agent", (("pick-up", {}),),
        ("resolve", {"summary": "Patched"}), (("customer", "close", {}),), "refused", "closed",
        "refused", ("closed now", "reopen it")),
    Row("agent asks the customer while the customer replies", "agent",
        (("pick-up", {}), ("pending-customer", {})), ("resume", {}), (("customer", "reply", {}),),
        "overtaken", "open", "overtaken"),
    Row("agent merges into the case another agent merged it into", "agent", (("pick-up", {}),),
        ("merge", {"parent_case_id": "PARENT"}),
        (("other_agent", "merge", {"parent_case_id": "PARENT"}),), "overtaken", "merged",
        "overtaken"),
    Row("agent merges while another agent merged it elsewhere", "agent", (("pick-up", {}),),
        ("merge", {"parent_case_id": "PARENT"}),
        (("other_agent", "merge", {"parent_case_id": "OTHER_PARENT"}),), "refused", "merged",
        "refused"),
]


def _fields(fields: dict, parents: dict[str, str]) -> dict:
    return {k: parents.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}


@pytest.mark.parametrize("row", TABLE, ids=[r.name for r in TABLE])
def test_lifecycle_conflict(world: ServerHandle, tmp_path: Path, row: Row) -> None:
    world.add_user(OTHER_AGENT, Role.AGENT, name="Kim Agent")
    people: dict[str, ApiCaller] = {
        "customer": world.signed_in(CUSTOMER_EMAIL),
        "agent": world.signed_in(AGENT_EMAIL),
        "other_agent": world.signed_in(OTHER_AGENT),
    }
    case_id = people["customer"].new_case(subject=f"Conflict: {row.name}")["id"]
    parents = {"PARENT": people["customer"].new_case(subject="Parent")["id"],
               "OTHER_PARENT": people["customer"].new_case(subject="Other parent")["id"]}
    starter = people["other_agent" if row.device == "agent" else "agent"]
    for action, fields in row.start:
        assert starter.act(case_id, action, **fields).status_code == 200, action

    device: Device = make_device(world, CUSTOMER_EMAIL if row.device == "customer" else AGENT_EMAIL,
                                 tmp_path / "device")
    device.sync_until_quiet()
    seen = queries.case_detail(device.db, case_id).case.status

    # Offline: the device queues its change, shown at once.
    kind, fields = row.queued
    if kind == "reply":
        op_id, _ = local_changes.add_comment(device.db, device.identity, case_id, "My answer, kept")
    else:
        given = ActionInput(**_fields(fields, parents))
        op_id, _ = local_changes.take_action(device.db, device.identity, case_id, Action(kind), given)

    # Meanwhile, on the server.
    for who, action, more in row.meanwhile:
        if action == "reply":
            answer = people[who].comment(case_id, "Here is what you asked for")
        else:
            answer = people[who].act(case_id, action, **_fields(more, parents))
        assert answer.status_code in (200, 201), answer.text

    device.sync_until_quiet()
    server = people["agent"].get(f"/cases/{case_id}").json()
    local = queries.case_detail(device.db, case_id)
    assert server["status"] == row.status
    assert local.case.status == row.status, f"the cache shows {local.case.status}, not the server's state"
    assert local.case.escalated == server["escalated"]
    failed = {f.op_id: f for f in outbox.failed_ops(device.db)}
    if row.outcome == "refused":
        assert op_id in failed, "a refused change stays, for the user to retry or discard"
        assert failed[op_id].error
    else:
        assert op_id not in failed
        assert outbox.counts(device.db).waiting == 0
    if kind == "reply":
        on_server = [c["body"] for c in people["agent"].get(f"/cases/{case_id}/comments").json()]
        assert "My answer, kept" in on_server
        assert "My answer, kept" in [c.body for c in local.comments]

    notices = conflicts.notices(device.db, case_id=case_id)
    if row.notice is None:
        assert notices == [], notices
    else:
        assert [n.kind for n in notices] == [row.notice], notices
        for word in row.says:
            assert word in notices[0].message + notices[0].your_text, notices[0]
        if kind != "reply" and (fields.get("reason") or fields.get("summary")):
            assert notices[0].your_text  # the user's words are kept with the notice
    assert seen  # the status the user saw was recorded with the change
    device.close()


def test_a_refused_change_can_be_fixed_and_retried(world: ServerHandle, tmp_path: Path) -> None:
    """Retry after the refusal: the reason no longer holds (the case was reopened), it goes out
    under a new change number and is applied."""
    agent = world.signed_in(AGENT_EMAIL)
    case_id = world.signed_in(CUSTOMER_EMAIL).new_case(subject="Retry me")["id"]
    agent.act(case_id, "pick-up")
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    ann.sync_until_quiet()
    op_id, _ = local_changes.take_action(ann.db, ann.identity, case_id, Action.ESCALATE,
                                         ActionInput(reason="Urgent"))
    agent.act(case_id, "close")
    ann.sync_until_quiet()
    assert [f.op_id for f in outbox.failed_ops(ann.db)] == [op_id]
    agent.act(case_id, "reopen", reason="Not done after all")
    outbox.retry(ann.db, op_id)
    ann.sync_until_quiet()
    assert outbox.counts(ann.db).waiting == 0
    case = agent.get(f"/cases/{case_id}").json()
    assert case["escalated"] is True and case["status"] == "open"
    assert queries.case_detail(ann.db, case_id).case.escalated
    ann.close()


def test_waiting_changes_stay_visible_over_a_newer_server_state(world: ServerHandle, tmp_path: Path) -> None:
    """The pull brings the agent's change while the device's own escalation still waits (behind
    a failure elsewhere in the case): the cache shows the server's state plus the waiting change."""
    agent = world.signed_in(AGENT_EMAIL)
    case_id = world.signed_in(CUSTOMER_EMAIL).new_case(subject="Rebase me")["id"]
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    ann.sync_until_quiet()
    local_changes.take_action(ann.db, ann.identity, case_id, Action.ESCALATE, ActionInput(reason="Now"))
    agent.act(case_id, "pick-up")  # new -> open, owner Sam (staff's to know: not sent to Ann)
    ann.engine._push = lambda report: None  # this pass only pulls  # noqa: SLF001
    ann.sync()
    local = queries.case_detail(ann.db, case_id).case
    assert (local.status, local.owner_name, local.escalated) == ("open", "", True)
    assert uuid.UUID(case_id)
    ann.close()
