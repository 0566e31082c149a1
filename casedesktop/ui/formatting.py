"""How the window writes dates and times: one place, so every view agrees."""

from __future__ import annotations

from datetime import datetime


def when(value: datetime | None) -> str:
    """A moment in the user's local time, to the minute; "—" when there is none."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"
