"""Attachments over HTTP: listing, metadata, and downloads with Range support, served so that a
browser or a client never runs or renders them (attachment disposition, nosniff, a safe content
type).

The file name a user gave is kept for display only, made safe by domain.safe_filename (the one
rule of client and server: no bidi, zero-width or control characters, no Windows device names or
trailing dots) when stored, and again when sent (rows stored before the rule got stricter); the
bytes live under a server-made key.
"""

from __future__ import annotations

import itertools
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import StreamingResponse

from casedesktop.api import AttachmentOut, ErrorCode, ErrorOut
from casedesktop.api.files import content_disposition
from casedesktop.domain import safe_filename
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Attachment
from casedesktop.server.routes.deps import Caller, sessions_of
from casedesktop.server.services.attachments import (
    SAFE_CONTENT_TYPES,
    list_attachments,
    safe_content_type,
)
from casedesktop.server.services.rights import get_visible_attachment
from casedesktop.server.services.serialize import attachment_out
from casedesktop.server.storage import BlobStorage

log = logging.getLogger(__name__)

router = APIRouter(tags=["attachments"])


_RANGE = re.compile(r"\s*bytes\s*=\s*(\d{0,30})\s*-\s*(\d{0,30})\s*", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The [start, end) of a single `bytes=` range; None to send the whole file (no header, a
    malformed one, or several ranges, all of which RFC 9110 lets a server answer with 200).
    Raises 416 when the range cannot be satisfied."""
    match = _RANGE.fullmatch(header or "")
    if match is None or not (match[1] or match[2]):
        return None
    first, last = match[1], match[2]
    if not first:  # a suffix: the last N bytes
        if int(last) == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(0, size - int(last)), size
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignore the header
    if start >= size:
        raise _unsatisfiable(size)
    return start, min(int(last) + 1, size) if last else size


def _unsatisfiable(size: int) -> ApiError:
    return ApiError(
        416,
        ErrorCode.RANGE_NOT_SATISFIABLE,
        f"The requested range is past the end of the file ({size} bytes).",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _download_headers(attachment: Attachment) -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(safe_filename(attachment.filename)),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Accept-Ranges": "bytes",
        "ETag": f'"{attachment.sha256}"',
        "Cache-Control": "private, no-cache",
    }


@router.get("/cases/{case_id}/attachments", response_model=list[AttachmentOut])
def case_attachments(request: Request, user: Caller, case_id: uuid.UUID) -> list[AttachmentOut]:
    """The case's files (its own and its comments'); customers never see staff-only ones."""
    return sessions_of(request).run_read(lambda session: list_attachments(session, user, case_id))


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut)
def attachment(request: Request, user: Caller, attachment_id: uuid.UUID) -> AttachmentOut:
    return sessions_of(request).run_read(
        lambda session: attachment_out(get_visible_attachment(session, user, attachment_id))
    )


# A download is sent as one of these types (its own when harmless, else octet-stream).
_FILE_CONTENT = {
    content_type: {"schema": {"type": "string", "format": "binary"}}
    for content_type in sorted(SAFE_CONTENT_TYPES)
}
_DOWNLOAD_HEADERS = {
    name: {"schema": {"type": "string"}, "description": description}
    for name, description in (
        ("Content-Disposition", "attachment, with the file's name"),
        ("ETag", "the file's sha256, quoted: send it back as If-Range"),
        ("Accept-Ranges", "bytes"),
    )
}


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses={
        200: {"content": _FILE_CONTENT, "description": "The whole file"},
        206: {"content": _FILE_CONTENT, "description": "The requested range"},
        416: {"model": ErrorOut, "description": "The range is past the end of the file"},
    },
)
def download(
    request: Request,
    user: Caller,
    attachment_id: uuid.UUID,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    """The file's bytes, as an attachment; `Range: bytes=start-end` resumes a download."""
    found = sessions_of(request).run_read(
        lambda session: get_visible_attachment(session, user, attachment_id)
    )
    storage: BlobStorage = request.app.state.storage
    size = found.size
    headers = _download_headers(found)
    content_type = safe_content_type(found.content_type, found.filename)
    wanted = range_ if if_range in (None, headers["ETag"]) else None
    span = parse_range(wanted, size)
    if span is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _opened(storage, found.storage_key, 0, size), media_type=content_type, headers=headers
        )
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    return StreamingResponse(
        _opened(storage, found.storage_key, start, end),
        status_code=206,
        media_type=content_type,
        headers=headers,
    )


@router.head(
    "/attachments/{attachment_id}/content",
    response_class=Response,
    responses={
        200: {
            "description": "What GET would send, without the bytes: Content-Length is the "
            "file's size, Content-Type its type",
            "headers": _DOWNLOAD_HEADERS,
        }
    },
)
def download_head(request: Request, user: Caller, attachment_id: uuid.UUID) -> Response:
    """The download's headers without its bytes (download managers ask first). A Range header
    is ignored, as RFC 9110 says for HEAD: Accept-Ranges tells that ranges work."""
    found = sessions_of(request).run_read(
        lambda session: get_visible_attachment(session, user, attachment_id)
    )
    headers = {**_download_headers(found), "Content-Length": str(found.size)}
    content_type = safe_content_type(found.content_type, found.filename)
    return Response(status_code=200, media_type=content_type, headers=headers)


def _opened(storage: BlobStorage, key: str, start: int, end: int) -> Iterator[bytes]:
    """The stream with its first piece read before any header goes out: a stored copy that is
    missing or cannot be read now is a 503 the client retries, not a 200 that ends early."""
    pieces = _stream(storage, key, start, end)
    try:
        first = next(pieces, b"")
    except Exception:
        log.exception("the stored copy of attachment %s cannot be read", key)
        raise ApiError(
            503,
            ErrorCode.INTERNAL,
            "The file's stored copy cannot be read right now. Try again later.",
            headers={"Retry-After": "30"},
        ) from None
    return itertools.chain((first,), pieces)


def _stream(storage: BlobStorage, key: str, start: int, end: int) -> Iterator[bytes]:
    if end <= start:
        return
    yield from storage.read(key, start, end)
