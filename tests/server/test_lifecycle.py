"""The whole lifecycle table over HTTP: every action, by every role, from every status (and with
the escalated / close-requested flags set), is allowed or refused exactly as the domain says.

Cases are written straight into the database in the state under test (quicker than walking
there over HTTP, and it reaches states such as `merged` directly); every action goes over HTTP. Each attempt goes
through a per-action endpoint or the generic /actions one, alternately: they share one
implementation and must agree with the domain's `can_take` (what `allowed_actions` offers, and
the customer's reopen of a resolved case, taken but not offered).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from casedesktop.domain import Action, CaseState, Role, Status, allowed_actions, can_take
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.base import utcnow
from casedesktop.server.models import Activity, Case
from casedesktop.server.services.cases import next_case_number
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.testing import ApiCaller, ServerHandle

INPUTS: dict[str, str] = {
    "reason": "Because the test says so.",
    "summary": "Replaced the driver.",
}
ACTIVE = [s for s in Status if s.is_active]
STATES = (
    [CaseState(status) for status in Status]
    + [CaseState(status, escalated=True) for status in ACTIVE]
    + [CaseState(status, close_requested=True) for status in ACTIVE]
)


def _force_state(server: ServerHandle, case_id: str, state: CaseState) -> None:
    def work(session: Any) -> None:
        _put_in_state(session.get(Case, uuid.UUID(case_id)), state)

    server.sessions.run_write(work)


def _put_in_state(case: Case, state: CaseState) -> None:
    case.status = state.status.value
    case.escalated = state.escalated
    case.close_requested = state.close_requested
    if state.status in (Status.RESOLVED, Status.CLOSED):
        case.resolution_summary = "Earlier fix"
        case.resolution_type = "Fix"


def _cases_in(server: ServerHandle, template_id: str, states: list[CaseState]) -> list[str]:
    """One new case per state, like an API-made case, all in one transaction."""

    def work(session: Any) -> list[str]:
        template = session.get(Case, uuid.UUID(template_id))
        made = []
        for state in states:
            case = Case(
                id=uuid.uuid4(),
                number=next_case_number(session),
                account_id=template.account_id,
                reported_by=template.reported_by,
                subject="In a state under test",
                description="Made by test_lifecycle.",
                severity=template.severity,
                product="",
                escalated=False,
                close_requested=False,
                resolution_summary="",
                resolution_root_cause="",
                resolution_type="",
                created_at=template.created_at,
                updated_at=template.updated_at,
            )
            _put_in_state(case, state)
            session.add(case)
            made.append(str(case.id))
        return made

    return server.sessions.run_write(work)


def _body(action: Action, parent_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {name: INPUTS[name] for name in RULES[action].requires if name in INPUTS}
    if action is Action.MERGE:
        body["parent_case_id"] = parent_id
    if action is Action.ACCEPT:
        body["survey"] = {"solved": "yes", "rating": "4"}
    return body


def _send(client: ApiCaller, case_id: str, action: Action, body: dict[str, Any], generic: bool):
    if generic:
        payload = {"id": str(uuid.uuid4()), "action": action.value, **body}
        return client.post(f"/cases/{case_id}/actions", json=payload)
    return client.post(f"/cases/{case_id}/{action.value}", json=body)


def _activities(server: ServerHandle, case_ids: list[str]) -> dict[str, list[Activity]]:
    def work(session: Any) -> dict[str, list[Activity]]:
        found: dict[str, list[Activity]] = {one: [] for one in case_ids}
        wanted = [uuid.UUID(one) for one in case_ids]
        for row in session.scalars(select(Activity).where(Activity.case_id.in_(wanted))):
            found[str(row.case_id)].append(row)
        return found

    return server.sessions.run_read(work)


def test_every_action_role_and_state_over_http(world: ServerHandle) -> None:
    world.add_user("ada@vendor.example", Role.ADMIN)
    callers = {
        Role.CUSTOMER: world.signed_in("ann@acme.example"),
        Role.AGENT: world.signed_in("sam@vendor.example"),
        Role.ADMIN: world.signed_in("ada@vendor.example"),
    }
    parent = callers[Role.CUSTOMER].new_case(subject="The case others merge into")["id"]
    combos = [
        (action, role, state)
        for action in Action
        for role in Role
        for state in STATES
        # The flags matter to these two actions only.
        if state == CaseState(state.status) or action in (Action.ESCALATE, Action.REQUEST_CLOSE)
    ]
    case_ids = _cases_in(world, parent, [state for _, _, state in combos])
    wrong: list[str] = []
    done: list[tuple[str, str, Action, CaseState, Status]] = []
    for index, ((action, role, state), case_id) in enumerate(zip(combos, case_ids, strict=True)):
        response = _send(callers[role], case_id, action, _body(action, parent), index % 2 == 1)
        rule = RULES[action]
        where = f"{action.value} by {role.value} from {state}"
        if can_take(action, state, role):
            to_status = rule.to_status or state.status
            if response.status_code != 200 or response.json()["status"] != to_status.value:
                wrong.append(f"{where}: {response.status_code} {response.text[:200]}")
            else:
                done.append((where, case_id, action, state, to_status))
        elif role not in rule.roles:
            if response.status_code != 403 or response.json()["code"] != "forbidden":
                wrong.append(f"{where}: expected 403, got {response.status_code}")
        else:
            body = response.json()
            if response.status_code != 409 or body.get("current_status") != state.status.value:
                wrong.append(f"{where}: expected 409, got {response.status_code} {body}")

    # Each allowed action wrote exactly one activity entry: who, from, to, and why.
    activities = _activities(world, [case_id for _, case_id, *_ in done])
    for where, case_id, action, state, to_status in done:
        entries = activities[case_id]
        got = [(e.action, e.from_status, e.to_status) for e in entries]
        if got != [(action.value, state.status.value, to_status.value)]:
            wrong.append(f"{where}: activity {got}")
        elif (
            action in (Action.REOPEN, Action.REJECT)  # the earlier resolution is kept there
            and (entries[0].details or {}).get("previous_summary") != "Earlier fix"
        ):
            wrong.append(f"{where}: earlier resolution not kept: {entries[0].details}")
    assert not wrong, "\n".join(wrong)
    assert len(combos) == len(Action) * len(Role) * len(Status) + 2 * len(Role) * 2 * len(ACTIVE)
    assert len(done) == sum(1 for a, r, s in combos if can_take(a, s, r)) > 50


def test_required_inputs_are_422_naming_the_field(world: ServerHandle) -> None:
    ann, sam = world.signed_in("ann@acme.example"), world.signed_in("sam@vendor.example")
    for action, rule in RULES.items():
        for name in rule.requires:
            role = Role.CUSTOMER if Role.CUSTOMER in rule.roles else Role.AGENT
            client = ann if role is Role.CUSTOMER else sam
            state = next(
                CaseState(s) for s in Status if action in allowed_actions(CaseState(s), role)
            )
            for generic in (False, True):
                for value in (None, "   "):  # left out, or only blanks
                    case_id = ann.new_case()["id"]
                    _force_state(world, case_id, state)
                    body = _body(action, ann.new_case()["id"])
                    body.pop(name, None)
                    if value is not None:
                        body[name] = value
                    response = _send(client, case_id, action, body, generic)
                    where = f"{action.value} without {name} ({'generic' if generic else 'own'})"
                    if name == "parent_case_id" and value is not None:
                        continue  # not a UUID: plain request validation, checked elsewhere
                    assert response.status_code == 422, f"{where}: {response.status_code}"
                    assert response.json()["field"] == name, where
                    assert ann.get(f"/cases/{case_id}").json()["status"] == state.status.value


def test_per_action_endpoints_keep_request_ids_idempotent(customer: ApiCaller) -> None:
    case = customer.new_case()
    body = {"id": str(uuid.uuid4()), "reason": "Payday is Friday."}
    first = customer.post(f"/cases/{case['id']}/escalate", json=body)
    again = customer.post(f"/cases/{case['id']}/escalate", json=body)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    # The same id through the generic endpoint is the same action, already applied.
    generic = {**body, "action": "escalate"}
    assert customer.post(f"/cases/{case['id']}/actions", json=generic).json() == first.json()
    history = [a["action"] for a in customer.get(f"/cases/{case['id']}/activity").json()]
    assert history == ["create", "escalate"]


def test_assign_and_triage_are_staff_only_and_logged(
    customer: ApiCaller, agent: ApiCaller, world: ServerHandle
) -> None:
    case = customer.new_case(severity="low")
    assert customer.post(f"/cases/{case['id']}/assign", json={"owner_id": None}).status_code == 403
    assert (
        customer.post(f"/cases/{case['id']}/triage", json={"priority": "high"}).status_code == 403
    )

    assigned = agent.post(f"/cases/{case['id']}/assign", json={"owner_id": agent.user["id"]})
    assert assigned.status_code == 200 and assigned.json()["owner_name"] == "Sam"
    not_staff = agent.post(f"/cases/{case['id']}/assign", json={"owner_id": customer.user["id"]})
    assert not_staff.status_code == 422 and not_staff.json()["field"] == "owner_id"
    nothing = agent.post(f"/cases/{case['id']}/triage", json={})
    assert nothing.status_code == 422 and nothing.json()["field"] == "priority"

    world.sessions.run_write(lambda session: ensure_category(session, "Billing", utcnow()))
    triaged = agent.post(
        f"/cases/{case['id']}/triage",
        json={"priority": "critical", "category": "billing", "severity": "urgent"},
    ).json()
    assert (triaged["priority"], triaged["category"], triaged["severity"]) == (
        "critical",
        "Billing",
        "urgent",
    )
    assert triaged["status"] == "new"  # neither changes the status
    unassigned = agent.post(f"/cases/{case['id']}/assign", json={"owner_id": None}).json()
    assert unassigned["owner_id"] is None

    history = agent.get(f"/cases/{case['id']}/activity").json()
    assert [a["action"] for a in history] == ["create", "assign", "triage", "assign"]
    assert history[2]["details"] == {
        "priority": "critical",
        "previous_priority": "",
        "category": "Billing",
        "previous_category": "",
        "severity": "urgent",
        "previous_severity": "low",
    }
    assert history[2]["reason"] == (
        "priority: (none) → critical; category: (none) → Billing; severity: low → urgent"
    )
    assert history[1]["reason"] == "assigned to Sam" and history[3]["reason"] == "unassigned"
    # Staff's bookkeeping: the customer sees neither the entries nor the fields.
    assert [a["action"] for a in customer.get(f"/cases/{case['id']}/activity").json()] == [
        "create"
    ]
    seen = customer.get(f"/cases/{case['id']}").json()
    assert (seen["priority"], seen["category"], seen["owner_id"], seen["sla"]) == (
        None,
        "",
        None,
        None,
    )
    assert seen["severity"] == "urgent"  # the customer's own field: theirs to see


def test_reopen_keeps_the_earlier_resolution_in_the_activity(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case()
    agent.post(f"/cases/{case['id']}/pick-up")
    agent.post(
        f"/cases/{case['id']}/resolve",
        json={
            "summary": "Cleared the cache.",
            "root_cause": "Stale cache",
            "resolution_type": "Fix",
        },
    )
    assert customer.post(f"/cases/{case['id']}/accept", json={"survey": {"solved": "yes"}}).json()[
        "survey"
    ] == {"solved": "yes"}
    reopened = customer.post(f"/cases/{case['id']}/reopen", json={"reason": "It is back."}).json()
    assert reopened["status"] == "open" and reopened["resolution_summary"] == ""
    last = customer.get(f"/cases/{case['id']}/activity").json()[-1]
    assert last["reason"] == "It is back."
    assert last["details"]["previous_summary"] == "Cleared the cache."
    assert last["details"]["previous_root_cause"] == "Stale cache"
    assert last["details"]["previous_resolution_type"] == "Fix"


def test_merge_stays_within_the_account(
    customer: ApiCaller, other_customer: ApiCaller, agent: ApiCaller
) -> None:
    mine, theirs = customer.new_case(), other_customer.new_case()
    response = agent.post(f"/cases/{mine['id']}/merge", json={"parent_case_id": theirs["id"]})
    assert response.status_code == 422 and response.json()["field"] == "parent_case_id"


def test_survey_is_bounded(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    agent.post(f"/cases/{case['id']}/resolve", json={"summary": "Done."})
    many = {f"q{n}": "yes" for n in range(11)}
    response = customer.post(f"/cases/{case['id']}/accept", json={"survey": many})
    assert response.status_code == 422 and response.json()["field"] == "survey"
    generic = customer.act(case["id"], "accept", survey=many)
    assert generic.status_code == 422 and generic.json()["field"] == "survey"
