"""Every error leaves the server as an ErrorOut JSON body with a stable code, never an HTML page."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from casedesktop.api import ErrorCode, ErrorOut
from casedesktop.domain import MissingField, TransitionError
from casedesktop.server.errors import ApiError, unstorable

_CODE_BY_STATUS = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    412: ErrorCode.UNSUPPORTED,
    413: ErrorCode.TOO_LARGE,
    415: ErrorCode.UNSUPPORTED,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    429: ErrorCode.RATE_LIMITED,
}


def error_response(
    status_code: int, body: ErrorOut, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status_code, content=body.model_dump(mode="json"), headers=headers
    )


log = logging.getLogger(__name__)
UNEXPECTED = "The server hit an unexpected error; try again in a moment."


class CatchUnexpected:
    """ASGI middleware: an unhandled exception becomes a JSON 500 and is logged here.

    Starlette's own last-resort handler re-raises after answering, and the server then drops
    the connection, so a client's next request on that keep-alive connection would be reset.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("Unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = ErrorOut(code=ErrorCode.INTERNAL, message=UNEXPECTED)
            await error_response(500, body)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_middleware(CatchUnexpected)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(TransitionError, _transition_error)
    app.add_exception_handler(MissingField, _missing_field)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.body, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]  # where it was; the rest names the field (which may be called "body")
    field = loc[0] if loc else None
    message = str(first.get("msg", "The request is not valid."))
    if field:
        message = f"{field}: {message}"
    body = ErrorOut(code=ErrorCode.VALIDATION, message=message, field=field)
    return error_response(422, body)


async def _transition_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TransitionError)
    if exc.forbidden:
        return error_response(403, ErrorOut(code=ErrorCode.FORBIDDEN, message=str(exc)))
    body = ErrorOut(
        code=ErrorCode.INVALID_TRANSITION, message=str(exc), current_status=exc.state.status
    )
    return error_response(409, body)


async def _missing_field(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MissingField)
    body = ErrorOut(code=ErrorCode.VALIDATION, message=str(exc), field=exc.field)
    return error_response(422, body)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code, ErrorCode.VALIDATION)
    message = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette's Allow names the methods of the first route matching the path only
        # (OPTIONS /cases said "POST"): name every method of every route of this path.
        allowed = allowed_methods(request)
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        message = f"{request.method} is not supported here; use {' or '.join(allowed)}."
    return error_response(exc.status_code, ErrorOut(code=code, message=message), headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes for this request's path (each method is tried
    against the router, however the framework nests included routers)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in routes
        )
    ]


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("The database refused a value on %s %s: %s", request.method, request.url.path, exc)
    return error_response(422, unstorable())


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    # Clients treat any 5xx as transient. Starlette re-raises, so uvicorn logs the trace.
    return error_response(500, ErrorOut(code=ErrorCode.INTERNAL, message=UNEXPECTED))
