"""GET /staff/summary: the counts on the staff desk's cards (services/desk.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from casedesktop.api import StaffSummaryOut
from casedesktop.server.base import utcnow
from casedesktop.server.routes.deps import Caller, sessions_of
from casedesktop.server.services import desk

router = APIRouter()


@router.get("/staff/summary", response_model=StaffSummaryOut)
def staff_summary(
    request: Request,
    user: Caller,
    tz: Annotated[
        str,
        Query(
            min_length=1,
            max_length=desk.ZONE_MAX,
            description="The IANA time zone whose midnight starts 'today', e.g. Europe/Berlin.",
        ),
    ] = "UTC",
) -> StaffSummaryOut:
    """Staff: open, resolved today, total, critical, overdue, unassigned and own cases, the
    average first response and the satisfaction of the last 30 days (403 for customers)."""
    return sessions_of(request).run_read(
        lambda session: desk.staff_summary(session, user, tz, utcnow())
    )
