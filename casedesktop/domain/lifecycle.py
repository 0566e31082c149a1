"""The case lifecycle: every action, who may take it, from which states, and what it records.

The server enforces it; the client uses the same table to show only the buttons that can work and to
apply an action locally (offline) exactly as the server will.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from casedesktop.domain.fields import REASON_MAX, Role, Status, status_phrase
from casedesktop.i18n import N_, _, pgettext

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
        """The button's text, in the user's language."""
        return _(_LABELS[self])

    @property
    def explanation(self) -> str:
        """What the action does, in one line a customer understands: its tooltip and its dialog's text."""
        return _(_EXPLANATIONS[self])

    @property
    def rule(self) -> Rule:
        return RULES[self]


# The texts below are English and translated where they are used (`_`), once the language is known.
_LABELS = {
    Action.ESCALATE: N_("Escalate"),
    Action.REQUEST_CLOSE: N_("Request close"),
    Action.CLOSE: N_("Close case"),
    Action.ACCEPT: N_("Accept resolution"),
    Action.REJECT: N_("Reject resolution"),
    Action.REOPEN: N_("Reopen"),
    Action.PICK_UP: N_("Pick up"),
    Action.PENDING_CUSTOMER: N_("Ask customer"),
    Action.HOLD: N_("Put on hold"),
    Action.RESUME: N_("Resume"),
    Action.RESOLVE: N_("Resolve"),
    Action.MERGE: N_("Merge into…"),
}


# What each action does, as one line for the button's tooltip and the dialog that asks for it.
_EXPLANATIONS = {
    Action.ESCALATE: N_("Tell support the case needs more urgent attention, and why."),
    Action.REQUEST_CLOSE: N_("Ask support to confirm it is solved and close it."),
    Action.CLOSE: N_("Close it now: you no longer need help."),
    Action.ACCEPT: N_("The resolution solved the problem: close the case."),
    Action.REJECT: N_("The resolution did not solve the problem: the case opens again for support."),
    Action.REOPEN: N_("The problem is back or not solved: open the case again."),
    Action.PICK_UP: N_("Take the case and start working on it."),
    Action.PENDING_CUSTOMER: N_("Wait for the customer's answer before going on."),
    Action.HOLD: N_("Pause work on the case, for example while waiting on a third party."),
    Action.RESUME: N_("Go on working on the case."),
    Action.RESOLVE: N_("Tell the customer what was done; they accept or reject the resolution."),
    Action.MERGE: N_("Fold this case into another case about the same problem."),
}


# What each action does, as the end of a sentence ("You can ..."): the window's buttons and the
# CLI's verbs differ, so refusals and hints name the deed, not either of them.
_PHRASES = {
    # Translators: each of these ends "You can …", alone or in a list ("You can close it or reopen it.").
    Action.ESCALATE: N_("escalate it"),
    Action.REQUEST_CLOSE: N_("ask support to close it"),
    Action.CLOSE: N_("close it"),
    Action.ACCEPT: N_("accept the resolution"),
    Action.REJECT: N_("reject the resolution"),
    Action.REOPEN: N_("reopen it"),
    Action.PICK_UP: N_("pick it up"),
    Action.PENDING_CUSTOMER: N_("ask the customer for more"),
    Action.HOLD: N_("put it on hold"),
    Action.RESUME: N_("resume work on it"),
    Action.RESOLVE: N_("resolve it"),
    Action.MERGE: N_("merge it into another case"),
}

# Why a role may not take an action at all (the actions open to everyone are never refused so).
_FORBIDDEN = {
    Action.REQUEST_CLOSE: N_("Only customers can ask support to close a case."),
    Action.ACCEPT: N_("Only customers can accept the resolution."),
    Action.REJECT: N_("Only customers can reject the resolution."),
    Action.PICK_UP: N_("Only support staff can pick a case up."),
    Action.PENDING_CUSTOMER: N_("Only support staff can ask the customer for more."),
    Action.HOLD: N_("Only support staff can put a case on hold."),
    Action.RESUME: N_("Only support staff can resume work on a case."),
    Action.RESOLVE: N_("Only support staff can resolve a case."),
    Action.MERGE: N_("Only support staff can merge a case into another case."),
}

