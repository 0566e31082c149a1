"""Lifecycle actions on a case, checked by the domain table and applied once per request id.

The generic `POST /cases/{id}/actions` and the per-action endpoints (`/escalate`, `/resolve`, ...)
all end in `take_action`. Staff's `assign` and `triage` change fields, not the status; they are
logged and made idempotent the same way, as staff's own bookkeeping: customers see neither the
fields nor the entries, and the case's last-updated time stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import (
    SURVEY_ANSWER_MAX,
    SURVEY_QUESTIONS_MAX,
    ActionRequest,
    AskCustomerRequest,
    AssignRequest,
    CaseOut,
    ErrorCode,
    TriageRequest,
)
from casedesktop.domain import (
    SOURCES,
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    MissingField,
    Role,
    Status,
    apply_action,
    validate_reply,
)
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.auth import normalize_email
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Activity, AppliedAction, Case, Comment, User
from casedesktop.server.services import changelog
from casedesktop.server.services.categories import category_name
from casedesktop.server.services.comments import note_first_response
from casedesktop.server.services.rights import get_visible_case
from casedesktop.server.services.serialize import case_out, viewer_of

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
        return case_out(case, viewer_of(session, user, now))

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
    return case_out(case, viewer_of(session, user, now))


def ask_customer(
    session: Session,
    user: CurrentUser,
    case_id: uuid.UUID,
    request: AskCustomerRequest,
    now: datetime,
) -> CaseOut:
    """Staff: ask the customer, in one transaction: a reply with the question (its id is the
    request's) and the case waiting on the customer, by the lifecycle's "ask customer" rule
    (409 where the status does not allow it). A repeated request id answers the case as it is."""
    case = get_visible_case(session, user, case_id, for_update=True)
    if not user.is_staff:
        raise ApiError(
            403, ErrorCode.FORBIDDEN, "Only support staff can ask the customer for more."
        )
    problems = validate_reply(request.question)
    if problems:
        raise ApiError(422, ErrorCode.VALIDATION, problems[0].message, field="question")
    if _already_applied(session, case, request.id):
        return case_out(case, viewer_of(session, user, now))
    if session.get(Comment, request.id) is not None:
        raise ApiError(409, ErrorCode.CONFLICT, "This id is already used by another comment.")

    state = CaseState(Status(case.status), case.escalated, case.close_requested)
    transition = apply_action(Action.PENDING_CUSTOMER, state, user.role, ActionInput(), now)
    comment = Comment(
        id=request.id,
        case_id=case.id,
        author_id=user.id,
        kind=CommentKind.REPLY.value,
        body=request.question,
        created_at=now,
    )
    session.add(comment)
    note_first_response(case, now)
    for key, value in transition.changes.items():  # as take_action applies a transition
        _set(session, user, case, key, value)
    case.updated_at = now
    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action=transition.action.value,
        from_status=transition.from_status.value,
        to_status=transition.to_status.value,
        reason="",
        created_at=now,
        details={"comment_id": str(comment.id)},
    )
    session.add(activity)
    session.add(AppliedAction(id=request.id, case_id=case.id, created_at=now))
    changelog.record(session, case, case, comment, activity)
    return case_out(case, viewer_of(session, user, now))


def assign(
    session: Session, user: CurrentUser, case_id: uuid.UUID, request: AssignRequest, now: datetime
) -> CaseOut:
    """Staff: give the case to a staff member, named by id or by email (or to nobody)."""
    if not request.model_fields_set & {"owner_id", "owner_email"}:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            'Name the new owner by owner_id or owner_email; send "owner_id": null to leave the case '
            "with nobody.",
            field="owner_id",
        )
    if request.owner_id is not None and request.owner_email is not None:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            "Name the new owner by owner_id or by owner_email, not both.",
            field="owner_email",
        )

    def change(case: Case) -> tuple[str, dict[str, str]] | None:
        owner = _new_owner(session, request)
        if owner is case.owner:
            return None
        before = case.owner.name if case.owner else ""
        case.owner = owner
        name = owner.name if owner else ""
        reason = f"assigned to {name}" if owner else "unassigned"
        details = {
            "owner_id": str(owner.id) if owner else "",
            "owner_name": name,
            "previous_owner_name": before,
        }
        return reason, details

    return _staff_change(session, user, case_id, request.id, "assign", now, change)


def _new_owner(session: Session, request: AssignRequest) -> User | None:
    """The staff user the request names, None for nobody, or 422 naming the field it used."""
    if request.owner_email is not None:
        email = normalize_email(request.owner_email)
        owner = session.scalar(select(User).where(User.email == email))
        if owner is None or not Role(owner.role).is_staff:
            raise ApiError(
                422,
                ErrorCode.VALIDATION,
                f"There is no support staff member with the email {email[:320]!r}; cases can "
                "be assigned only to agents and admins.",
                field="owner_email",
            )
        return owner
    if request.owner_id is None:
        return None
    owner = session.get(User, request.owner_id)
    if owner is None or not Role(owner.role).is_staff:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            "Cases can be assigned only to staff; choose an agent or an admin.",
            field="owner_id",
        )
    return owner


def triage(
    session: Session, user: CurrentUser, case_id: uuid.UUID, request: TriageRequest, now: datetime
) -> CaseOut:
    """Staff: set priority, category, severity and/or source (what is left out stays). The entry
    names each change, old to new; a request that changes nothing writes none."""
    fields = (request.priority, request.category, request.severity, request.source)
    if all(value is None for value in fields):
        # Before the replay look-up in _staff_change: an empty request is never a valid replay.
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            "Set a priority, a category, a severity or a source.",
            field="priority",
        )
    source = None
    if request.source is not None:
        source = next(
            (s for s in SOURCES if s.casefold() == request.source.strip().casefold()), None
        )
        if source is None:
            raise ApiError(
                422,
                ErrorCode.VALIDATION,
                f"The source must be one of: {', '.join(SOURCES)}.",
                field="source",
            )

    def change(case: Case) -> tuple[str, dict[str, str]] | None:
        wanted = {
            "priority": request.priority.value if request.priority else None,
            "category": category_name(session, request.category)
            if request.category is not None
            else None,
            "severity": request.severity.value if request.severity else None,
            "source": source,
        }
        changes: list[str] = []
        details: dict[str, str] = {}
        for name, value in wanted.items():
            before = getattr(case, name) or ""
            if value is None or value == before:
                continue
            setattr(case, name, value or (None if name == "priority" else ""))
            changes.append(f"{name}: {before or '(none)'} → {value or '(none)'}")
            details[name] = value
            details[f"previous_{name}"] = before
        return ("; ".join(changes), details) if changes else None

    return _staff_change(session, user, case_id, request.id, "triage", now, change)


def _staff_change(
    session: Session,
    user: CurrentUser,
    case_id: uuid.UUID,
    request_id: uuid.UUID | None,
    action: str,
    now: datetime,
    change: Callable[[Case], tuple[str, dict[str, str]] | None],
) -> CaseOut:
    """Apply one of staff's field changes once per request id, logged as staff-only (the entry,
    and the case's row in the change log). `change` returns the entry's reason and details, or
    None when nothing changed (then nothing is logged)."""
    case = get_visible_case(session, user, case_id, for_update=True)
    if not user.is_staff:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"Only staff can {action} cases.")
    request_id = request_id or uuid.uuid4()
    if _already_applied(session, case, request_id):
        return case_out(case, viewer_of(session, user, now))
    changed = change(case)
    session.add(AppliedAction(id=request_id, case_id=case.id, created_at=now))
    if changed is not None:
        reason, details = changed
        activity = Activity(
            case_id=case.id,
            actor_id=user.id,
            action=action,
            from_status=case.status,
            to_status=case.status,
            reason=reason,
            created_at=now,
            details=details,
            staff_only=True,
        )
        session.add(activity)
        changelog.record(session, case, case, activity, staff_only=True)
    return case_out(case, viewer_of(session, user, now))


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
