"""Signing in and out, and who the caller is (services/signin.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from casedesktop.api import ErrorOut, LoginRequest, LoginResponse, UserOut
from casedesktop.server.routes.deps import Caller, bearer_token, sessions_of, settings_of
from casedesktop.server.services import signin
from casedesktop.server.services.serialize import user_out

router = APIRouter()


@router.post("/auth/login", response_model=LoginResponse, responses={429: {"model": ErrorOut}})
def login(request: Request, body: LoginRequest) -> LoginResponse:
    address = request.client.host if request.client else "unknown"
    return signin.sign_in(
        sessions_of(request), settings_of(request), body.email, body.password, address
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> Response:
    signin.sign_out(sessions_of(request), bearer_token(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
def me(user: Caller) -> UserOut:
    return user_out(user)
