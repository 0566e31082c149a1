"""The case lifecycle: every action, who may take it, from which states, and what it records.

The server enforces it; the client uses the same table to show only the buttons that can work and to
apply an action locally (offline) exactly as the server will.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from casedesktop.domain.fields import REASON_MAX, Role, Status

ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD})
CUSTOMER = frozenset({Role.CUSTOMER})
STAFF = frozenset({Role.AGENT, Role.ADMIN})
EVERYONE = CUSTOMER | STAFF


class Action(StrEnum):
    ESCALATE = "escalate"
    REQUEST_CLOSE = "request-close"
    CLOSE = "close"
    ACCEPT = "accept"
    REJECT = "reject"
    REOPEN = "reopen"
    PICK_UP = "pick-up"
    PENDING_CUSTOMER = "pending-customer"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    MERGE = "merge"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def rule(self) -> Rule:
        return RULES[self]


_LABELS = {
    Action.ESCALATE: "Escalate",
    Action.REQUEST_CLOSE: "Request close",
    Action.CLOSE: "Close case",
    Action.ACCEPT: "Accept resolution",
    Action.REJECT: "Reject resolution",
    Action.REOPEN: "Reopen",
    Action.PICK_UP: "Pick up",
    Action.PENDING_CUSTOMER: "Ask customer",
    Action.HOLD: "Put on hold",
    Action.RESUME: "Resume",
    Action.RESOLVE: "Resolve",
    Action.MERGE: "Merge into…",
}


# What each action does, as the end of a sentence ("You can now ..."): the window's buttons and the
# CLI's verbs differ, so refusals and hints name the deed, not either of them.
_PHRASES = {
    Action.ESCALATE: "escalate it",
    Action.REQUEST_CLOSE: "ask support to close it",
    Action.CLOSE: "close it",
    Action.ACCEPT: "accept the resolution",
    Action.REJECT: "reject the resolution",
    Action.REOPEN: "reopen it",
    Action.PICK_UP: "pick it up",
    Action.PENDING_CUSTOMER: "ask the customer for more",
    Action.HOLD: "put it on hold",
    Action.RESUME: "resume work on it",
    Action.RESOLVE: "resolve it",
    Action.MERGE: "merge it into another case",
}


@dataclass(frozen=True)
class Rule:
    """One row of the lifecycle table."""

    roles: frozenset[Role]
    from_statuses: frozenset[Status]
    to_status: Status | None  # None: the status stays, a flag changes
    requires: tuple[str, ...] = ()  # inputs that must be non-empty
    activity: str = ""


RULES: dict[Action, Rule] = {
    Action.ESCALATE: Rule(EVERYONE, ACTIVE, None, ("reason",), "escalated the case"),
    Action.REQUEST_CLOSE: Rule(CUSTOMER, ACTIVE, None, (), "asked to close the case"),
    Action.CLOSE: Rule(EVERYONE, ACTIVE | {Status.RESOLVED}, Status.CLOSED, (), "closed the case"),
    Action.ACCEPT: Rule(CUSTOMER, frozenset({Status.RESOLVED}), Status.CLOSED, (), "accepted the resolution"),
    Action.REJECT: Rule(CUSTOMER, frozenset({Status.RESOLVED}), Status.OPEN, ("reason",), "rejected the resolution"),
    Action.REOPEN: Rule(EVERYONE, frozenset({Status.CLOSED}), Status.OPEN, ("reason",), "reopened the case"),
    Action.PICK_UP: Rule(STAFF, frozenset({Status.NEW}), Status.OPEN, (), "picked up the case"),
    Action.PENDING_CUSTOMER: Rule(
        STAFF, frozenset({Status.OPEN, Status.ON_HOLD}), Status.PENDING_CUSTOMER, (), "asked the customer"
    ),
    Action.HOLD: Rule(STAFF, frozenset({Status.OPEN, Status.PENDING_CUSTOMER}), Status.ON_HOLD, (), "put the case on hold"),
    Action.RESUME: Rule(STAFF, frozenset({Status.PENDING_CUSTOMER, Status.ON_HOLD}), Status.OPEN, (), "resumed work"),
    Action.RESOLVE: Rule(STAFF, ACTIVE, Status.RESOLVED, ("summary",), "resolved the case"),
    Action.MERGE: Rule(STAFF, ACTIVE, Status.MERGED, ("parent_case_id",), "merged the case"),
}


@dataclass(frozen=True)
class CaseState:
    """What the lifecycle needs to know about a case."""

    status: Status
    escalated: bool = False
    close_requested: bool = False


@dataclass(frozen=True)
class ActionInput:
    """What the person taking an action typed or chose."""

    reason: str = ""
    summary: str = ""
    root_cause: str = ""
    resolution_type: str = ""
    parent_case_id: str = ""
    survey: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return str(getattr(self, name) or "").strip()


@dataclass(frozen=True)
class Transition:
    """The outcome of an allowed action: the fields to set and the activity entry to write."""

    action: Action
    from_status: Status
    to_status: Status
    changes: dict[str, object]
    activity: str
    reason: str


class TransitionError(Exception):
    """The action is not allowed for this role in this state (HTTP 409 or 403 on the server)."""

    def __init__(self, action: Action, state: CaseState, role: Role, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.action = action
        self.state = state
        self.role = role
        self.forbidden = forbidden


class MissingField(Exception):
    """The action needs an input that is empty or too long (HTTP 422 on the server)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _applies(action: Action, state: CaseState) -> bool:
    rule = RULES[action]
    if state.status not in rule.from_statuses:
        return False
    if action is Action.ESCALATE and state.escalated:
        return False
    return not (action is Action.REQUEST_CLOSE and state.close_requested)


