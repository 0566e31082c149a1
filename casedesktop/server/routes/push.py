"""POST /api/v1/push: a device's numbered changes, applied once each and in order
(services/push.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from casedesktop.api.push import PUSH_PATH, PushRequest, PushResponse
from casedesktop.server.routes.deps import Caller, sessions_of
from casedesktop.server.services.push import apply_push

router = APIRouter()


@router.post(PUSH_PATH, response_model=PushResponse)
def push(request: Request, user: Caller, body: PushRequest) -> PushResponse:
    return apply_push(sessions_of(request), user, body)
