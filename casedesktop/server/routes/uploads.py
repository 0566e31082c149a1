"""Resumable uploads over HTTP: the tus 1.0 core protocol with the creation, checksum and
termination extensions, so any standard tus client works (the protocol is summed up in
casedesktop/api/files.py). Staging and committing the bytes is services/upload_staging.py.

- POST creates an upload from Upload-Length and Upload-Metadata. A length over the limit is
  refused (413) from the header alone, before any body is read or stored.
- Each PATCH body is streamed straight into the staged file at Upload-Offset while its checksum
  is computed (one pass, no copy), on the upload's locks (held across server processes too). The bytes count only if its
  Upload-Checksum matched (else 460; the bytes are cut off again) and its Upload-Offset is still
  the upload's (else 409), so two racing PATCHes cannot both win. A PATCH cut off mid-body keeps
  the bytes that arrived when it carried no checksum (tus servers do), and nothing when it did (a
  partial chunk cannot be verified).
- A whole file whose sha256 is not the metadata's is discarded (460): start again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from casedesktop.api import WIRE_INT_MAX, ErrorCode, ErrorOut
from casedesktop.api.files import (
    CHECKSUM_ALGORITHMS,
    CHECKSUM_MISMATCH_STATUS,
    META_ATTACHMENT_ID,
    META_CASE_ID,
    META_COMMENT_ID,
    META_CONTENT_TYPE,
    META_FILENAME,
    META_SHA256,
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    UPLOADS_PATH,
    MetadataError,
    decode_metadata,
)
from casedesktop.domain import safe_filename
from casedesktop.i18n import format_size
from casedesktop.server.auth import caller_of
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Upload
from casedesktop.server.routes.deps import Caller, bearer_token, sessions_of, settings_of
from casedesktop.server.services import upload_staging as staging
from casedesktop.server.services.attachments import safe_content_type
from casedesktop.server.services.rights import get_own_upload
from casedesktop.server.storage import BlobStorage

_DIGITS = re.compile(r"\d{1,16}")  # and at most WIRE_INT_MAX, as every number a client sends
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class TusRoute(APIRoute):
    """Every answer of the upload endpoints, errors included, says which tus version it speaks."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except ApiError as exc:
                exc.headers = {**(exc.headers or {}), "Tus-Resumable": TUS_VERSION}
                raise
            response.headers["Tus-Resumable"] = TUS_VERSION
            return response

        return tus_handler


router = APIRouter(
    prefix=UPLOADS_PATH, tags=["uploads"], route_class=TusRoute, default_response_class=Response
)

_TUS_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 412, 413, 415, CHECKSUM_MISMATCH_STATUS)
}
# The tus headers are read as optional strings so that a missing or wrong one gets the answer
# tus prescribes (412 for Tus-Resumable, 400 for the others), never FastAPI's generic 422; the
# schema says what a request really needs (_documented), not what the code's signature allows.
TusVersion = Annotated[str | None, Header(alias="Tus-Resumable", include_in_schema=False)]
_BYTES = {"type": "string", "pattern": r"^[0-9]{1,16}$"}  # a whole number of bytes, as text


def _header(name: str, schema: dict[str, Any], description: str, *, required: bool = True) -> Any:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": schema,
        "description": description,
    }


_TUS_RESUMABLE = _header(
    "Tus-Resumable",
    {"type": "string", "enum": [TUS_VERSION]},
    f"The tus version the client speaks; anything but {TUS_VERSION} (or none) is 412.",
)


