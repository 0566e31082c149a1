"""The /api/v1 router: every endpoint of the API, each module's router included in one order (the
OpenAPI document follows it). Endpoints are thin: parse, call one service, answer."""

from __future__ import annotations

from fastapi import APIRouter

import casedesktop
from casedesktop.api import API_PREFIX, ErrorOut, Health
from casedesktop.server.routes import (
    actions,
    attachments,
    cases,
    directory,
    feed,
    push,
    signin,
    staff,
    uploads,
)

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)
}

router = APIRouter(prefix=API_PREFIX, responses=_ERRORS)


@router.get("/health", response_model=Health)
async def health() -> Health:
    """On the event loop, never on a worker thread: it answers even while every thread waits on
    the database or the attachment storage."""
    return Health(version=casedesktop.__version__)


# POST /auth/login, /auth/logout; GET /me.
router.include_router(signin.router)
# GET /accounts, /products, /categories, /limits, /client-release: what the New Case dialog offers.
router.include_router(directory.router)
# /cases, their comments, activity and generic actions.
router.include_router(cases.router)
# GET /changes: the change feed.
router.include_router(feed.router)
# POST /cases/{id}/<action>, /ask-customer, /assign, /triage: one endpoint per action.
router.include_router(actions.router)
# GET /staff/summary: the staff desk's cards.
router.include_router(staff.router)
# /uploads (tus), /attachments/{id}[/content], /cases/{id}/attachments.
router.include_router(uploads.router)
router.include_router(attachments.router)
# POST /push: a device's numbered changes, applied once each and in order.
router.include_router(push.router)
