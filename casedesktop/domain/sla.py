"""Service levels: how soon support must first answer a case and resolve it, per priority, and
where a case stands against those targets.

The vendor sets the targets (`casedesktop-server set-sla`); the server works out each case's
standing for staff when it answers, from the case's own times, so a changed target changes every
later answer. The rule lives here, without I/O, so a client can work the state out again as time
passes from the due times it was given (a case becomes overdue without anything being written).

The clock runs in calendar time from the case's creation and does not pause while the case waits
on the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# A pending target counts as due soon in the last quarter of its span (8 h: the last 2 h).
DUE_SOON_SHARE = 0.25


class SlaState(StrEnum):
    OK = "ok"  # every pending target is comfortably ahead
    DUE_SOON = "due_soon"  # a pending target is in the last quarter of its span
    OVERDUE = "overdue"  # a target was missed (pending past its due time, or met late)
    MET = "met"  # every target was reached in time; nothing is pending
    NONE = "none"  # no target applies (a merged case: its work goes on in the other case)


class Milestone(StrEnum):
    FIRST_RESPONSE = "first_response"  # the first public staff reply after creation
    RESOLUTION = "resolution"  # the case resolved or closed


@dataclass(frozen=True)
class SlaTargets:
    """The targets of one priority; None where the vendor set none."""

    first_response: timedelta | None = None
    resolution: timedelta | None = None

    def __bool__(self) -> bool:
        return self.first_response is not None or self.resolution is not None


@dataclass(frozen=True)
class SlaStanding:
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_at: datetime | None
    breached: tuple[Milestone, ...]
    state: SlaState


def sla_standing(
    targets: SlaTargets,
    created_at: datetime,
    first_response_at: datetime | None,
    finished_at: datetime | None,
    now: datetime,
    *,
    merged: bool = False,
) -> SlaStanding:
    """Where a case stands. `finished_at` is when it was resolved or closed (None while work goes
    on): it is the resolution, and it also ends the wait for a first response, which a case
    closed before any reply can no longer get (it counts as reached then, late or in time)."""
    first_due = created_at + targets.first_response if targets.first_response else None
    resolution_due = created_at + targets.resolution if targets.resolution else None
    if merged:
        return SlaStanding(first_due, resolution_due, first_response_at, (), SlaState.NONE)
    breached: list[Milestone] = []
    pending: list[tuple[datetime, timedelta]] = []  # (due, span) of targets not reached yet
    for milestone, due, span, reached in (
        (Milestone.FIRST_RESPONSE, first_due, targets.first_response,
         first_response_at or finished_at),
        (Milestone.RESOLUTION, resolution_due, targets.resolution, finished_at),
    ):  # fmt: skip
        if due is None or span is None:
            continue
        if (reached or now) > due:
            breached.append(milestone)
        elif reached is None:
            pending.append((due, span))
    if breached:
        state = SlaState.OVERDUE
    elif not pending:
        state = SlaState.MET
    elif any(due - now <= span * DUE_SOON_SHARE for due, span in pending):
        state = SlaState.DUE_SOON
    else:
        state = SlaState.OK
    return SlaStanding(first_due, resolution_due, first_response_at, tuple(breached), state)
