"""How the window writes dates and times: one place, so every view agrees."""

from __future__ import annotations

from datetime import datetime

from casedesktop.i18n import format_datetime


def when(value: datetime | None) -> str:
    """A moment in the user's local time, to the minute, as the user's language writes it; "—"
    when there is none."""
    return format_datetime(value, empty="—")
