"""The lifecycle table: every action from every status for every role, allowed or refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    MissingField,
    Role,
    Status,
    TransitionError,
    allowed_actions,
    apply_action,
    can_take,
    status_after_reply,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
C, A = Role.CUSTOMER, Role.AGENT
FULL = ActionInput(reason="because", summary="fixed the config", parent_case_id="parent-id")

# (action, role, from status) -> resulting status; everything not listed must be refused.
ALLOWED = {
    (Action.ESCALATE, C, Status.NEW): Status.NEW,
    (Action.ESCALATE, C, Status.OPEN): Status.OPEN,
    (Action.ESCALATE, C, Status.PENDING_CUSTOMER): Status.PENDING_CUSTOMER,
    (Action.ESCALATE, C, Status.ON_HOLD): Status.ON_HOLD,
    (Action.ESCALATE, A, Status.NEW): Status.NEW,
    (Action.ESCALATE, A, Status.OPEN): Status.OPEN,
    (Action.ESCALATE, A, Status.PENDING_CUSTOMER): Status.PENDING_CUSTOMER,
    (Action.ESCALATE, A, Status.ON_HOLD): Status.ON_HOLD,
    (Action.REQUEST_CLOSE, C, Status.NEW): Status.NEW,
    (Action.REQUEST_CLOSE, C, Status.OPEN): Status.OPEN,
    (Action.REQUEST_CLOSE, C, Status.PENDING_CUSTOMER): Status.PENDING_CUSTOMER,
    (Action.REQUEST_CLOSE, C, Status.ON_HOLD): Status.ON_HOLD,
    (Action.CLOSE, C, Status.NEW): Status.CLOSED,
    (Action.CLOSE, C, Status.OPEN): Status.CLOSED,
    (Action.CLOSE, C, Status.PENDING_CUSTOMER): Status.CLOSED,
    (Action.CLOSE, C, Status.ON_HOLD): Status.CLOSED,
    (Action.CLOSE, C, Status.RESOLVED): Status.CLOSED,
    (Action.CLOSE, A, Status.NEW): Status.CLOSED,
    (Action.CLOSE, A, Status.OPEN): Status.CLOSED,
    (Action.CLOSE, A, Status.PENDING_CUSTOMER): Status.CLOSED,
    (Action.CLOSE, A, Status.ON_HOLD): Status.CLOSED,
    (Action.CLOSE, A, Status.RESOLVED): Status.CLOSED,
    (Action.ACCEPT, C, Status.RESOLVED): Status.CLOSED,
    (Action.REJECT, C, Status.RESOLVED): Status.OPEN,
    (Action.REOPEN, C, Status.CLOSED): Status.OPEN,
    (Action.REOPEN, A, Status.CLOSED): Status.OPEN,
    (Action.REOPEN, C, Status.RESOLVED): Status.OPEN,  # taken, not offered: see below
    (Action.REOPEN, A, Status.RESOLVED): Status.OPEN,
    (Action.PICK_UP, A, Status.NEW): Status.OPEN,
    (Action.PENDING_CUSTOMER, A, Status.OPEN): Status.PENDING_CUSTOMER,
    (Action.PENDING_CUSTOMER, A, Status.ON_HOLD): Status.PENDING_CUSTOMER,
    (Action.HOLD, A, Status.OPEN): Status.ON_HOLD,
    (Action.HOLD, A, Status.PENDING_CUSTOMER): Status.ON_HOLD,
    (Action.RESUME, A, Status.PENDING_CUSTOMER): Status.OPEN,
    (Action.RESUME, A, Status.ON_HOLD): Status.OPEN,
    (Action.RESOLVE, A, Status.NEW): Status.RESOLVED,
    (Action.RESOLVE, A, Status.OPEN): Status.RESOLVED,
    (Action.RESOLVE, A, Status.PENDING_CUSTOMER): Status.RESOLVED,
    (Action.RESOLVE, A, Status.ON_HOLD): Status.RESOLVED,
    (Action.MERGE, A, Status.NEW): Status.MERGED,
    (Action.MERGE, A, Status.OPEN): Status.MERGED,
    (Action.MERGE, A, Status.PENDING_CUSTOMER): Status.MERGED,
    (Action.MERGE, A, Status.ON_HOLD): Status.MERGED,
}
# Taken but not offered: a customer's reopen of a resolved case does what Reject does, which is
# the button the customer gets there.
NOT_OFFERED = {(Action.REOPEN, C, Status.RESOLVED)}
EVERY = [(action, role, status) for action in Action for role in (C, A) for status in Status]


@pytest.mark.parametrize(("action", "role", "status"), EVERY, ids=lambda v: str(v))
def test_every_cell_of_the_table(action: Action, role: Role, status: Status) -> None:
    state = CaseState(status)
    expected = ALLOWED.get((action, role, status))
    if expected is None:
        with pytest.raises(TransitionError) as refused:
            apply_action(action, state, role, FULL, NOW)
        assert refused.value.state == state
        assert action not in allowed_actions(state, role)
        assert not can_take(action, state, role)
    else:
        transition = apply_action(action, state, role, FULL, NOW)
        assert transition.to_status is expected
        assert transition.from_status is status
        assert transition.activity  # every transition records an activity entry
        assert can_take(action, state, role)
        assert (action in allowed_actions(state, role)) is ((action, role, status) not in NOT_OFFERED)


def test_admin_may_do_what_agents_may() -> None:
    for status in Status:
        assert allowed_actions(CaseState(status), Role.ADMIN) == allowed_actions(CaseState(status), Role.AGENT)


def test_wrong_role_is_forbidden_not_invalid() -> None:
    with pytest.raises(TransitionError) as refused:
        apply_action(Action.RESOLVE, CaseState(Status.OPEN), C, FULL, NOW)
    assert refused.value.forbidden
    with pytest.raises(TransitionError) as invalid:
        apply_action(Action.ACCEPT, CaseState(Status.OPEN), C, FULL, NOW)
    assert not invalid.value.forbidden


@pytest.mark.parametrize(
    ("action", "role", "status", "field"),
    [
        (Action.ESCALATE, C, Status.OPEN, "reason"),
        (Action.REJECT, C, Status.RESOLVED, "reason"),
        (Action.REOPEN, C, Status.CLOSED, "reason"),
        (Action.RESOLVE, A, Status.OPEN, "summary"),
        (Action.MERGE, A, Status.OPEN, "parent_case_id"),
    ],
)
def test_actions_that_need_a_reason_name_the_missing_field(action, role, status, field) -> None:  # noqa: ANN001
    with pytest.raises(MissingField) as missing:
        apply_action(action, CaseState(status), role, ActionInput(reason="   "), NOW)
    assert missing.value.field == field


def test_escalate_twice_and_request_close_twice_are_refused() -> None:
    with pytest.raises(TransitionError, match="already escalated"):
        apply_action(Action.ESCALATE, CaseState(Status.OPEN, escalated=True), C, FULL, NOW)
    with pytest.raises(TransitionError, match="already asked for"):
        apply_action(Action.REQUEST_CLOSE, CaseState(Status.OPEN, close_requested=True), C, FULL, NOW)
    assert Action.ESCALATE not in allowed_actions(CaseState(Status.OPEN, escalated=True), C)


def test_resolve_records_the_resolution_and_reopen_clears_it() -> None:
    given = ActionInput(summary="Rebuilt the index", root_cause="Corrupt index", resolution_type="Fix provided")
    resolved = apply_action(Action.RESOLVE, CaseState(Status.OPEN), A, given, NOW)
    assert resolved.changes["resolution_summary"] == "Rebuilt the index"
    assert resolved.changes["resolution_root_cause"] == "Corrupt index"
    assert resolved.changes["resolved_at"] == NOW
    reopened = apply_action(Action.REOPEN, CaseState(Status.CLOSED), C, ActionInput(reason="It is back"), NOW)
    assert reopened.changes["resolution_summary"] == ""
    assert reopened.changes["closed_at"] is None
    assert reopened.reason == "It is back"


def test_reopening_a_resolved_case_clears_the_resolution_like_reject() -> None:
    """Staff reopen a resolved case; a customer's reopen there does what Reject does."""
    for role in (A, C):
        reopened = apply_action(Action.REOPEN, CaseState(Status.RESOLVED), role, ActionInput(reason="Back"), NOW)
        rejected = apply_action(Action.REJECT, CaseState(Status.RESOLVED), C, ActionInput(reason="Back"), NOW)
        assert reopened.changes == rejected.changes
        assert reopened.changes["resolution_summary"] == "" and reopened.changes["resolved_at"] is None
        assert reopened.to_status is Status.OPEN and reopened.action is Action.REOPEN
    assert allowed_actions(CaseState(Status.RESOLVED), C) == [Action.CLOSE, Action.ACCEPT, Action.REJECT]
    assert Action.REOPEN in allowed_actions(CaseState(Status.RESOLVED), A)


