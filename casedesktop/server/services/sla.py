"""Service level targets per priority (`casedesktop-server set-sla`, `show-sla`), and each case's
standing against them as staff are answered (the rule itself is domain/sla.py).

Targets are read per answer, never copied onto cases: a changed target changes every later
answer, for old cases too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import SlaOut
from casedesktop.domain import Priority, SlaTargets, Status, sla_standing
from casedesktop.server.models import SlaTarget
from casedesktop.server.services.accounts import AdminError

Targets = Mapping[str, SlaTargets]  # by Priority value; priorities without targets left out

# Longer than a year is a typo (and keeps every sum of dates far from datetime's range).
LONGEST_TARGET = timedelta(days=365)
_DURATION = re.compile(r"(?:(\d{1,6})d)?(?:(\d{1,7})h)?(?:(\d{1,9})m)?", re.IGNORECASE)
_UNITS = (("d", 86400), ("h", 3600), ("m", 60))


class DurationError(ValueError):
    """A duration that cannot be a target; the message says how to write one."""


def parse_duration(text: str) -> timedelta:
    """"30m", "1h", "2d", "1h30m", "1d12h" as a timedelta: more than nothing, at most a year."""
    compact = "".join(text.split())
    if compact.startswith("-"):
        raise DurationError(f"A target must be longer than 0 minutes; {compact[:40]!r} is negative.")
    match = _DURATION.fullmatch(compact)
    if not compact or match is None or not any(match.groups()):
        raise DurationError(
            f"{text.strip()[:40]!r} is not a duration; write it as 30m, 1h, 2d or 1h30m."
        )
    days, hours, minutes = (int(part or 0) for part in match.groups())
    seconds = days * 86400 + hours * 3600 + minutes * 60
    if seconds <= 0:
        raise DurationError("A target must be longer than 0 minutes.")
    if seconds > LONGEST_TARGET.total_seconds():
        raise DurationError(f"A target can be at most {LONGEST_TARGET.days} days.")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The form parse_duration reads: 90 minutes as "1h30m", a day as "1d"."""
    left = int(value.total_seconds()) // 60 * 60
    parts = []
    for unit, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"


def load_targets(session: Session) -> Targets:
    """Every priority's targets, in one small read (a row per priority at most)."""
    targets: dict[str, SlaTargets] = {}
    for row in session.scalars(select(SlaTarget)):
        one = SlaTargets(_span(row.first_response_seconds), _span(row.resolution_seconds))
        if one:
            targets[row.priority] = one
    return targets


def set_targets(
    session: Session,
    priority: Priority,
    now: datetime,
    *,
    first_response: timedelta | None = None,
    resolution: timedelta | None = None,
) -> SlaTargets:
    """Set the priority's targets; one left out (None) keeps its value."""
    row = session.get(SlaTarget, priority.value)
    if row is None:
        row = SlaTarget(priority=priority.value, updated_at=now)
        session.add(row)
    if first_response is not None:
        row.first_response_seconds = int(first_response.total_seconds())
    if resolution is not None:
        row.resolution_seconds = int(resolution.total_seconds())
    if row.first_response_seconds and row.resolution_seconds and row.resolution_seconds < row.first_response_seconds:
        raise AdminError(
            f"The {priority.value} priority's resolution target ({format_duration(_span(row.resolution_seconds))}) "
            f"is shorter than its first-response target ({format_duration(_span(row.first_response_seconds))}): "
            "a case cannot be resolved before its first answer is due. Give a longer resolution or a shorter "
            "first response."
        )
    row.updated_at = now
    session.flush()
    return SlaTargets(_span(row.first_response_seconds), _span(row.resolution_seconds))


def clear_targets(session: Session, priority: Priority) -> bool:
    """Remove the priority's targets; False if it had none."""
    row = session.get(SlaTarget, priority.value)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def sla_out(case: Any, targets: Targets, now: datetime) -> SlaOut | None:
    """The case's standing (a Case row, or the feed's light copy of one), or None where its
    priority has no targets."""
    wanted = targets.get(case.priority) if case.priority else None
    if not wanted:
        return None
    finished = [t for t in (case.resolved_at, case.closed_at) if t is not None]
    standing = sla_standing(
        wanted,
        case.created_at,
        case.first_response_at,
        min(finished) if finished else None,
        now,
        merged=case.status == Status.MERGED.value,
    )
    return SlaOut(
        first_response_due=standing.first_response_due,
        resolution_due=standing.resolution_due,
        first_response_at=standing.first_response_at,
        breached=list(standing.breached),
        state=standing.state,
    )


def _span(seconds: int | None) -> timedelta | None:
    return timedelta(seconds=seconds) if seconds else None
