"""Lifecycle actions on a case, checked by the domain table and applied once per request id."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from casedesktop.api import ActionRequest, CaseOut, ErrorCode
from casedesktop.domain import Action, ActionInput, CaseState, Status, apply_action
from casedesktop.server import changelog
from casedesktop.server.auth import CurrentUser
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Activity, AppliedAction, Case, User
from casedesktop.server.rights import get_visible_case
from casedesktop.server.serialize import case_out

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
    applied = session.get(AppliedAction, request.id)
    if applied is not None:
        if applied.case_id != case.id:
            raise ApiError(
                409, ErrorCode.CONFLICT, "This action id was already used on another case."
            )
        return case_out(case)

    state = CaseState(Status(case.status), case.escalated, case.close_requested)
    given = ActionInput(
        reason=request.reason,
        summary=request.summary,
        root_cause=request.root_cause,
        resolution_type=request.resolution_type,
        parent_case_id=str(request.parent_case_id) if request.parent_case_id else "",
        survey=dict(request.survey),
    )
    transition = apply_action(request.action, state, user.role, given, now)
    for key, value in transition.changes.items():
        _set(session, user, case, key, value)
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
    )
    session.add(activity)
    session.add(AppliedAction(id=request.id, case_id=case.id, created_at=now))
    changelog.record(session, case, case, activity)
    return case_out(case)


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
    if parent.status == Status.MERGED.value:
        raise invalid(f"{parent.number} was itself merged; merge into the case it was merged into.")
    return parent.id