# Why an action does not fit the case's status now; {status} reads "the case is {status}".
_CANNOT = {
    Action.ESCALATE: N_("The case is {status}, so you cannot escalate it."),
    Action.REQUEST_CLOSE: N_("The case is {status}, so you cannot ask support to close it."),
    Action.CLOSE: N_("The case is {status}, so you cannot close it."),
    Action.ACCEPT: N_("There is no resolution to accept yet: the case is {status}."),
    Action.REJECT: N_("There is no resolution to reject yet: the case is {status}."),
    Action.REOPEN: N_("Only a resolved or closed case can be reopened; this one is {status}."),
    Action.PICK_UP: N_("The case is {status}, so you cannot pick it up."),
    Action.PENDING_CUSTOMER: N_("The case is {status}, so you cannot ask the customer for more."),
    Action.HOLD: N_("The case is {status}, so you cannot put it on hold."),
    Action.RESUME: N_("The case is {status}, so you cannot resume work on it."),
    Action.RESOLVE: N_("The case is {status}, so you cannot resolve it."),
    Action.MERGE: N_("The case is {status}, so you cannot merge it into another case."),
}

# An input the action needs, by the name in `Rule.requires`; {action} is the action's label.
_NEEDS = {
    "reason": N_("{action} needs a reason."),
    "summary": N_("{action} needs a summary."),
    "parent_case_id": N_("{action} needs a parent case id."),
}
_TOO_LONG = {
    "reason": N_("The reason is too long; keep it to {limit} characters."),
    "summary": N_("The summary is too long; keep it to {limit} characters."),
    "root_cause": N_("The root cause is too long; keep it to {limit} characters."),
}


@dataclass(frozen=True)
class Rule:
    """One row of the lifecycle table."""

    roles: frozenset[Role]
    from_statuses: frozenset[Status]
    to_status: Status | None  # None: the status stays, a flag changes
    requires: tuple[str, ...] = ()  # inputs that must be non-empty
    activity: str = ""  # the activity entry, "{actor} escalated the case" (English; see activity_sentence)


