"""The refusal every layer raises: an HTTP status and an ErrorOut with a stable code.

Plain Python, so services raise it without knowing FastAPI; routes/error_handlers.py turns it (and
every other error) into the JSON answer.
"""

from __future__ import annotations

from casedesktop.api import ErrorCode, ErrorOut
from casedesktop.domain import Status


class ApiError(Exception):
    """Raised by services and request handlers; answered as an ErrorOut with this HTTP status."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        current_status: Status | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status_code = status_code
        self.body = ErrorOut(code=code, message=message, field=field, current_status=current_status)
        self.headers = headers


def not_found(what: str = "case") -> ApiError:
    return ApiError(404, ErrorCode.NOT_FOUND, f"No such {what}, or you may not see it.")


UNSTORABLE = "A value in this request cannot be stored (out of range or malformed)."


def unstorable() -> ErrorOut:
    """The answer when the database refuses a value as invalid (a DataError: PostgreSQL's class
    22, e.g. a number out of range or a NUL character). The request models refuse such values
    first (api.models); this is the net under them: the same request fails the same way every
    time, so it is a refusal (422), never a 500 that a client would retry for ever."""
    return ErrorOut(code=ErrorCode.VALIDATION, message=UNSTORABLE)
