"""Cases, their comments and activity, and the generic action endpoint."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from casedesktop.api import (
    EMAIL_MAX,
    ActionRequest,
    ActivityOut,
    CaseCreate,
    CaseOut,
    CommentCreate,
    CommentOut,
    owner_pattern,
)
from casedesktop.domain import Priority, Queue
from casedesktop.server.base import utcnow
from casedesktop.server.routes.deps import BearerToken, Caller, sessions_of
from casedesktop.server.services import actions, cases, comments, desk

router = APIRouter()


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
async def create_case(request: Request, token: BearerToken, body: CaseCreate) -> Response:
    sessions = sessions_of(request)
    # The hot path: the caller is checked and the case written in the group-commit lane's thread
    # (db.WriteLane), committed with the creates that queued meanwhile; no worker thread waits.
    case, created = await sessions.grouped(
        lambda session: cases.create_case_as(session, sessions.token_cache, token, body, utcnow())
    )
    # The bytes here: FastAPI would check the model again before encoding it.
    return Response(
        case.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get("/cases", response_model=list[CaseOut])
def list_cases(
    request: Request,
    user: Caller,
    priority: Annotated[
        list[Priority] | None,
        Query(description="Staff: only these priorities (repeat for several).", max_length=4),
    ] = None,
    owner: Annotated[
        str | None,
        Query(
            description="Staff: `me`, `none` (unassigned) or a staff member's email.",
            min_length=1,
            max_length=EMAIL_MAX,
            json_schema_extra={"pattern": owner_pattern()},
        ),
    ] = None,
    queue: Annotated[Queue | None, Query(description="Staff: one queue of the desk.")] = None,
) -> list[CaseOut]:
    """Every case the caller may see, most recently changed first. The filters are staff's
    (403 for a customer who sends one); given together, each applies."""
    wanted = desk.CaseFilter(tuple(dict.fromkeys(priority or ())), owner, queue)
    if not wanted:
        return sessions_of(request).run_read(lambda session: cases.list_cases(session, user))
    return sessions_of(request).run_read(
        lambda session: desk.filtered_cases(session, user, wanted)
    )


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


@router.delete(
    "/cases/{case_id}/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={204: {"description": "The note is deleted (now, or by an earlier request)"}},
)
def delete_note(request: Request, user: Caller, case_id: uuid.UUID, comment_id: uuid.UUID) -> Response:
    """Staff: delete one of their own internal notes. Idempotent by the note's id: deleting it
    again answers 204 and changes nothing. Another's note or a reply: 403; customers: 403."""
    sessions_of(request).run_write(
        lambda session: comments.delete_note(session, user, case_id, comment_id, utcnow())
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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
