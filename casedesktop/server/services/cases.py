"""Opening cases and reading them: numbers, accounts, idempotent creation, history.

Creating a case is the server's hottest write, so `create_case` uses Core statements on the
session's connection (one read for the replay check, the reporter, the account and its contact,
and the product; the number; two INSERTs; the change log's rows) instead of the ORM's unit of
work, and builds its answer from the values it wrote. Single-threaded CPU, SQLite, the
transaction's commit left out: 4.0 ms with the ORM, 0.30 ms now (0.42 ms inside the group
commit's savepoint, db.WriteLane); on PostgreSQL 0.85 ms (its driver costs more per statement).

Case numbers come from a counter row on SQLite, where writers take turns anyway, and from a
sequence on PostgreSQL (migration 0005), where a counter row would make every new case wait for
the previous one's commit: numbers stay unique; a rolled-back create leaves a gap there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Uuid,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from casedesktop.api import CUSTOMER_SOURCES, ActivityOut, CaseCreate, CaseOut, ErrorCode
from casedesktop.domain import (
    CASE_TYPES,
    SOURCES,
    Severity,
    Status,
    known_product,
    validate_emails,
    validate_new_case,
)
from casedesktop.server.auth import BAD_TOKEN, caller_in, unauthorized
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import (
    CASE_NUMBER_SEQUENCE,
    Account,
    Activity,
    Case,
    Contact,
    Counter,
    Product,
    User,
)
from casedesktop.server.services import changelog
from casedesktop.server.services.categories import category_name
from casedesktop.server.services.rights import get_visible_case, visible_cases
from casedesktop.server.services.serialize import activity_out, case_out, viewer_of
from casedesktop.server.services.sla import sla_out
from casedesktop.server.tokencache import TokenCache

DEFAULT_SOURCE = "Desktop"  # cases customers open come through this client
CASE_NUMBER_COUNTER = "case_number"
CASE_NUMBER_PREFIX = "CS-"
FIRST_CASE_NUMBER = 1000  # the counter's start; the first case is CS-1001

_CASES, _ACTIVITIES = Case.__table__, Activity.__table__
_ACCOUNTS, _USERS, _CONTACTS = Account.__table__, User.__table__, Contact.__table__
_COUNTERS, _PRODUCTS = Counter.__table__, Product.__table__
_BUMP = (
    update(_COUNTERS)
    .where(_COUNTERS.c.name == CASE_NUMBER_COUNTER)
    .values(value=_COUNTERS.c.value + 1)
)
_BUMP_RETURNING = _BUMP.returning(_COUNTERS.c.value)
# Everything create_case reads, in one statement: whether the id is taken (and by whom), the
# reporter, the account's name and the reporter's own contact in it, and whether the product is
# one of the vendor's (compared with SQL's lower(); other spellings are checked in Python).
_READS = (
    select(
        select(_CASES.c.reported_by)
        .where(_CASES.c.id == bindparam("id", type_=Uuid))
        .scalar_subquery()
        .label("replay"),
        _USERS.c.name.label("user_name"),
        _USERS.c.email,
        _ACCOUNTS.c.id.label("account_id"),
        _ACCOUNTS.c.name.label("account_name"),
        _CONTACTS.c.id.label("contact_id"),
        _CONTACTS.c.name.label("contact_name"),
        _CONTACTS.c.email.label("contact_email"),
        _CONTACTS.c.phone.label("contact_phone"),
        exists(select(_PRODUCTS.c.id)).label("any_product"),
        select(_PRODUCTS.c.name)
        .where(func.lower(_PRODUCTS.c.name) == func.lower(bindparam("product", type_=String)))
        .limit(1)
        .scalar_subquery()
        .label("product"),
    )
    .select_from(
        _USERS.outerjoin(_ACCOUNTS, _ACCOUNTS.c.id == bindparam("account", type_=Uuid)).outerjoin(
            _CONTACTS,
            (_CONTACTS.c.account_id == _ACCOUNTS.c.id) & (_CONTACTS.c.user_id == _USERS.c.id),
        )
    )
    .where(_USERS.c.id == bindparam("user", type_=Uuid))
    .limit(1)
)
_CONTACT = select(
    _CONTACTS.c.id, _CONTACTS.c.account_id, _CONTACTS.c.name, _CONTACTS.c.email, _CONTACTS.c.phone
).where(_CONTACTS.c.id == bindparam("id"))
_PRODUCT_NAMES = select(_PRODUCTS.c.name)
_INSERT_CASE = insert(_CASES)
# PostgreSQL: the number is drawn from the sequence by the INSERT itself (one round trip).
_INSERT_CASE_NUMBERED = (
    insert(_CASES)
    .values(number=literal(CASE_NUMBER_PREFIX) + cast(CASE_NUMBER_SEQUENCE.next_value(), String))
    .returning(_CASES.c.number)
)
_INSERT_ACTIVITY = insert(_ACTIVITIES)


def next_case_number(session: Session) -> str:
    """A new case number in the current transaction: unique and never reused (on PostgreSQL
    from a sequence, so a rolled-back transaction leaves a gap)."""
    return _next_number(session.connection())


def _next_number(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        value = connection.execute(select(CASE_NUMBER_SEQUENCE.next_value())).scalar_one()
        return f"{CASE_NUMBER_PREFIX}{value}"
    if connection.dialect.update_returning:  # one round trip where the database can
        value = connection.execute(_BUMP_RETURNING).scalar()
    else:
        value = None
        if connection.execute(_BUMP).rowcount:
            value = connection.execute(
                select(_COUNTERS.c.value).where(_COUNTERS.c.name == CASE_NUMBER_COUNTER)
            ).scalar()
    if value is None:  # a database made without the baseline migration's seed row
        value = FIRST_CASE_NUMBER + 1
        connection.execute(insert(_COUNTERS).values(name=CASE_NUMBER_COUNTER, value=value))
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


def create_case_as(
    session: Session, cache: TokenCache, token: str, data: CaseCreate, now: datetime
) -> tuple[CaseOut, bool]:
    """`create_case` as the holder of a bearer token (or 401), checked in the same transaction:
    the create-case endpoint runs both in the group-commit lane (db.WriteLane)."""
    return create_case(session, caller_in(session, cache, token), data, now)


def _choose_account(user: CurrentUser, wanted: uuid.UUID | None) -> uuid.UUID:
    """The account the new case goes to (a staff member's choice is checked against the
    database with the reporter's read in `create_case`)."""
    if user.is_staff:
        if wanted is None:
            raise ApiError(
                422,
                ErrorCode.VALIDATION,
                "Choose the customer account for this case.",
                field="account_id",
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
    session.flush()  # the caller's pending ORM changes (e.g. a push's) go before our statements
    connection = session.connection()
    try:
        account_id: uuid.UUID | None = _choose_account(user, data.account_id)
        refusal = None
    except ApiError as exc:  # answered only if this is not a replay (see above)
        account_id, refusal = None, exc
    wanted_product = data.product.strip()
    reads = connection.execute(
        _READS,
        {"id": data.id, "user": user.id, "account": account_id, "product": wanted_product},
    ).first()
    if reads is None:
        raise unauthorized(BAD_TOKEN)  # the reporter was deleted since the token was checked
    if reads.replay is not None:
        if reads.replay != user.id:
            raise ApiError(409, ErrorCode.CONFLICT, "This case id is already used by another case.")
        existing = session.get(Case, data.id)
        if existing is not None:  # (cases are never deleted)
            return case_out(existing, viewer_of(session, user, now)), False
    if refusal is not None:
        raise refusal
    if reads.account_id is None:
        raise ApiError(422, ErrorCode.VALIDATION, "There is no such account.", field="account_id")
    account_id = reads.account_id
    product = _product_name(connection, wanted_product, reads)
    contact = _contact(connection, account_id, data.contact_id, reads)
    category = category_name(session, form.staff_fields["category"] or "")
    # Every read first: on PostgreSQL the change log's lock is held from its rows to the commit.
    values: dict[str, Any] = {
        "id": data.id,
        "account_id": account_id,
        "reported_by": user.id,
        "subject": data.subject.strip(),
        "description": data.description,
        "status": Status.NEW.value,
        "severity": data.severity.value,
        "priority": form.staff_fields["priority"],
        "product": product,
        "escalated": False,
        "close_requested": False,
        "owner_id": None,
        "parent_case_id": None,
        "resolution_summary": "",
        "resolution_root_cause": "",
        "resolution_type": "",
        "created_at": client_time(data.created_at, now),
        "updated_at": now,
        "resolved_at": None,
        "closed_at": None,
        "contact_id": contact.id if contact is not None else None,
        "environment": data.environment.strip(),
        "case_type": form.case_type,
        "category": category,
        "source": form.staff_fields["source"],
        "cc_emails": form.cc_emails,
        "first_response_at": None,
    }
    if connection.dialect.name == "postgresql":
        values["number"] = connection.execute(_INSERT_CASE_NUMBERED, values).scalar_one()
    else:
        values["number"] = _next_number(connection)
        connection.execute(_INSERT_CASE, values)
    activity_id = uuid.uuid4()
    connection.execute(
        _INSERT_ACTIVITY,
        {
            "id": activity_id,
            "case_id": data.id,
            "actor_id": user.id,
            "action": "create",
            "from_status": None,
            "to_status": Status.NEW.value,
            "reason": "",
            "created_at": now,
        },
    )
    changelog.append(
        session, data.id, account_id, [("case", data.id, False), ("activity", activity_id, False)]
    )
    viewer = viewer_of(session, user, now)
    return _new_case_out(values, reads, contact, viewer.targets if viewer.staff else None), True


@dataclass(frozen=True)
class _ContactRow:
    id: uuid.UUID
    name: str
    email: str
    phone: str


def _new_case_out(
    values: dict[str, Any], reads: Any, contact: _ContactRow | None, targets: Any
) -> CaseOut:
    """What serialize.case_out gives for the case just written, from the values themselves
    (customers set none of staff's fields, so there is nothing to hide from them; `targets` are
    the service level targets where the caller is staff, else nothing)."""
    sla = None
    if targets:
        sla = sla_out(SimpleNamespace(**values), targets, values["updated_at"])
    return CaseOut(
        id=values["id"],
        number=values["number"],
        account_id=values["account_id"],
        account_name=reads.account_name,
        reported_by=values["reported_by"],
        reported_by_name=reads.user_name,
        subject=values["subject"],
        description=values["description"],
        status=Status.NEW,
        severity=Severity(values["severity"]),
        priority=values["priority"],
        product=values["product"],
        escalated=False,
        close_requested=False,
        owner_id=None,
        owner_name="",
        parent_case_id=None,
        resolution_summary="",
        resolution_root_cause="",
        resolution_type="",
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        resolved_at=None,
        closed_at=None,
        contact_id=values["contact_id"],
        contact_name=contact.name if contact else reads.user_name,
        contact_email=contact.email if contact else reads.email,
        contact_phone=contact.phone if contact else "",
        environment=values["environment"],
        case_type=values["case_type"],
        category=values["category"],
        source=values["source"],
        cc_emails=list(values["cc_emails"]),
        survey={},
        sla=sla,
    )


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
    """Priority and category: staff set them, a customer who sends one gets 422. The source:
    staff choose any, customers the client or the portal (Desktop when left out). The category
    is checked against the vendor's list later, with the database's other reads."""
    if not user.is_staff:
        for name in ("priority", "category"):
            if getattr(data, name):
                raise _invalid(
                    name, f"Only support staff set the {name} of a case; leave it out."
                )
        source = _one_of(data.source, SOURCES, "source", "source")
        if source and source not in CUSTOMER_SOURCES:
            raise _invalid(
                "source",
                f"A customer's case comes from {' or '.join(CUSTOMER_SOURCES)}; "
                f"support staff log cases from other sources.",
            )
        return {"priority": None, "category": "", "source": source or DEFAULT_SOURCE}
    return {
        "priority": data.priority.value if data.priority else None,
        "category": data.category.strip(),
        "source": _one_of(data.source, SOURCES, "source", "source") or DEFAULT_SOURCE,
    }


def _product_name(connection: Connection, wanted: str, reads: Any) -> str:
    """The product as the vendor spells it. While no products are set up, any name goes."""
    if not wanted or not reads.any_product:
        return wanted
    if reads.product is not None and reads.product.casefold() == wanted.casefold():
        return reads.product
    # SQL's lower() knows only ASCII on SQLite: other letters are compared here, as the client does.
    name = known_product(wanted, list(connection.execute(_PRODUCT_NAMES).scalars()))
    if name is None:
        raise _invalid("product", f"There is no product {wanted!r}; choose one from the list.")
    return name


def _contact(
    connection: Connection, account_id: uuid.UUID, wanted: uuid.UUID | None, reads: Any
) -> _ContactRow | None:
    """The contact the case is for: one of the account's, or (none given) the reporter's own."""
    if wanted is None:
        if reads.contact_id is None:
            return None
        return _ContactRow(
            reads.contact_id, reads.contact_name, reads.contact_email, reads.contact_phone
        )
    row = connection.execute(_CONTACT, {"id": wanted}).first()
    if row is None or row.account_id != account_id:
        raise _invalid("contact_id", "There is no such contact in this case's account.")
    return _ContactRow(row.id, row.name, row.email, row.phone)


def list_cases(session: Session, user: CurrentUser) -> list[CaseOut]:
    """Every case the caller may see, most recently changed first."""
    cases = session.scalars(
        select(Case).where(visible_cases(user)).order_by(Case.updated_at.desc(), Case.number.desc())
    )
    viewer = viewer_of(session, user)
    return [case_out(case, viewer) for case in cases]


def get_case(session: Session, user: CurrentUser, case_id: uuid.UUID) -> CaseOut:
    return case_out(get_visible_case(session, user, case_id), viewer_of(session, user))


def list_activity(session: Session, user: CurrentUser, case_id: uuid.UUID) -> list[ActivityOut]:
    """The case's history; staff's own entries (triage, assignments, deleted notes) for staff."""
    get_visible_case(session, user, case_id)
    query = select(Activity).where(Activity.case_id == case_id)
    if not user.is_staff:
        query = query.where(Activity.staff_only.is_(False))
    rows = session.scalars(query.order_by(Activity.created_at))
    return [activity_out(row) for row in rows]
