"""GET /api/v1/changes: the change feed, the client's pull (services/feed.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from casedesktop.api import ChangesPage
from casedesktop.api.models import WIRE_INT_MAX
from casedesktop.server import auth
from casedesktop.server.routes.deps import BearerToken, sessions_of
from casedesktop.server.services import feed

router = APIRouter()


@router.get("/changes", response_model=ChangesPage)
def changes(
    request: Request,
    token: BearerToken,
    cursor: Annotated[int, Query(ge=0, le=WIRE_INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_LIMIT)] = feed.DEFAULT_LIMIT,
) -> ChangesPage:
    # The hot path: the caller is checked in the feed's own transaction and worker trip.
    return auth.read_as(
        sessions_of(request),
        token,
        lambda session, user: feed.changes_page(session, user, cursor, limit),
    )
