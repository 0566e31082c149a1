"""The staff desk: the case list's staff filters (priority, owner, queue) and the summary cards.

Queues follow domain/queues.py; "overdue" follows domain/sla.py, worked out per case as its
answer is (serialize.case_out), so the list, the cards and each case agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from casedesktop.api import CaseOut, CsatOut, ErrorCode, StaffSummaryOut
from casedesktop.domain import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Action,
    Priority,
    Queue,
    Role,
    SlaState,
)
from casedesktop.server.auth import normalize_email
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Activity, Case, User
from casedesktop.server.services.serialize import case_out, viewer_of
from casedesktop.server.services.sla import load_targets, sla_out

WINDOW = timedelta(days=30)  # first response times and satisfaction: the last 30 days
# Survey answers that rate the support 1-5: the window's question, and the one older clients sent.
SATISFACTION_KEYS = ("survey_satisfaction", "survey_rating")
SATISFIED = 4  # and above
OWNER_ME, OWNER_NONE = "me", "none"
ZONE_MAX = 64  # characters of a time zone's name: the longest IANA names are about 30


@dataclass(frozen=True)
class CaseFilter:
    """GET /cases?priority=&owner=&queue=: staff's filters, all of them applying together."""

    priorities: tuple[Priority, ...] = ()
    owner: str | None = None  # "me", "none" or a staff member's email
    queue: Queue | None = None

    def __bool__(self) -> bool:
        return bool(self.priorities) or self.owner is not None or self.queue is not None


def filtered_cases(session: Session, user: CurrentUser, wanted: CaseFilter) -> list[CaseOut]:
    """Staff's case list through the filters, most recently changed first (403 for customers:
    the filters are about staff's triage, which customers never see)."""
    if not user.is_staff:
        raise ApiError(
            403,
            ErrorCode.FORBIDDEN,
            "Only support staff can filter cases by priority, owner or queue.",
        )
    conditions: list[ColumnElement[bool]] = []
    if wanted.priorities:
        conditions.append(Case.priority.in_([p.value for p in wanted.priorities]))
    if wanted.owner is not None:
        conditions.append(_owner_is(session, user, wanted.owner))
    queue = wanted.queue or Queue.ALL
    if queue.statuses is not None:
        conditions.append(Case.status.in_([s.value for s in queue.statuses]))
    if queue is Queue.MINE:
        conditions.append(Case.owner_id == user.id)
    elif queue is Queue.UNASSIGNED:
        conditions.append(Case.owner_id.is_(None))
    rows = session.scalars(
        select(Case).where(*conditions).order_by(Case.updated_at.desc(), Case.number.desc())
    )
    viewer = viewer_of(session, user)
    found = [case_out(row, viewer) for row in rows]
    if queue is Queue.OVERDUE:
        found = [one for one in found if one.sla is not None and one.sla.state is SlaState.OVERDUE]
    return found


def _owner_is(session: Session, user: CurrentUser, owner: str) -> ColumnElement[bool]:
    if owner.strip().lower() == OWNER_ME:
        return Case.owner_id == user.id
    if owner.strip().lower() == OWNER_NONE:
        return Case.owner_id.is_(None)
    email = normalize_email(owner)
    staff = None
    if "\x00" not in email:  # no address holds one (and PostgreSQL cannot compare with one)
        staff = session.scalar(select(User).where(User.email == email))
    if staff is None or not Role(staff.role).is_staff:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"owner takes me, none or a support staff member's email; {email[:320]!r} is none "
            "of them.",
            field="owner",
        )
    return Case.owner_id == staff.id


def time_zone(name: str) -> tzinfo:
    """An IANA time zone such as Europe/Berlin, or 422 naming `tz`. UTC needs no zone database
    (Windows has none unless the tzdata package is installed)."""
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a plain relative name ("/etc/passwd", "../x", a NUL character);
        # OSError: a folder or an unreadable file of the zone database.
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"tz: {name[:ZONE_MAX]!r} is not a time zone; give an IANA name such as "
            "Europe/Berlin.",
            field="tz",
        ) from None


def staff_summary(
    session: Session, user: CurrentUser, tz: str, now: datetime
) -> StaffSummaryOut:
    """The counts of the desk's cards (see api.StaffSummaryOut), "today" starting at midnight
    in the time zone named `tz`."""
    if not user.is_staff:
        raise ApiError(403, ErrorCode.FORBIDDEN, "Only support staff can see the desk's summary.")
    zone = time_zone(tz)
    active = Case.status.in_([s.value for s in ACTIVE_STATUSES])
    midnight = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
    counts = session.execute(
        select(
            func.count(),
            _count(active),
            _count(and_(active, Case.priority == Priority.CRITICAL.value)),
            _count(and_(active, Case.owner_id.is_(None))),
            _count(and_(active, Case.owner_id == user.id)),
            _count(_finished_since(midnight)),
        ).select_from(Case)
    ).one()
    total, open_, critical, unassigned, mine, resolved_today = (int(n or 0) for n in counts)
    return StaffSummaryOut(
        open=open_,
        resolved_today=resolved_today,
        total=total,
        critical=critical,
        overdue=_overdue(session, active, now),
        unassigned=unassigned,
        mine=mine,
        avg_first_response_seconds=_average_first_response(session, now - WINDOW),
        csat=_csat(session, now - WINDOW),
        window_days=WINDOW.days,
    )


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _finished_since(start: datetime) -> ColumnElement[bool]:
    """Resolved or closed since `start`, and still so (a reopened case clears both times); a
    case closed without a resolution counts from its closing."""
    return and_(
        Case.status.in_([s.value for s in DONE_STATUSES]),
        or_(
            Case.resolved_at >= start,
            and_(Case.resolved_at.is_(None), Case.closed_at >= start),
        ),
    )


def _overdue(session: Session, active: ColumnElement[bool], now: datetime) -> int:
    targets = load_targets(session)
    if not targets:
        return 0
    rows = session.execute(
        select(
            Case.priority,
            Case.status,
            Case.created_at,
            Case.first_response_at,
            Case.resolved_at,
            Case.closed_at,
        ).where(active, Case.priority.in_(list(targets)))
    )
    standings = (sla_out(row, targets, now) for row in rows)
    return sum(1 for one in standings if one is not None and one.state is SlaState.OVERDUE)


def _average_first_response(session: Session, since: datetime) -> float | None:
    rows = session.execute(
        select(Case.created_at, Case.first_response_at).where(
            Case.created_at >= since, Case.first_response_at.is_not(None)
        )
    ).all()
    if not rows:
        return None
    waits = [max((answered - opened).total_seconds(), 0.0) for opened, answered in rows]
    return sum(waits) / len(waits)


def _csat(session: Session, since: datetime) -> CsatOut:
    """The 1-5 ratings given with accepted resolutions in the window (each acceptance once,
    a reopened and again accepted case twice: each was an answer)."""
    details = session.scalars(
        select(Activity.details).where(
            Activity.action == Action.ACCEPT.value, Activity.created_at >= since
        )
    )
    scores = [score for one in details if (score := _rating(one)) is not None]
    if not scores:
        return CsatOut()
    return CsatOut(
        average=sum(scores) / len(scores),
        answers=len(scores),
        satisfied=sum(1 for score in scores if score >= SATISFIED),
    )


def _rating(details: dict[str, Any] | None) -> int | None:
    for key in SATISFACTION_KEYS:
        value = str((details or {}).get(key, "")).strip()
        if value in ("1", "2", "3", "4", "5"):
            return int(value)
    return None
