"""Failed sign-ins slow down the address they come from, never the account everywhere.

Failures are counted per (account, address) and per address over a sliding window
(Settings.login_window). Past the free failures of either count, the next attempt from that
address must wait: Settings.login_first_delay after the last failure, doubling with each further
failure, at most Settings.login_max_delay; until then the login answers 429 with Retry-After,
even for the right password (otherwise the answer would tell a guesser when to stop).

There is no lock per account alone: ten wrong passwords sent from anywhere used to lock the real
user out for 15 minutes from every address. Now someone guessing from elsewhere only slows their
own address; the user's address has its own counts. An attacker with many addresses still gets
only a few guesses per address per window, each paying argon2's cost.

An IPv6 address counts by its /64 network, which one subscriber usually holds whole. The counts
live in the database, so they hold across restarts and several server processes. Who the address
is depends on the proxies the server trusts (`serve --trusted-proxy`; none by default).
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.server.auth import normalize_email
from casedesktop.server.errors import ApiError
from casedesktop.server.models import LoginFailure
from casedesktop.server.settings import Settings

TOO_MANY = "Too many failed sign-ins from here. Wait {wait} before trying again."
_MAX_DOUBLINGS = 30  # 2**30 s is decades: the cap (login_max_delay) is reached long before


def address_key(address: str) -> str:
    """What failures are counted under: the address, an IPv6 one by its /64 network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # not an IP (a test client, a Unix socket): as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check_login_allowed(
    session: Session, email: str, address: str, now: datetime, settings: Settings
) -> None:
    """Raise 429 while this account from this address, or this address, must wait."""
    key = address_key(address)
    same_pair = and_(LoginFailure.email == normalize_email(email), LoginFailure.address == key)
    wait = max(
        _wait(session, same_pair, now, settings, settings.login_failures_per_account_address),
        _wait(session, LoginFailure.address == key, now, settings, settings.login_failures_per_address),
    )
    if wait > 0:
        raise ApiError(
            429,
            ErrorCode.RATE_LIMITED,
            TOO_MANY.format(wait=_spoken(wait)),
            headers={"Retry-After": str(wait)},
        )


def delay_after(failures: int, free: int, settings: Settings) -> timedelta:
    """How long to wait after the last of `failures` recent failures (`free` cost nothing)."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, _MAX_DOUBLINGS)
    return min(settings.login_max_delay, settings.login_first_delay * 2**doublings)


def _wait(
    session: Session, which: ColumnElement[bool], now: datetime, settings: Settings, free: int
) -> int:
    """Whole seconds until the next attempt is allowed (0: now)."""
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.created_at)).where(
            which, LoginFailure.created_at > now - settings.login_window
        )
    ).one()
    if not count or last is None:
        return 0
    ends = last + delay_after(count, free, settings)
    return max(0, math.ceil((ends - now).total_seconds()))


def _spoken(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def record_failure(
    session: Session, email: str, address: str, now: datetime, settings: Settings
) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.created_at <= now - settings.login_window)
    )
    session.add(
        LoginFailure(
            email=normalize_email(email)[:320], address=address_key(address), created_at=now
        )
    )


def clear_failures(session: Session, email: str, address: str) -> None:
    """A successful sign-in forgives that account's failures from that address only: the
    address's failures for other accounts still count, and so do guesses from elsewhere."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == normalize_email(email),
            LoginFailure.address == address_key(address),
        )
    )