def test_accept_keeps_the_survey_and_sets_closed_at() -> None:
    given = ActionInput(survey={"solved": "yes", "rating": "5"})
    accepted = apply_action(Action.ACCEPT, CaseState(Status.RESOLVED), C, given, NOW)
    assert accepted.changes["survey"] == {"solved": "yes", "rating": "5"}
    assert accepted.changes["closed_at"] == NOW


def test_flags_set_by_escalate_and_request_close() -> None:
    assert apply_action(Action.ESCALATE, CaseState(Status.NEW), C, FULL, NOW).changes == {"escalated": True}
    assert apply_action(Action.REQUEST_CLOSE, CaseState(Status.NEW), C, FULL, NOW).changes == {"close_requested": True}


@pytest.mark.parametrize(
    ("status", "role", "expected"),
    [
        (Status.PENDING_CUSTOMER, C, Status.OPEN),
        (Status.PENDING_CUSTOMER, A, Status.PENDING_CUSTOMER),
        (Status.OPEN, C, Status.OPEN),
        (Status.RESOLVED, C, Status.RESOLVED),
    ],
)
def test_a_customer_answer_returns_the_case_to_staff(status: Status, role: Role, expected: Status) -> None:
    assert status_after_reply(status, role) is expected


def test_every_refusal_is_a_plain_sentence_with_what_to_do_instead() -> None:
    """Refusals are read in the window and printed by the CLI: no internal names, no button labels,
    no "Cannot accept resolution a case", and the way forward when there is one."""
    from casedesktop.domain import allowed_actions, refusal

    button_labels = {action.label for action in Action}
    for status in Status:
        for escalated in (False, True):
            for close_requested in (False, True):
                state = CaseState(status, escalated, close_requested)
                for role in (C, A):
                    for action in Action:
                        if role not in action.rule.roles or can_take(action, state, role):
                            continue
                        text = refusal(action, state, role)
                        assert text[0].isupper() and text.endswith("."), text
                        # No "Cannot", no internal names ("pending_customer", "request-close").
                        assert "Cannot" not in text and "_" not in text and "-" not in text, text
                        assert not [label for label in button_labels if label in text], text
                        if allowed_actions(state, role):
                            assert "You can " in text, text
    waiting = CaseState(Status.PENDING_CUSTOMER)
    assert "waiting on you" in refusal(Action.REOPEN, waiting, C)
    assert refusal(Action.ACCEPT, CaseState(Status.OPEN), C).startswith("There is no resolution to accept yet: the case is open.")
