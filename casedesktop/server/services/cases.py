"""Opening cases and reading them: numbers, accounts, idempotent creation, history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casedesktop.api import ActivityOut, CaseCreate, CaseOut, ErrorCode
from casedesktop.domain import (
    CASE_TYPES,
    SOURCES,
    Status,
    known_product,
    validate_emails,
    validate_new_case,
)
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Account, Activity, Case, Contact, Counter, Product, User
from casedesktop.server.services import changelog
from casedesktop.server.services.rights import get_visible_case, visible_cases
from casedesktop.server.services.serialize import activity_out, case_out

DEFAULT_SOURCE = "Desktop"  # cases customers open come through this client
CASE_NUMBER_COUNTER = "case_number"
CASE_NUMBER_PREFIX = "CS-"
FIRST_CASE_NUMBER = 1000  # the counter's start; the first case is CS-1001


def next_case_number(session: Session) -> str:
    """Bump the counter in the current transaction: numbers are unique and never reused."""
    bump = (
        update(Counter)
        .where(Counter.name == CASE_NUMBER_COUNTER)
        .values(value=Counter.value + 1)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.update_returning:  # one round trip where the database can
        value = session.execute(bump.returning(Counter.value)).scalar()
    else:
        value = None
        if session.execute(bump).rowcount:
            value = session.scalar(select(Counter.value).where(Counter.name == CASE_NUMBER_COUNTER))
    if value is None:  # a database made without the baseline migration's seed row
        value = FIRST_CASE_NUMBER + 1
        session.add(Counter(name=CASE_NUMBER_COUNTER, value=value))
        session.flush()
    return f"{CASE_NUMBER_PREFIX}{value}"


# How far back the server believes a client's own time for a change. A change may wait in an
# offline client's outbox for days (a laptop on a trip; the sign-in itself lasts 30 days by
# default), so its time is kept when it is within this window. Anything older (a wrong clock, a
# restored backup, a hostile client) is dated at the window's start instead: no case or reply is
# dated years back, where it would sort before history that really came first. Nothing is dated
# after the server's own clock: a client's clock running ahead gives the server's now.
CLIENT_TIME_WINDOW = timedelta(days=30)


def client_time(
    given: datetime | None, now: datetime, not_before: datetime | None = None
) -> datetime:
    """When the user says they did it (possibly offline), within [earliest, now]: earliest is
    CLIENT_TIME_WINDOW before now, or `not_before` when later (a reply: its case's creation)."""
    if given is None:
        return now
    if given.tzinfo is None:  # the protocol says UTC; be lenient with clients that omit it
        given = given.replace(tzinfo=UTC)  # (api.ClientTime does so already)
    earliest = now - CLIENT_TIME_WINDOW
    if not_before is not None:
        earliest = max(earliest, not_before)
    return min(max(given, earliest), now)


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
    """Open a case, or return the one this user already opened with this id (created=False).

    The request is checked first, so a replay answers 200 only when it is a valid request too:
    what depends on nothing but the request (the fields, what this role may set) before the
    replay look-up, what depends on the database's state (accounts, products, contacts) after
    it, so a valid replay still finds its case when that state has moved on."""
    form = _check_form(user, data)
    # A plain look first: almost always there is none, and the whole case costs four joins.
    reported_by = session.scalar(select(Case.reported_by).where(Case.id == data.id))
    if reported_by is not None:
        if reported_by != user.id:
            raise ApiError(409, ErrorCode.CONFLICT, "This case id is already used by another case.")
        existing = session.get(Case, data.id)
        if existing is not None:  # (cases are never deleted)
            return case_out(existing), False
    account_id = _choose_account(session, user, data.account_id)
    staff_fields = form.staff_fields
    cc_emails = form.cc_emails
    product = _product_name(session, data.product)
    contact = _contact(session, user, account_id, data.contact_id)
    case_type = form.case_type
    # Every read first, the rows case_out shows included (handed to the case below, so it needs
    # no query later): on PostgreSQL the counter's row stays locked from the number to the
    # commit, and every other new case waits for it.
    account = session.get_one(Account, account_id)
    reporter = session.get_one(User, user.id)
    case = Case(
        id=data.id,
        number=next_case_number(session),
        account=account,
        reporter=reporter,
        contact=contact,
        account_id=account_id,
        reported_by=user.id,
        subject=data.subject.strip(),
        description=data.description,
        status=Status.NEW.value,
        severity=data.severity.value,
        priority=staff_fields["priority"],
        product=product,
        escalated=False,
        close_requested=False,
        resolution_summary="",
        resolution_root_cause="",
        resolution_type="",
        created_at=client_time(data.created_at, now),
        updated_at=now,
        contact_id=contact.id if contact is not None else None,
        environment=data.environment.strip(),
        case_type=case_type,
        category=staff_fields["category"],
        source=staff_fields["source"],
        cc_emails=cc_emails,
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


@dataclass(frozen=True)
class _Form:
    cc_emails: list[str]
    case_type: str
    staff_fields: dict[str, str | None]


def _check_form(user: CurrentUser, data: CaseCreate) -> _Form:
    """Everything about a new case that depends on the request alone: 422 or 403, or its values."""
    problems = validate_new_case(data.subject, data.description, data.severity.value)
    cc_emails = [email.strip() for email in data.cc_emails]
    problems += validate_emails(cc_emails)
    if problems:
        raise ApiError(422, ErrorCode.VALIDATION, problems[0].message, field=problems[0].field)
    case_type = _one_of(data.case_type, CASE_TYPES, "case_type", "type")
    return _Form(cc_emails, case_type, _staff_fields(user, data))


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, ErrorCode.VALIDATION, message, field=field)


def _one_of(value: str, allowed: tuple[str, ...], field: str, what: str) -> str:
    """The allowed spelling of `value` (case-insensitive), "" for nothing, or 422."""
    value = value.strip()
    if not value:
        return ""
    for option in allowed:
        if option.casefold() == value.casefold():
            return option
    raise _invalid(field, f"The {what} must be one of: {', '.join(allowed)}.")


def _staff_fields(user: CurrentUser, data: CaseCreate) -> dict[str, str | None]:
    """Priority, category and source: staff set them; customers leave them out (403)."""
    if not user.is_staff:
        for name in ("priority", "category", "source"):
            if getattr(data, name):
                raise ApiError(
                    403, ErrorCode.FORBIDDEN, f"Only staff set the {name} of a case.", field=name
                )
        return {"priority": None, "category": "", "source": DEFAULT_SOURCE}
    return {
        "priority": data.priority.value if data.priority else None,
        "category": data.category.strip(),
        "source": _one_of(data.source, SOURCES, "source", "source") or DEFAULT_SOURCE,
    }


def _product_name(session: Session, wanted: str) -> str:
    """The product as the vendor spells it. While no products are set up, any name goes."""
    if not wanted.strip():
        return ""
    name = known_product(wanted, list(session.scalars(select(Product.name))))
    if name is None:
        raise _invalid("product", f"There is no product {wanted.strip()!r}; choose one from the list.")
    return name


def _contact(
    session: Session, user: CurrentUser, account_id: uuid.UUID, wanted: uuid.UUID | None
) -> Contact | None:
    """The contact the case is for: one of the account's, or (none given) the reporter's own."""
    if wanted is None:
        return session.scalar(
            select(Contact).where(Contact.account_id == account_id, Contact.user_id == user.id)
        )
    contact = session.get(Contact, wanted)
    if contact is None or contact.account_id != account_id:
        raise _invalid("contact_id", "There is no such contact in this case's account.")
    return contact


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