def allowed_actions(state: CaseState, role: Role) -> list[Action]:
    """The actions a person of this role can take on a case in this state, in table order."""
    return [a for a, rule in RULES.items() if role in rule.roles and _applies(a, state)]


def apply_action(
    action: Action, state: CaseState, role: Role, given: ActionInput, now: datetime
) -> Transition:
    """Check an action against the table and say what it changes; raises if it cannot be taken."""
    rule = RULES[action]
    if role not in rule.roles:
        who = "support staff" if rule.roles == STAFF else "customers"
        deed = _PHRASES[action].replace(" it", " a case", 1)
        raise TransitionError(action, state, role, f"Only {who} can {deed}.", forbidden=True)
    if not _applies(action, state):
        raise TransitionError(action, state, role, refusal(action, state, role))
    for name in rule.requires:
        if not given.value(name):
            raise MissingField(name, f"{action.label} needs a {name.replace('_', ' ')}.")
    for name in ("reason", "summary", "root_cause"):
        if len(given.value(name)) > REASON_MAX:
            raise MissingField(name, f"The {name.replace('_', ' ')} is too long; keep it to {REASON_MAX} characters.")

    to_status = rule.to_status or state.status
    changes: dict[str, object] = {}
    if to_status is not state.status:
        changes["status"] = to_status
    if action is Action.ESCALATE:
        changes["escalated"] = True
    if action is Action.REQUEST_CLOSE:
        changes["close_requested"] = True
    if action is Action.RESOLVE:
        changes.update(
            resolution_summary=given.value("summary"),
            resolution_root_cause=given.value("root_cause"),
            resolution_type=given.value("resolution_type"),
            resolved_at=now,
        )
    if to_status is Status.CLOSED:
        changes["closed_at"] = now
    if action is Action.ACCEPT and given.survey:
        changes["survey"] = dict(given.survey)
    if action in (Action.REOPEN, Action.REJECT):
        # The earlier resolution stays in the activity log; the case starts afresh.
        changes.update(
            resolution_summary="", resolution_root_cause="", resolution_type="",
            resolved_at=None, closed_at=None, close_requested=False,
        )
    if action is Action.MERGE:
        changes["parent_case_id"] = given.value("parent_case_id")
    return Transition(
        action=action,
        from_status=state.status,
        to_status=to_status,
        changes=changes,
        activity=rule.activity,
        reason=given.value("reason") or given.value("summary"),
    )


def status_after_reply(status: Status, author_role: Role) -> Status:
    """A customer's answer puts a case that waited on them back in staff's queue."""
    if status is Status.PENDING_CUSTOMER and author_role is Role.CUSTOMER:
        return Status.OPEN
    return status


def refusal(action: Action, state: CaseState, role: Role) -> str:
    """Why `action` cannot be taken on a case in `state`, as one sentence a customer understands,
    with what can be done instead. The one place refusals are worded, for the window, the CLI and
    the server alike."""
    status = state.status.label_for(role).lower()
    if action is Action.ESCALATE and state.escalated:
        reason = "This case is already escalated."
    elif action is Action.REQUEST_CLOSE and state.close_requested:
        reason = "Closing this case was already asked for; support will confirm it."
    elif action in (Action.ACCEPT, Action.REJECT):
        reason = f"There is no resolution to {action.value} yet: the case is {status}."
    elif action is Action.REOPEN:
        reason = f"Only a closed case can be reopened; this one is {status}."
    else:
        reason = f"The case is {status}, so you cannot {_PHRASES[action]}."
    instead = next_steps(state, role)
    return f"{reason} {instead}" if instead else reason


def next_steps(state: CaseState, role: Role) -> str:
    """What a person of this role can do with a case in this state, as a sentence ("" if nothing)."""
    phrases = [_PHRASES[a] for a in allowed_actions(state, role)]
    if not phrases:
        return ""
    listed = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} or {phrases[-1]}"
    return f"You can {listed}."


_OTHER_ACTIVITY = {
    "create": "opened the case",
    "reply": "replied",
    "assign": "assigned the case",
    "triage": "changed the priority or category",
}


def activity_sentence(action: str) -> str:
    """The verb phrase an activity entry is shown with: "Alex Moreno picked up the case"."""
    try:
        return RULES[Action(action)].activity
    except ValueError:
        return _OTHER_ACTIVITY.get(action, action.replace("-", " ").replace("_", " "))