RULES: dict[Action, Rule] = {
    Action.ESCALATE: Rule(EVERYONE, ACTIVE, None, ("reason",), N_("{actor} escalated the case")),
    Action.REQUEST_CLOSE: Rule(CUSTOMER, ACTIVE, None, (), N_("{actor} asked to close the case")),
    Action.CLOSE: Rule(EVERYONE, ACTIVE | {Status.RESOLVED}, Status.CLOSED, (), N_("{actor} closed the case")),
    Action.ACCEPT: Rule(CUSTOMER, frozenset({Status.RESOLVED}), Status.CLOSED, (), N_("{actor} accepted the resolution")),
    Action.REJECT: Rule(CUSTOMER, frozenset({Status.RESOLVED}), Status.OPEN, ("reason",),
                        N_("{actor} rejected the resolution")),
    Action.REOPEN: Rule(EVERYONE, frozenset({Status.RESOLVED, Status.CLOSED}), Status.OPEN, ("reason",),
                        N_("{actor} reopened the case")),
    Action.PICK_UP: Rule(STAFF, frozenset({Status.NEW}), Status.OPEN, (), N_("{actor} picked up the case")),
    Action.PENDING_CUSTOMER: Rule(
        STAFF, frozenset({Status.OPEN, Status.ON_HOLD}), Status.PENDING_CUSTOMER, (), N_("{actor} asked the customer")
    ),
    Action.HOLD: Rule(STAFF, frozenset({Status.OPEN, Status.PENDING_CUSTOMER}), Status.ON_HOLD, (),
                      N_("{actor} put the case on hold")),
    Action.RESUME: Rule(STAFF, frozenset({Status.PENDING_CUSTOMER, Status.ON_HOLD}), Status.OPEN, (),
                        N_("{actor} resumed work")),
    Action.RESOLVE: Rule(STAFF, ACTIVE, Status.RESOLVED, ("summary",), N_("{actor} resolved the case")),
    Action.MERGE: Rule(STAFF, ACTIVE, Status.MERGED, ("parent_case_id",), N_("{actor} merged the case")),
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
    """The actions a person of this role can take on a case in this state, in table order.

    A customer's reopen of a resolved case is taken (it does what rejecting the resolution
    does, and an older client may send it), but not offered: Reject is the customer's way there."""
    return [
        a for a, rule in RULES.items()
        if role in rule.roles and _applies(a, state) and not _same_as_reject(a, state, role)
    ]


def can_take(action: Action, state: CaseState, role: Role) -> bool:
    """Whether `apply_action` takes the action (given its inputs): every action offered, and the
    customer's reopen of a resolved case, which is taken but not offered."""
    return role in RULES[action].roles and _applies(action, state)


def _same_as_reject(action: Action, state: CaseState, role: Role) -> bool:
    return action is Action.REOPEN and state.status is Status.RESOLVED and not role.is_staff


def apply_action(
    action: Action, state: CaseState, role: Role, given: ActionInput, now: datetime
) -> Transition:
    """Check an action against the table and say what it changes; raises if it cannot be taken."""
    rule = RULES[action]
    if role not in rule.roles:
        raise TransitionError(action, state, role, _(_FORBIDDEN[action]), forbidden=True)
    if not _applies(action, state):
        raise TransitionError(action, state, role, refusal(action, state, role))
    for name in rule.requires:
        if not given.value(name):
            raise MissingField(name, _(_NEEDS[name]).format(action=action.label))
    for name in ("reason", "summary", "root_cause"):
        if len(given.value(name)) > REASON_MAX:
            raise MissingField(name, _(_TOO_LONG[name]).format(limit=REASON_MAX))

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
    if action is Action.ESCALATE and state.escalated:
        reason = _("This case is already escalated.")
    elif action is Action.REQUEST_CLOSE and state.close_requested:
        reason = _("Closing this case was already asked for; support will confirm it.")
    else:
        reason = _(_CANNOT[action]).format(status=status_phrase(state.status, role))
    instead = next_steps(state, role)
    return f"{reason} {instead}" if instead else reason


def next_steps(state: CaseState, role: Role) -> str:
    """What a person of this role can do with a case in this state, as a sentence ("" if nothing)."""
    phrases = [_(_PHRASES[a]) for a in allowed_actions(state, role)]
    if not phrases:
        return ""
    listed = phrases[0]
    if len(phrases) > 1:
        # Translators: the end of a list of things one can do: "close it, reopen it or escalate it".
        listed = _("{items} or {last}").format(
            items=pgettext("between items of a list", ", ").join(phrases[:-1]), last=phrases[-1])
    return _("You can {actions}.").format(actions=listed)


_OTHER_ACTIVITY = {
    "create": N_("{actor} opened the case"),
    "reply": N_("{actor} replied"),
    "assign": N_("{actor} assigned the case"),
    "triage": N_("{actor} changed the priority or category"),
    "delete-note": N_("{actor} deleted an internal note"),
}

# Activity entries of staff's own bookkeeping: the server never sends them to a customer (their
# change-log rows are staff-only, like internal notes).
STAFF_ONLY_ACTIVITIES = frozenset({"assign", "triage", "delete-note"})


def activity_template(action: str) -> str:
    """How an activity entry reads, in the user's language, with {actor} where the name goes
    ("{actor} picked up the case"): a view that marks the name up fills it in itself."""
    try:
        return _(RULES[Action(action)].activity)
    except ValueError:
        known = _OTHER_ACTIVITY.get(action)
        # An action only a newer server knows: its name is all there is to show.
        return _(known) if known else "{actor} " + action.replace("-", " ").replace("_", " ")


def activity_sentence(action: str, actor: str) -> str:
    """An activity entry as a sentence: "Alex Moreno picked up the case"."""
    return activity_template(action).replace("{actor}", actor)
