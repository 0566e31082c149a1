"""Signing in and out: the rate limit, the password check and the new token, in that order.

The password check runs outside any write transaction (argon2 is slow by design); only a failure
or the new token is written.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from casedesktop.api import LoginResponse
from casedesktop.server import auth
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions
from casedesktop.server.errors import ApiError
from casedesktop.server.services import ratelimit
from casedesktop.server.services.serialize import user_out
from casedesktop.server.settings import Settings


def sign_in(
    sessions: Sessions, settings: Settings, email: str, password: str, address: str
) -> LoginResponse:
    """A new token for the right password from an address that need not wait; else 429 or 401
    (a 401 is counted against the address, see ratelimit.py)."""
    sessions.run_read(
        lambda session: ratelimit.check_login_allowed(session, email, address, utcnow(), settings)
    )
    try:
        user_id, new_hash = auth.authenticate(sessions, email, password)
    except ApiError:
        sessions.run_write(
            lambda session: ratelimit.record_failure(session, email, address, utcnow(), settings)
        )
        raise

    def work(session: Session) -> LoginResponse:
        ratelimit.clear_failures(session, email, address)
        token, user = auth.issue_token(
            session, user_id, utcnow(), new_hash, settings.token_lifetime
        )
        return LoginResponse(token=token, user=user_out(auth.current_user_of(session, user)))

    return sessions.run_write(work)


def sign_out(sessions: Sessions, token: str) -> None:
    """Revoke the token here and in every process (the auth epoch moves, tokencache.py)."""
    sessions.run_write(lambda session: auth.logout(session, token))
    sessions.token_cache.discard(auth.token_digest(token))  # the epoch moved too; be plain
