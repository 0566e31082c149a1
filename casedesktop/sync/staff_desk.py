"""The staff desk's summary cards (open, resolved today, critical, overdue, satisfaction), asked
of the server: they count every case, not only those in this cache. One request, made off the
GUI thread like every other network call; "today" is the user's own day."""

from __future__ import annotations

from casedesktop.api import StaffSummaryOut
from casedesktop.sync.api_client import ApiClient


def local_zone_name() -> str | None:
    """This computer's IANA time zone (Europe/Berlin), None when it has no such name."""
    from babel.localtime import get_localzone  # loaded here only: Babel is heavy at start-up

    try:
        return getattr(get_localzone(), "key", None) or None
    except (LookupError, OSError, ValueError):
        return None


def fetch_summary(client: ApiClient, tz: str | None = None) -> StaffSummaryOut:
    """The counts for staff (Rejected 403 for a customer), "resolved today" in `tz` or the local zone."""
    return client.staff_summary(tz or local_zone_name())
