"""Request bodies are bounded before they are read, and only a signed-in caller may send a big one.

FastAPI reads a JSON body whole into memory before the endpoint (and its sign-in check) runs: a
1 GiB body sent to /auth/login once took the server from 430 MB to 3.2 GB. This ASGI middleware
answers 413 before reading past a cap: from Content-Length when the request has one (then no byte
of the body is read), else by counting the bytes as they stream in.

- MAX_JSON_BODY (1 MiB) for every endpoint but the two below. The largest single request (a new
  case with every field at its limit, 40,000 characters) is 236 KB as our client writes JSON
  (pydantic: UTF-8, control characters as 6-byte escapes) and 472 KB even when a client escapes
  every character as a `\\uXXXX\\uXXXX` surrogate pair.
- MAX_PUSH_BODY for POST /push, sized for the largest batch the server takes:
  MAX_MUTATIONS_PER_PUSH (500) mutations of MAX_MUTATION_BYTES (256 KiB: the largest mutation as
  our client writes it, 236 KB), plus 64 KiB for the envelope: 125 MiB. (Our client sends 100 at
  a time.) Past MAX_JSON_BODY a push must carry a valid sign-in, checked before another byte is
  read (401 otherwise), so nobody without an account makes the server hold more than 1 MiB of
  any request. A push refused with 413 is not lost: the client then sends its changes one by
  one, each far below MAX_JSON_BODY.
- tus PATCH bodies (`/uploads/{id}`) are never held in memory: uploads.py streams them to
  disk and refuses (413) any byte past the upload's declared length, itself at most the
  attachment limit (Settings.max_upload_bytes); so they are left to it.
"""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from casedesktop.api import API_PREFIX, ErrorCode, ErrorOut
from casedesktop.api.files import UPLOADS_PATH
from casedesktop.api.push import MAX_MUTATIONS_PER_PUSH, PUSH_PATH
from casedesktop.i18n import format_size
from casedesktop.server import auth
from casedesktop.server.errors import ApiError
from casedesktop.server.routes.error_handlers import error_response

KIB = 1024
MAX_JSON_BODY = 1024 * KIB
MAX_MUTATION_BYTES = 256 * KIB
MAX_PUSH_BODY = MAX_MUTATIONS_PER_PUSH * MAX_MUTATION_BYTES + 64 * KIB

_PUSH = API_PREFIX + PUSH_PATH
_UPLOAD_RESOURCE = API_PREFIX + UPLOADS_PATH + "/"
# The connection is closed after a refusal: the rest of the body is never read, so it cannot be
# told apart from the next request on the same connection.
_CLOSE = {"Connection": "close"}


def body_cap(method: str, path: str) -> int | None:
    """The most bytes a request body may have (None: the endpoint streams it, see above)."""
    if method == "PATCH" and path.startswith(_UPLOAD_RESOURCE):
        return None
    return MAX_PUSH_BODY if path.rstrip("/") == _PUSH else MAX_JSON_BODY


def _too_large_message(cap: int) -> str:
    return (
        f"The request body is larger than this server takes here ({format_size(cap)}); "
        "send less at once."
    )


class _TooLarge(HTTPException):
    """Raised while the body streams in: FastAPI lets HTTPExceptions out of its body reading,
    and error_handlers.py answers it as JSON (413, too_large)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, _too_large_message(cap), headers=_CLOSE)


class _NotSignedIn(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer", **_CLOSE})


async def _refusal(scope: Any) -> str | None:
    """None when the request carries a valid bearer token, else why not (a 401's message)."""
    headers = Headers(scope=scope)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return auth.NO_TOKEN
    sessions = scope["app"].state.sessions
    try:
        await run_in_threadpool(auth.caller_of, sessions, token.strip())
    except ApiError as exc:
        return exc.body.message
    return None


class BodyLimit:
    """ASGI middleware: the caps of this module's docstring."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = body_cap(scope["method"], scope["path"])
        if cap is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            body = ErrorOut(code=ErrorCode.TOO_LARGE, message=_too_large_message(cap))
            await error_response(413, body, _CLOSE)(scope, receive, send)
            return
        # Only a signed-in caller may send more than MAX_JSON_BODY (where the cap allows it).
        needs_sign_in = cap > MAX_JSON_BODY
        if needs_sign_in and declared is not None and declared > MAX_JSON_BODY:
            refusal = await _refusal(scope)
            if refusal is not None:
                body = ErrorOut(code=ErrorCode.UNAUTHORIZED, message=refusal)
                headers = {"WWW-Authenticate": "Bearer", **_CLOSE}
                await error_response(401, body, headers)(scope, receive, send)
                return
            needs_sign_in = False
        received = 0

        async def bounded_receive() -> Any:
            nonlocal received, needs_sign_in
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise _TooLarge(cap)
                if needs_sign_in and received > MAX_JSON_BODY:
                    refusal = await _refusal(scope)
                    if refusal is not None:
                        raise _NotSignedIn(refusal)
                    needs_sign_in = False
            return message

        await self.app(scope, bounded_receive, send)


def _content_length(scope: Any) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None  # (the HTTP server itself refuses a malformed one)
    return int(value)
