"""Opening cases and reading them: numbers, accounts, idempotent creation, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casedesktop.api import ActivityOut, CaseCreate, CaseOut, ErrorCode
from casedesktop.domain import Status, validate_new_case
from casedesktop.server import changelog
from casedesktop.server.auth import CurrentUser
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Account, Activity, Case, Counter
from casedesktop.server.rights import get_visible_case, visible_cases
from casedesktop.server.serialize import activity_out, case_out

CASE_NUMBER_COUNTER = "case_number"
CASE_NUMBER_PREFIX = "CS-"
FIRST_CASE_NUMBER = 1000  # the counter's start; the first case is CS-1001


def next_case_number(session: Session) -> str:
    """Bump the counter in the current transaction: numbers are unique and never reused."""
    bumped = session.execute(
        update(Counter)
        .where(Counter.name == CASE_NUMBER_COUNTER)
        .values(value=Counter.value + 1)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount == 0:  # a database made without the baseline migration's seed row
        session.add(Counter(name=CASE_NUMBER_COUNTER, value=FIRST_CASE_NUMBER + 1))
        session.flush()
    value = session.scalar(select(Counter.value).where(Counter.name == CASE_NUMBER_COUNTER))
    return f"{CASE_NUMBER_PREFIX}{value}"


def client_time(given: datetime | None, now: datetime) -> datetime:
    """When the user says they did it (possibly offline), but never in the server's future."""
    if given is None:
        return now
    if given.tzinfo is None:  # the protocol says UTC; be lenient with clients that omit it
        given = given.replace(tzinfo=UTC)
    return min(given, now)


def _choose_account(session: Session, user: CurrentUser, wanted: uuid.UUID | None) -> uuid.UUID:
    if user.is_staff:
        if wanted is None:
            raise ApiError(
                422,
                ErrorCode.VALIDATION,
                "Choose the customer account for this case.",
                field="account_id",
            )
        if session.get(Account, wanted) is None:
            raise ApiError(
                422, ErrorCode.VALIDATION, "There is no such account.", field="account_id"
            )
        return wanted
    if wanted is not None:
        if wanted not in user.account_ids:
            raise ApiError(
                403,
                ErrorCode.FORBIDDEN,
                "You can open cases only for your own account.",
                field="account_id",
            )
        return wanted
    if len(user.account_ids) == 1:
        return next(iter(user.account_ids))
    if not user.account_ids:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            "Your sign-in is not linked to a customer account; ask your vendor to add you.",
        )
    raise ApiError(
        422,
        ErrorCode.VALIDATION,
        "You belong to several accounts; choose one for this case.",
        field="account_id",
    )


def create_case(
    session: Session, user: CurrentUser, data: CaseCreate, now: datetime
) -> tuple[CaseOut, bool]:
    """Open a case, or return the one this user already opened with this id (created=False)."""
    existing = session.get(Case, data.id)
    if existing is not None:
        if existing.reported_by != user.id:
            raise ApiError(409, ErrorCode.CONFLICT, "This case id is already used by another case.")
        return case_out(existing), False
    account_id = _choose_account(session, user, data.account_id)
    problems = validate_new_case(data.subject, data.description, data.severity.value)
    if problems:
        raise ApiError(422, ErrorCode.VALIDATION, problems[0].message, field=problems[0].field)
    case = Case(
        id=data.id,
        number=next_case_number(session),
        account_id=account_id,
        reported_by=user.id,
        subject=data.subject.strip(),
        description=data.description,
        status=Status.NEW.value,
        severity=data.severity.value,
        priority=None,
        product=data.product.strip(),
        escalated=False,
        close_requested=False,
        resolution_summary="",
        resolution_root_cause="",
        resolution_type="",
        created_at=client_time(data.created_at, now),
        updated_at=now,
    )
    session.add(case)
    session.flush()
    activity = Activity(
        case_id=case.id,
        actor_id=user.id,
        action="create",
        from_status=None,
        to_status=Status.NEW.value,
        reason="",
        created_at=now,
    )
    session.add(activity)
    changelog.record(session, case, case, activity)
    return case_out(case), True


def list_cases(session: Session, user: CurrentUser) -> list[CaseOut]:
    """Every case the caller may see, most recently changed first."""
    cases = session.scalars(
        select(Case).where(visible_cases(user)).order_by(Case.updated_at.desc(), Case.number.desc())
    )
    return [case_out(case) for case in cases]


def get_case(session: Session, user: CurrentUser, case_id: uuid.UUID) -> CaseOut:
    return case_out(get_visible_case(session, user, case_id))


def list_activity(session: Session, user: CurrentUser, case_id: uuid.UUID) -> list[ActivityOut]:
    get_visible_case(session, user, case_id)
    rows = session.scalars(
        select(Activity).where(Activity.case_id == case_id).order_by(Activity.created_at)
    )
    return [activity_out(row) for row in rows]
