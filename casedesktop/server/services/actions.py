"""Lifecycle actions on a case, checked by the domain table and applied once per request id.

The generic `POST /cases/{id}/actions` and the per-action endpoints (`/escalate`, `/resolve`, ...)
all end in `take_action`. Staff's `assign` and `triage` change fields, not the status; they are
logged and made idempotent the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from casedesktop.api import (
    SURVEY_ANSWER_MAX,
    SURVEY_QUESTIONS_MAX,
    ActionRequest,
    AssignRequest,
    CaseOut,
    ErrorCode,
    TriageRequest,
)
from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    MissingField,
    Role,
    Status,
    apply_action,
)
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Activity, AppliedAction, Case, User
from casedesktop.server.services import changelog
from casedesktop.server.services.rights import get_visible_case
from casedesktop.server.services.serialize import case_out

# Keys of Transition.changes that map straight onto a Case column of the same name.
_PLAIN_COLUMNS = frozenset(
    {
        "escalated",
        "close_requested",
        "resolution_summary",
        "resolution_root_cause",
        "resolution_type",
        "resolved_at",
        "closed_at",
        "survey",
    }
)


def take_action(
    session: Session, user: CurrentUser, case_id: uuid.UUID, request: ActionRequest, now: datetime
) -> CaseOut:
    """Apply the action and log it; a repeated request id returns the case unchanged."""
    case = get_visible_case(session, user, case_id, for_update=True)
    given = request.to_input()
    _check_inputs(request.action, given)
    if _already_applied(session, case, request.id):
        return case_out(case)

    state = CaseState(Status(case.status), case.escalated, case.close_requested)
    transition = apply_action(request.action, state, user.role, given, now)
    details = _details_before(case, transition.action)
    for key, value in transition.changes.items():
        _set(session, user, case, key, value)
    details.update(_details_after(case, transition.action))
    if transition.action is Action.PICK_UP:
        case.owner = session.get(User, user.id)  # the relationship, so owner_name follows
    case.updated_at = now

    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action=transition.action.value,
        from_status=transition.from_status.value,
        to_status=transition.to_status.value,
        reason=transition.reason,
        created_at=now,
        details=details or None,
    )
    session.add(activity)
    session.add(AppliedAction(id=request.id, case_id=case.id, created_at=now))
    changelog.record(session, case, case, activity)
    return case_out(case)


def assign(
    session: Session, user: CurrentUser, case_id: uuid.UUID, request: AssignRequest, now: datetime
) -> CaseOut:
    """Staff: give the case to a staff member (or to nobody)."""

    def change(case: Case) -> tuple[str, dict[str, str]]:
        owner = None
        if request.owner_id is not None:
            owner = session.get(User, request.owner_id)
            if owner is None or not Role(owner.role).is_staff:
                raise ApiError(
                    422,
                    ErrorCode.VALIDATION,
                    "Cases can be assigned only to staff; choose an agent or an admin.",
                    field="owner_id",
                )
        case.owner = owner
        name = owner.name if owner else ""
        reason = f"assigned to {name}" if owner else "unassigned"
        return reason, {"owner_id": str(owner.id) if owner else "", "owner_name": name}

    return _staff_change(session, user, case_id, request.id, "assign", now, change)


def triage(
    session: Session, user: CurrentUser, case_id: uuid.UUID, request: TriageRequest, now: datetime
) -> CaseOut:
    """Staff: set priority, category and/or severity (what is left out stays)."""

    if request.priority is None and request.category is None and request.severity is None:
        # Before the replay look-up in _staff_change: an empty request is never a valid replay.
        raise ApiError(
            422, ErrorCode.VALIDATION, "Set a priority, a category or a severity.", field="priority"
        )

    def change(case: Case) -> tuple[str, dict[str, str]]:
        details: dict[str, str] = {}
        if request.priority is not None:
            case.priority = request.priority.value
            details["priority"] = request.priority.value
        if request.category is not None:
            case.category = request.category.strip()
            details["category"] = case.category
        if request.severity is not None:
            case.severity = request.severity.value
            details["severity"] = request.severity.value
        return ", ".join(f"{k} {v or '(none)'}" for k, v in details.items()), details

    return _staff_change(session, user, case_id, request.id, "triage", now, change)


def _staff_change(
    session: Session,
    user: CurrentUser,
    case_id: uuid.UUID,
    request_id: uuid.UUID | None,
    action: str,
    now: datetime,
    change: Callable[[Case], tuple[str, dict[str, str]]],
) -> CaseOut:
    case = get_visible_case(session, user, case_id, for_update=True)
    if not user.is_staff:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"Only staff can {action} cases.")
    request_id = request_id or uuid.uuid4()
    if _already_applied(session, case, request_id):
        return case_out(case)
    reason, details = change(case)
    case.updated_at = now
    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action=action,
        from_status=case.status,
        to_status=case.status,
        reason=reason,
        created_at=now,
        details=details,
    )
    session.add(activity)
    session.add(AppliedAction(id=request_id, case_id=case.id, created_at=now))
    changelog.record(session, case, case, activity)
    return case_out(case)


def _already_applied(session: Session, case: Case, request_id: uuid.UUID) -> bool:
    applied = session.get(AppliedAction, request_id)
    if applied is None:
        return False
    if applied.case_id != case.id:
        raise ApiError(409, ErrorCode.CONFLICT, "This action id was already used on another case.")
    return True


def _check_inputs(action: Action, given: ActionInput) -> None:
    """What depends on the request alone: the inputs the table says the action needs (422 naming
    the field, as apply_action words it) and the survey's bounds. Checked before a replayed id is
    answered, so a replay answers 200 only when it is a valid request too."""
    for name in RULES[action].requires:
        if not given.value(name):
            raise MissingField(name, f"{action.label} needs a {name.replace('_', ' ')}.")
    _check_survey(given.survey)


def _check_survey(survey: dict[str, str]) -> None:
    too_long = any(len(k) > 100 or len(v) > SURVEY_ANSWER_MAX for k, v in survey.items())
    if len(survey) > SURVEY_QUESTIONS_MAX or too_long:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"The survey takes at most {SURVEY_QUESTIONS_MAX} answers of "
            f"{SURVEY_ANSWER_MAX} characters.",
            field="survey",
        )


def _details_before(case: Case, action: Action) -> dict[str, str]:
    """Reopen and reject clear the resolution: the activity entry keeps the earlier one."""
    if action not in (Action.REOPEN, Action.REJECT) or not case.resolution_summary:
        return {}
    return {
        "previous_summary": case.resolution_summary,
        "previous_root_cause": case.resolution_root_cause,
        "previous_resolution_type": case.resolution_type,
        "previous_resolved_at": case.resolved_at.isoformat() if case.resolved_at else "",
    }


def _details_after(case: Case, action: Action) -> dict[str, str]:
    if action is Action.RESOLVE:
        return {
            "summary": case.resolution_summary,
            "root_cause": case.resolution_root_cause,
            "resolution_type": case.resolution_type,
        }
    if action is Action.MERGE and case.parent_case_id is not None:
        return {"parent_case_id": str(case.parent_case_id)}
    if action is Action.ACCEPT and case.survey:
        return {f"survey_{k}": str(v) for k, v in case.survey.items()}
    return {}


def _set(session: Session, user: CurrentUser, case: Case, key: str, value: object) -> None:
    if key == "status":
        case.status = Status(str(value)).value
    elif key == "parent_case_id":
        case.parent_case_id = _merge_target(session, user, case, str(value))
    elif key in _PLAIN_COLUMNS:
        setattr(case, key, value)
    else:  # the domain learned a new field: fail loudly rather than drop it
        raise RuntimeError(f"Transition changes unknown case field {key!r}")


def _merge_target(session: Session, user: CurrentUser, case: Case, value: str) -> uuid.UUID:
    def invalid(message: str) -> ApiError:
        return ApiError(422, ErrorCode.VALIDATION, message, field="parent_case_id")

    try:
        parent_id = uuid.UUID(value)
    except ValueError:
        raise invalid("The case to merge into is not a valid case id.") from None
    if parent_id == case.id:
        raise invalid("A case cannot be merged into itself.")
    try:
        parent = get_visible_case(session, user, parent_id)
    except ApiError:
        raise invalid("There is no such case to merge into.") from None
    if parent.account_id != case.account_id:
        # The customer would see a case id of another account: never across tenants.
        raise invalid("A case can be merged only into a case of the same account.")
    if parent.status == Status.MERGED.value:
        raise invalid(f"{parent.number} was itself merged; merge into the case it was merged into.")
    return parent.id
