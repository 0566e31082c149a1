"""What endpoints take from a request: the app's sessions and settings, the bearer token, the
signed-in caller (FastAPI dependencies over auth.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from casedesktop.server.auth import NO_TOKEN, caller_of, unauthorized
from casedesktop.server.db import Sessions
from casedesktop.server.identity import CurrentUser
from casedesktop.server.settings import Settings


def sessions_of(request: Request) -> Sessions:
    return request.app.state.sessions


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer ...` header; 401 when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized(NO_TOKEN)
    return token.strip()


async def _bearer(request: Request) -> str:
    """The token's form, checked on the event loop (no worker thread): 401 without one."""
    return bearer_token(request)


# For endpoints that check the token itself (`read_as`, `caller_of`) in their one worker trip.
BearerToken = Annotated[str, Depends(_bearer)]


def require_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in caller, or 401."""
    return caller_of(sessions_of(request), bearer_token(request))


Caller = Annotated[CurrentUser, Depends(require_user)]
