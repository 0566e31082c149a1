"""The HTTP endpoints of API v1: thin wrappers that open a transaction and call one service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.orm import Session

import casedesktop
from casedesktop.api import (
    API_PREFIX,
    AccountOut,
    ActionRequest,
    ActivityOut,
    CaseCreate,
    CaseOut,
    ChangesPage,
    CommentCreate,
    CommentOut,
    ErrorOut,
    Health,
    LimitsOut,
    LoginRequest,
    LoginResponse,
    ProductOut,
    UserOut,
)
from casedesktop.api.models import WIRE_INT_MAX
from casedesktop.api.releases import CLIENT_RELEASE_PATH, ClientReleaseOut
from casedesktop.server import (
    action_routes,
    actions,
    attachments,
    auth,
    cases,
    comments,
    directory,
    feed,
    push,
    ratelimit,
    releases,
    uploads,
)
from casedesktop.server.auth import BearerToken, Caller, sessions_of
from casedesktop.server.db import utcnow
from casedesktop.server.errors import ApiError
from casedesktop.server.serialize import user_out
from casedesktop.server.settings import settings_of

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)
}

router = APIRouter(prefix=API_PREFIX, responses=_ERRORS)


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(version=casedesktop.__version__)


@router.post("/auth/login", response_model=LoginResponse, responses={429: {"model": ErrorOut}})
def login(request: Request, body: LoginRequest) -> LoginResponse:
    sessions, settings = sessions_of(request), settings_of(request)
    address = request.client.host if request.client else "unknown"
    sessions.run_read(
        lambda session: ratelimit.check_login_allowed(
            session, body.email, address, utcnow(), settings
        )
    )
    try:
        user_id, new_hash = auth.authenticate(sessions, body.email, body.password)
    except ApiError:
        sessions.run_write(
            lambda session: ratelimit.record_failure(
                session, body.email, address, utcnow(), settings
            )
        )
        raise

    def work(session: Session) -> LoginResponse:
        ratelimit.clear_failures(session, body.email, address)
        token, user = auth.issue_token(
            session, user_id, utcnow(), new_hash, settings.token_lifetime
        )
        return LoginResponse(token=token, user=user_out(auth.current_user_of(session, user)))

    return sessions.run_write(work)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> Response:
    token = auth.bearer_token(request)
    sessions = sessions_of(request)
    sessions.run_write(lambda session: auth.logout(session, token))
    sessions.token_cache.discard(auth.token_digest(token))  # the epoch moved too; be plain
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
def me(user: Caller) -> UserOut:
    return user_out(user)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(request: Request, user: Caller) -> list[AccountOut]:
    """The accounts the caller may open cases for, with their contacts (staff: all)."""
    return sessions_of(request).run_read(lambda session: directory.list_accounts(session, user))


@router.get("/products", response_model=list[ProductOut])
def list_products(request: Request, _user: Caller) -> list[ProductOut]:
    return sessions_of(request).run_read(directory.list_products)


@router.get("/limits", response_model=LimitsOut)
def limits(request: Request, _user: Caller) -> LimitsOut:
    return directory.limits(settings_of(request))


@router.get(CLIENT_RELEASE_PATH, response_model=ClientReleaseOut)
def client_release(request: Request, _user: Caller) -> ClientReleaseOut:
    """The client release the vendor published last (any signed-in user); 404 before the first."""
    return sessions_of(request).run_read(releases.current_release)


def _replayed(what: str, model: type) -> dict[int | str, dict[str, object]]:
    """The other success of an idempotent create: the request's id was used before, by the
    same caller, for this same thing (a retried request); nothing new was made."""
    return {
        200: {"model": model, "description": f"The {what} this id already made (a retry)"},
        201: {"description": f"The {what}, made now"},
    }


@router.post(
    "/cases",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=_replayed("case", CaseOut),
)
def create_case(
    request: Request, response: Response, token: BearerToken, body: CaseCreate
) -> CaseOut:
    sessions = sessions_of(request)
    user = auth.caller_of(sessions, token)  # in this endpoint's worker trip: hot path
    case, created = sessions.run_write(
        lambda session: cases.create_case(session, user, body, utcnow())
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return case


@router.get("/cases", response_model=list[CaseOut])
def list_cases(request: Request, user: Caller) -> list[CaseOut]:
    return sessions_of(request).run_read(lambda session: cases.list_cases(session, user))


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(request: Request, user: Caller, case_id: uuid.UUID) -> CaseOut:
    return sessions_of(request).run_read(lambda session: cases.get_case(session, user, case_id))


@router.post(
    "/cases/{case_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses=_replayed("comment", CommentOut),
)
def add_comment(
    request: Request, response: Response, user: Caller, case_id: uuid.UUID, body: CommentCreate
) -> CommentOut:
    comment, created = sessions_of(request).run_write(
        lambda session: comments.add_comment(session, user, case_id, body, utcnow())
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return comment


@router.get("/cases/{case_id}/comments", response_model=list[CommentOut])
def list_comments(request: Request, user: Caller, case_id: uuid.UUID) -> list[CommentOut]:
    return sessions_of(request).run_read(
        lambda session: comments.list_comments(session, user, case_id)
    )


@router.get("/cases/{case_id}/activity", response_model=list[ActivityOut])
def list_activity(request: Request, user: Caller, case_id: uuid.UUID) -> list[ActivityOut]:
    return sessions_of(request).run_read(
        lambda session: cases.list_activity(session, user, case_id)
    )


@router.post("/cases/{case_id}/actions", response_model=CaseOut)
def take_action(request: Request, user: Caller, case_id: uuid.UUID, body: ActionRequest) -> CaseOut:
    return sessions_of(request).run_write(
        lambda session: actions.take_action(session, user, case_id, body, utcnow())
    )


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


# POST /cases/{id}/<action>, /assign, /triage: one endpoint per action (server/action_routes.py).
router.include_router(action_routes.router)
# /uploads (tus), /attachments/{id}[/content], /cases/{id}/attachments (server/uploads.py, ...).
router.include_router(uploads.router)
router.include_router(attachments.router)

# POST /push: a device's numbered changes, applied once each and in order (server/push.py).
router.include_router(push.router)
