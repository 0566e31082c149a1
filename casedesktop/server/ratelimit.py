"""Failed sign-ins are counted per account (email) and per client address over a sliding window;
past the limit the login answers 429 with Retry-After, even for the right password.

The counts live in the database, so they hold across restarts and several server processes.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.server.auth import normalize_email
from casedesktop.server.errors import ApiError
from casedesktop.server.models import LoginFailure
from casedesktop.server.settings import Settings

TOO_MANY = "Too many failed sign-ins. Wait {minutes} before trying again."


def check_login_allowed(
    session: Session, email: str, address: str, now: datetime, settings: Settings
) -> None:
    """Raise 429 when the account or the address has used up its failures in the window."""
    since = now - settings.login_window
    wait = max(
        _wait(
            session,
            LoginFailure.email == normalize_email(email),
            since,
            now,
            settings,
            settings.login_failures_per_account,
        ),
        _wait(
            session,
            LoginFailure.address == address,
            since,
            now,
            settings,
            settings.login_failures_per_address,
        ),
    )
    if wait > 0:
        minutes = max(1, math.ceil(wait / 60))
        raise ApiError(
            429,
            ErrorCode.RATE_LIMITED,
            TOO_MANY.format(minutes=f"{minutes} minute{'s' if minutes != 1 else ''}"),
            headers={"Retry-After": str(wait)},
        )


def _wait(
    session: Session,
    which: ColumnElement[bool],
    since: datetime,
    now: datetime,
    settings: Settings,
    limit: int,
) -> int:
    """Seconds until fewer than `limit` failures remain in the window (0: allowed now)."""
    times = list(
        session.scalars(
            select(LoginFailure.created_at)
            .where(which, LoginFailure.created_at > since)
            .order_by(LoginFailure.created_at)
        )
    )
    if len(times) < limit:
        return 0
    frees_at = times[len(times) - limit] + settings.login_window
    return max(1, math.ceil((frees_at - now).total_seconds()))


def record_failure(
    session: Session, email: str, address: str, now: datetime, settings: Settings
) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.created_at <= now - settings.login_window)
    )
    session.add(
        LoginFailure(email=normalize_email(email)[:320], address=address[:64], created_at=now)
    )


def clear_failures(session: Session, email: str) -> None:
    """A successful sign-in (or a password reset) forgives the account's failures."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == normalize_email(email)))