def _documented(*headers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """openapi_extra: the tus headers this endpoint requires, besides its own parameters."""
    return {"parameters": [_TUS_RESUMABLE, *headers], **extra}


def _bad(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, ErrorCode.BAD_REQUEST, message, field=field)


def _check_version(tus_resumable: str | None) -> None:
    if tus_resumable != TUS_VERSION:
        raise ApiError(
            412,
            ErrorCode.UNSUPPORTED,
            f"This server speaks tus {TUS_VERSION}; send Tus-Resumable: {TUS_VERSION}.",
            headers={"Tus-Version": TUS_VERSION},
        )


def _number(value: str | None, header: str) -> int:
    if value is None or not _DIGITS.fullmatch(value.strip()) or int(value) > WIRE_INT_MAX:
        raise _bad(f"{header} must be a whole number of bytes.", header)
    return int(value.strip())


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        ErrorCode.TOO_LARGE,
        f"Files can be at most {format_size(limit)}; compress it or share a smaller part.",
    )


def _upload_dir(request: Request) -> Path:
    return request.app.state.upload_dir


def _uuid(meta: dict[str, str], key: str) -> uuid.UUID | None:
    value = meta.get(key, "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _bad(f"Upload-Metadata {key} is not a UUID.", key) from None


def parse_creation(metadata: str | None, length: int) -> staging.NewUpload:
    try:
        meta = decode_metadata(metadata or "")
    except MetadataError as exc:
        raise _bad(f"Upload-Metadata is malformed: {exc}.", "Upload-Metadata") from None
    name = meta.get(META_FILENAME) or meta.get("name") or ""
    if not name.strip():
        raise _bad("Upload-Metadata needs the file's name (filename).", META_FILENAME)
    case_id = _uuid(meta, META_CASE_ID)
    if case_id is None:
        raise _bad("Upload-Metadata needs the case_id the file belongs to.", META_CASE_ID)
    digest = meta.get(META_SHA256, "").strip()
    if digest and not _HEX_SHA256.fullmatch(digest):
        raise _bad("Upload-Metadata sha256 must be 64 hex digits.", META_SHA256)
    filename = safe_filename(name)
    given_type = meta.get(META_CONTENT_TYPE) or meta.get("filetype") or ""
    return staging.NewUpload(
        attachment_id=_uuid(meta, META_ATTACHMENT_ID) or uuid.uuid4(),
        case_id=case_id,
        comment_id=_uuid(meta, META_COMMENT_ID),
        filename=filename,
        content_type=safe_content_type(given_type, filename),
        length=length,
        sha256=digest.lower(),
    )


@router.options("", status_code=204, responses={204: {"description": "What this server supports"}})
def tus_options(request: Request) -> Response:
    """tus discovery: version, extensions, the size limit and the checksum algorithm."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(TUS_EXTENSIONS),
            "Tus-Max-Size": str(settings_of(request).max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


@router.post(
    "",
    status_code=201,
    responses={
        201: {
            "description": "Created: Location names the upload, Upload-Offset says how far it is",
            "headers": {
                "Location": {"schema": {"type": "string"}},
                "Upload-Offset": {"schema": _BYTES},
            },
        },
        **_TUS_ERRORS,
    },
    openapi_extra=_documented(
        _header("Upload-Length", _BYTES, "The whole file's size in bytes (400 without it)."),
        _header(
            "Upload-Metadata",
            {"type": "string", "minLength": 1},
            "tus metadata: `key base64,key base64,...` with filename and case_id (400 without "
            "them), and optionally attachment_id, comment_id, sha256 and content_type.",
        ),
    ),
)
def create_upload(
    request: Request,
    user: Caller,
    tus_resumable: TusVersion = None,
    upload_length: Annotated[
        str | None, Header(alias="Upload-Length", include_in_schema=False)
    ] = None,
    upload_metadata: Annotated[
        str | None, Header(alias="Upload-Metadata", include_in_schema=False)
    ] = None,
) -> Response:
    """Start an upload (tus creation). Metadata: filename, case_id, attachment_id, and optionally
    comment_id, sha256 (hex, of the whole file) and content_type. A retried creation with the
    same attachment_id answers with the same upload."""
    _check_version(tus_resumable)
    if request.headers.get("upload-defer-length") is not None:
        raise _bad("Upload-Defer-Length is not supported: send Upload-Length.", "Upload-Length")
    length = _number(upload_length, "Upload-Length")
    limit = settings_of(request).max_upload_bytes
    if length > limit:
        raise _too_large(limit)  # refused from the header alone: no byte is read or stored
    wanted = parse_creation(upload_metadata, length)
    sessions = sessions_of(request)
    storage: BlobStorage = request.app.state.storage
    upload_dir = _upload_dir(request)
    upload_dir.mkdir(parents=True, exist_ok=True)

    upload = sessions.run_write(
        lambda session: staging.start(session, storage, upload_dir, user, wanted)
    )
    location = str(request.url_for("upload_resource", upload_id=str(upload.id)))
    return Response(
        status_code=201,
        headers={"Location": location, "Upload-Offset": str(staging.offset_of(upload))},
    )


def _progress_headers(upload: Upload) -> dict[str, str]:
    return {
        "Upload-Offset": str(staging.offset_of(upload)),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }


@router.head(
    "/{upload_id}",
    name="upload_resource",
    responses={
        200: {
            "description": "Upload-Offset: the bytes the server has; Upload-Length: the size",
            "headers": {"Upload-Offset": {"schema": _BYTES}, "Upload-Length": {"schema": _BYTES}},
        },
        **_TUS_ERRORS,
    },
    openapi_extra=_documented(),
)
def upload_status(
    request: Request, user: Caller, upload_id: uuid.UUID, tus_resumable: TusVersion = None
) -> Response:
    """How many bytes the server has (Upload-Offset): resume from there."""
    _check_version(tus_resumable)
    upload = sessions_of(request).run_read(lambda session: get_own_upload(session, user, upload_id))
    return Response(status_code=200, headers=_progress_headers(upload))


@router.delete(
    "/{upload_id}",
    status_code=204,
    responses={204: {"description": "Forgotten"}, **_TUS_ERRORS},
    openapi_extra=_documented(),
)
def terminate_upload(
    request: Request, user: Caller, upload_id: uuid.UUID, tus_resumable: TusVersion = None
) -> Response:
    """Forget an unfinished upload and its bytes (tus termination). A finished upload is already
    an attachment, which stays."""
    _check_version(tus_resumable)
    upload_dir = _upload_dir(request)
    sessions_of(request).run_write(
        lambda session: staging.forget(session, user, upload_id, upload_dir)
    )
    return Response(status_code=204)


@router.patch(
    "/{upload_id}",
    status_code=204,
    responses={
        204: {
            "description": "Stored; Upload-Offset says how far",
            "headers": {"Upload-Offset": {"schema": _BYTES}},
        },
        **_TUS_ERRORS,
    },
    openapi_extra=_documented(
        _header("Upload-Offset", _BYTES, "Where this chunk goes: the server's offset (else 409)."),
        _header(
            "Upload-Checksum",
            {"type": "string", "pattern": f"^({'|'.join(CHECKSUM_ALGORITHMS)}) [A-Za-z0-9+/]+=*$"},
            "`<algorithm> <base64 digest>` of this chunk (460 when it does not match).",
            required=False,
        ),
        requestBody={
            "required": True,
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
    ),
)
async def upload_chunk(
    request: Request,
    upload_id: uuid.UUID,
    tus_resumable: TusVersion = None,
    upload_offset: Annotated[
        str | None, Header(alias="Upload-Offset", include_in_schema=False)
    ] = None,
    upload_checksum: Annotated[
        str | None, Header(alias="Upload-Checksum", include_in_schema=False)
    ] = None,
    content_type: Annotated[
        str | None, Header(alias="Content-Type", include_in_schema=False)
    ] = None,
) -> Response:
    """Append the body at Upload-Offset; `Upload-Checksum: sha256 <base64>` guards the chunk."""
    token = bearer_token(request)
    sessions = sessions_of(request)
    upload_dir = _upload_dir(request)

    def look() -> tuple[CurrentUser, int, Checksum | None, Upload]:
        # One trip to a worker thread for who is calling and where the upload stands (this is
        # the per-chunk cost); the checks answer in the same order as on every endpoint: 401
        # (the caller), then 412, 415, 400 (the request), then 404 (the upload).
        user = caller_of(sessions, token)
        _check_version(tus_resumable)
        if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
            raise ApiError(
                415,
                ErrorCode.UNSUPPORTED,
                f"Send the bytes as Content-Type: {OFFSET_CONTENT_TYPE}.",
            )
        offset = _number(upload_offset, "Upload-Offset")
        checksum = _parse_checksum(upload_checksum)
        upload = sessions.run_read(lambda session: get_own_upload(session, user, upload_id))
        return user, offset, checksum, upload

    # Taken before the upload is read, so a PATCH that held them (in this process or another
    # server process) cannot have moved the offset since; a stranger's id only makes locks (and
    # a lock file) that the 401 or 404 lets go again.
    locks: staging.UploadLocks = request.app.state.upload_locks
    async with locks.hold(upload_dir, upload_id):
        user, offset, checksum, upload = await run_in_threadpool(look)
        server_offset = staging.offset_of(upload)
        if offset != server_offset:
            raise staging.offset_mismatch(server_offset)
        if upload.completed_at is not None:  # a retried last PATCH: already done
            return Response(status_code=204, headers=_progress_headers(upload))
        remaining = upload.length - offset
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > remaining:
            raise ApiError(
                413, ErrorCode.TOO_LARGE, f"Only {remaining} more bytes fit this upload's length."
            )
        upload_dir.mkdir(parents=True, exist_ok=True)
        part = staging.part_path(upload_dir, upload.id)
        if staging.staged_size(part) < offset:
            # The staged bytes were lost (a disk cleaned, a failed finish): start again at 0.
            await run_in_threadpool(staging.restart, sessions, user, upload_id, offset)
            raise staging.offset_mismatch(0)
        algorithm = checksum.algorithm if checksum else "sha256"
        size, digest, complete = await _receive(request, part, offset, remaining, algorithm)
        if checksum is not None:
            if not complete:  # cut off: a partial chunk cannot be verified, so keep nothing
                staging.cut(part, offset)
                raise ApiError(400, ErrorCode.BAD_REQUEST, "The request body was cut off.")
            if digest != checksum.digest:
                staging.cut(part, offset)
                raise staging.checksum_mismatch(
                    "The chunk arrived damaged (checksum mismatch); send it again."
                )
        result = await run_in_threadpool(
            staging.commit,
            sessions,
            request.app.state.storage,
            user,
            upload_id,
            offset,
            part,
            size,
            upload.length,
        )
    if result.whole_file_mismatch:
        raise staging.checksum_mismatch(
            "The file arrived damaged (its sha256 does not match); upload it again from the start."
        )
    return Response(status_code=204, headers=_progress_headers(result.upload))


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def _parse_checksum(header: str | None) -> Checksum | None:
    """`Upload-Checksum: <algorithm> <base64 digest>`; 400 for an unknown algorithm (tus)."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise _bad(
            f"Upload-Checksum must use one of {', '.join(CHECKSUM_ALGORITHMS)}.",
            "Upload-Checksum",
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise _bad(
            f"Upload-Checksum must be: {algorithm} <base64 of the digest>.", "Upload-Checksum"
        )
    return Checksum(algorithm, digest)


async def _receive(
    request: Request, part: Path, offset: int, limit: int, algorithm: str
) -> tuple[int, bytes, bool]:
    """Stream the body into `part` from `offset` (anything after it is cut off first); returns
    its size, its digest, and whether it arrived whole. Bytes past `limit` are refused (413)."""
    hasher = hashlib.new(algorithm)
    size = 0
    complete = True
    with staging.writing_at(part, offset) as handle:
        try:
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    raise ApiError(
                        413,
                        ErrorCode.TOO_LARGE,
                        f"Only {limit} more bytes fit this upload's length.",
                    )
                hasher.update(piece)
                handle.write(piece)
        except ClientDisconnect:
            complete = False
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) != size:
        complete = False
    return size, hasher.digest(), complete
