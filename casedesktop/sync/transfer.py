"""Files over the network: resumable uploads (tus 1.0 core, creation, checksum) and resumable
downloads (HTTP Range), both verified by sha256.

Upload of an outbox `upload` op (payload: store.attachments.UploadOp, bytes in the blob store):

1. The first time, POST /uploads creates the upload (tus creation) with the file's length and its
   metadata: attachment_id (the client-made id, so a repeated creation finds the same upload),
   case_id, comment_id, filename, content_type and the whole file's sha256. The upload's address
   is stored in the cache (store/uploads.py) before any byte is sent.
2. Every later try asks the server how far it got (HEAD -> Upload-Offset) and sends from there:
   after a cut connection, a timeout or the app killed at any moment, only the chunk in flight is
   sent again, never the file from zero.
3. Each PATCH carries one chunk with `Upload-Checksum: sha256 ...`; a damaged chunk (460) is sent
   again. When the last byte is in, the server checks the whole file's sha256 and the upload
   becomes the attachment; the op is done. Chunks fit the link (CHUNK_SECONDS of it, up to
   CHUNK_BYTES): per-request costs (a round trip, the server's commit and fsync, our cache's
   bookkeeping) stay small beside the bytes; an interruption re-sends at most the one chunk in
   flight. The next chunk is read and hashed on a helper thread while the current one is sent
   (hashlib lets go of the GIL), so checksums cost no time of their own.

Downloads go to `<blobs>/.partial/<attachment id>.part` and continue with `Range: bytes=N-` and
`If-Range: "<sha256>"` (the server's ETag); the file counts only once its sha256 is right, and is
then renamed into the blob store.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from casedesktop.api import CaseOut, ErrorCode, ErrorOut
from casedesktop.api.files import (
    CHECKSUM_MISMATCH_STATUS,
    META_ATTACHMENT_ID,
    META_CASE_ID,
    META_COMMENT_ID,
    META_CONTENT_TYPE,
    META_FILENAME,
    META_SHA256,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    UPLOADS_PATH,
    checksum_header,
    encode_metadata,
)
from casedesktop.api.push import MutationResult, MutationStatus
from casedesktop.i18n import _, format_size
from casedesktop.store import outbox, uploads
from casedesktop.store.attachments import UploadOp
from casedesktop.store.blobs import BlobRef, BlobStore
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.sync.api_client import ApiClient, Rejected, SyncError, TransientError, Unreachable

log = logging.getLogger(__name__)
# PATCH sizes. A chunk cut off is sent again whole, so a chunk should take about CHUNK_SECONDS on
# the link it travels: the first is FIRST_CHUNK_BYTES, each next one is sized from the speed the
# last one went at, up to CHUNK_BYTES. On a 1 Mbit/s uplink an interruption re-sends ~2 s of work,
# not the minutes a big chunk would take; on a fast link few big PATCHes cost fewer round trips
# and server commits (each PATCH costs ~15 ms besides its bytes: a 40 MB file on loopback went
# 20 % faster in 32 MiB chunks than in the 8 MiB the server's /limits suggests). The chunk in
# flight and the one read ahead are in memory: 64 MiB at most.
CHUNK_BYTES = 32 * 1024 * 1024
FIRST_CHUNK_BYTES = 1024 * 1024
MIN_CHUNK_BYTES = 64 * 1024
CHUNK_SECONDS = 2.0
MAX_RESTARTS = 3
Progress = Callable[[str, int, int], None]


@dataclass
class UploadResult:
    done: bool = False
    refused: bool = False
    bytes_sent: int = 0
    changes: Changes = field(default_factory=Changes)


class Uploader:
    def __init__(
        self,
        db: CacheDB,
        client: ApiClient,
        blobs: BlobStore,
        on_progress: Progress | None = None,
        chunk_bytes: int = CHUNK_BYTES,
        chunk_seconds: float = CHUNK_SECONDS,
    ):
        self.db = db
        self.client = client
        self.blobs = blobs
        self.on_progress = on_progress
        self.chunk_bytes = chunk_bytes  # the largest PATCH
        self.chunk_seconds = chunk_seconds

    def upload(self, op: outbox.QueuedOp) -> UploadResult:
        """Send one upload op to the end, or leave it failed (refused) or pending (raises)."""
        spec = UploadOp.from_json(op.payload)
        result = UploadResult()
        outbox.mark_in_flight(self.db, op.seq)
        blob = self.blobs.path_of(spec.sha256)
        if not blob.is_file() or blob.stat().st_size != spec.size:
            error = ErrorOut(code=ErrorCode.VALIDATION, message=(
                _("{name} is no longer in this profile's file store; attach it again.").format(name=spec.filename)))
            return self._refused(op, spec, error, result)
        try:
            self._send(spec, blob, result)
        except Rejected as exc:
            return self._refused(op, spec, exc.error, result)
        except SyncError as exc:
            outbox.mark_pending(self.db, op.seq, str(exc))
            raise
        except BaseException:
            outbox.mark_pending(self.db, op.seq, "interrupted")
            raise
        result.done = True
        result.changes = outbox.finish_one(
            self.db, op.seq, MutationResult(seq=0, id=op.op_id, status=MutationStatus.APPLIED)
        )
        return result

    def _refused(self, op: outbox.QueuedOp, spec: UploadOp, error: ErrorOut,
                 result: UploadResult) -> UploadResult:
        log.info("upload of %s refused: %s", spec.attachment_id, error.message)
        case = None
        try:
            case = self.client.get_case(spec.case_id)
        except SyncError:
            case = None
        result.refused = True
        result.changes = outbox.finish_one(
            self.db, op.seq,
            MutationResult(seq=0, id=op.op_id, status=MutationStatus.REFUSED, error=error,
                           case=case if isinstance(case, CaseOut) else None),
        )
        return result

    def _send(self, spec: UploadOp, blob: Path, result: UploadResult) -> None:
        for _restart in range(MAX_RESTARTS):
            state = uploads.get(self.db, spec.attachment_id)
            if state is None or not state.url:
                upload_id, offset = self._create(spec)
                uploads.started(self.db, spec.attachment_id, upload_id, spec.size, spec.sha256, offset)
            else:
                upload_id = state.url
                try:
                    offset = self._offset(upload_id)
                except Rejected as exc:
                    if exc.status in (404, 410, 422):  # expired, terminated, unknown: make it again
                        uploads.forget(self.db, spec.attachment_id)
                        continue
                    raise
            if self._patch_from(spec, blob, upload_id, offset, result):
                return
        raise TransientError(_("The upload of {name} did not complete; will retry.").format(name=spec.filename))

    def _create(self, spec: UploadOp) -> tuple[str, int]:
        metadata = {
            META_FILENAME: spec.filename,
            META_CASE_ID: spec.case_id,
            META_ATTACHMENT_ID: spec.attachment_id,
            META_SHA256: spec.sha256,
            META_CONTENT_TYPE: spec.content_type,
        }
        if spec.comment_id:
            metadata[META_COMMENT_ID] = spec.comment_id
        response = self.client.http(
            "POST",
            UPLOADS_PATH,
            headers={"Tus-Resumable": TUS_VERSION, "Upload-Length": str(spec.size),
                     "Upload-Metadata": encode_metadata(metadata)},
        )
        upload_id = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
        offset = _header_int(response.headers.get("Upload-Offset"), None)
        if not _is_uuid(upload_id) or offset is None:  # an answer cut off in its headers
            raise Unreachable(_("The server's answer to starting the upload was cut off."))
        return upload_id, offset

    def _offset(self, upload_id: str) -> int:
        response = self.client.http(
            "HEAD", f"{UPLOADS_PATH}/{upload_id}", headers={"Tus-Resumable": TUS_VERSION}
        )
        offset = _header_int(response.headers.get("Upload-Offset"), None)
        if offset is None:
            raise Unreachable(_("The server's answer about the upload was cut off."))
        return offset

    def _patch_from(self, spec: UploadOp, blob: Path, upload_id: str, offset: int,
                    result: UploadResult) -> bool:
        """Send chunks from `offset`; True when the server has the whole file."""
        damaged = 0
        with open(blob, "rb") as source, ThreadPoolExecutor(1, "upload-read") as reader:

            size = min(FIRST_CHUNK_BYTES, self.chunk_bytes)

            def read_at(at: int, size: int) -> tuple[int, bytes, str]:
                """The chunk at `at`: `size` bytes, or the rest of the file when that is at most a
                quarter more (one PATCH, not a second one for a small tail)."""
                left = spec.size - at
                source.seek(at)
                chunk = source.read(left if left <= size + size // 4 else size)
                return at, chunk, checksum_header(chunk)

            ahead: Future[tuple[int, bytes, str]] | None = None
            # The last chunk's bookkeeping in the cache (a commit, so an fsync), written on the
            # helper thread while the next chunk is sent; settled before anything else is noted.
            noted: Future[None] | None = None
            measuring = True  # the first chunk of this call: the link's speed is not known yet
            while offset < spec.size:
                # The chunk read ahead is used if the server wants exactly that offset and it is
                # no more than twice what the link's speed asks for.
                at, chunk, checksum = ahead.result() if ahead is not None else (-1, b"", "")
                if at != offset or len(chunk) > 2 * size:
                    at, chunk, checksum = read_at(offset, size)
                following = offset + len(chunk)
                # While the first chunk measures the link, the second is read as large as a chunk
                # may be: on a fast link it goes as it is (one PATCH fewer), on a slow one it is
                # read again at the size the link asks for.
                next_size = self.chunk_bytes if measuring else size
                measuring = False
                ahead = reader.submit(read_at, following, next_size) if following < spec.size else None
                started = time.monotonic()
                try:
                    response = self.client.http(
                        "PATCH",
                        f"{UPLOADS_PATH}/{upload_id}",
                        data=chunk,
                        headers={
                            "Tus-Resumable": TUS_VERSION,
                            "Content-Type": OFFSET_CONTENT_TYPE,
                            "Upload-Offset": str(offset),
                            "Upload-Checksum": checksum,
                        },
                    )
                except Unreachable:
                    _settle(noted)
                    result.bytes_sent += len(chunk)
                    uploads.progressed(self.db, spec.attachment_id, offset, len(chunk))
                    raise
                except Rejected as exc:
                    _settle(noted)
                    noted = None
                    result.bytes_sent += len(chunk)
                    if exc.status in (404, 410, 422):
                        uploads.forget(self.db, spec.attachment_id)
                        return False
                    if exc.status == 409 and exc.error.code is ErrorCode.OFFSET_MISMATCH:
                        offset = self._offset(upload_id)  # another try got further, or less far
                        continue
                    if exc.status == CHECKSUM_MISMATCH_STATUS:
                        damaged += 1
                        if not self.blobs.verify(_ref(spec)):
                            raise Rejected(exc.status, ErrorOut(
                                code=ErrorCode.CHECKSUM_MISMATCH,
                                message=_("The copy of {name} in this profile is damaged; attach the file "
                                          "again.").format(name=spec.filename))) from exc
                        if damaged > MAX_RESTARTS:
                            raise TransientError(
                                _("{name} keeps arriving damaged; will retry later.").format(name=spec.filename)) from exc
                        offset = self._offset(upload_id)  # 0 after a whole-file mismatch
                        continue
                    raise
                sent = len(chunk)
                size = self._next_chunk(sent, time.monotonic() - started)
                answered = _header_int(response.headers.get("Upload-Offset"), None)
                # No offset in the answer (its headers cut off): ask the server where it stands.
                offset = answered if answered is not None else self._offset(upload_id)
                result.bytes_sent += sent
                _settle(noted)
                noted = reader.submit(uploads.progressed, self.db, spec.attachment_id, offset, sent)
                if self.on_progress is not None:
                    self.on_progress(f"upload:{spec.attachment_id}:{spec.filename}", offset, spec.size)
            _settle(noted)
        return True


    def _next_chunk(self, sent: int, seconds: float) -> int:
        """The next PATCH's size: what the link moved in `chunk_seconds` at the last one's speed."""
        fitting = int(sent / max(seconds, 1e-3) * self.chunk_seconds)
        return max(min(MIN_CHUNK_BYTES, self.chunk_bytes), min(fitting, self.chunk_bytes))


def _settle(noted: Future[None] | None) -> None:
    """Wait for the bookkeeping written in the background (and raise what it raised)."""
    if noted is not None:
        noted.result()


def _ref(spec: UploadOp) -> BlobRef:
    return BlobRef(spec.sha256, spec.size)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def _header_int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- downloads -------------------------------------------------------------------------------


class DownloadError(SyncError):
    """The file cannot be fetched as it should be (it arrived damaged twice)."""


def download(
    client: ApiClient,
    blobs: BlobStore,
    attachment_id: str,
    sha256: str,
    size: int,
    on_progress: Progress | None = None,
    chunk_bytes: int = 256 * 1024,
) -> Path:
    """The attachment's bytes in the blob store, fetched (or resumed) and verified if needed.

    Raises Unreachable/TransientError to try later (the partial file stays and is resumed),
    Rejected when the server refuses (not found, not allowed), DownloadError when it arrived
    damaged twice.
    """
    if blobs.has(sha256):
        return blobs.path_of(sha256)
    partial_dir = blobs.root / ".partial"
    partial_dir.mkdir(parents=True, exist_ok=True)
    partial = partial_dir / f"{attachment_id}.part"
    for _attempt in range(2):
        have = partial.stat().st_size if partial.exists() else 0
        if have > size:
            partial.unlink()
            have = 0
        if have < size:
            _fetch(client, attachment_id, sha256, size, partial, have, on_progress, chunk_bytes)
        partial.touch()  # a 0-byte file has nothing to fetch, but is a file all the same
        if _sha256_of(partial) == sha256:
            target = blobs.path_of(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
            return target
        log.warning("download of %s arrived damaged; fetching it again from the start", attachment_id)
        partial.unlink(missing_ok=True)
    raise DownloadError(_("The file {id} arrived damaged twice; try again later.").format(id=attachment_id))


def _fetch(client: ApiClient, attachment_id: str, sha256: str, size: int, partial: Path,
           have: int, on_progress: Progress | None, chunk_bytes: int) -> None:
    headers = {"Range": f"bytes={have}-", "If-Range": f'"{sha256}"'} if have else {}
    try:
        response = client.http("GET", f"/attachments/{attachment_id}/content", headers=headers,
                               stream=True)
    except Rejected as exc:
        if exc.status == 416:  # the partial file is not a prefix of this file: start over
            partial.unlink(missing_ok=True)
            return
        raise
    with response:
        start = have if response.status_code == 206 else 0
        if response.status_code == 206 and not response.headers.get(
            "Content-Range", ""
        ).startswith(f"bytes {have}-"):
            start = None
        if start is None:
            partial.unlink(missing_ok=True)
            return
        with open(partial, "r+b" if start and partial.exists() else "wb") as out:
            out.seek(start)
            out.truncate(start)
            done = start
            try:
                for piece in response.iter_content(chunk_bytes):
                    out.write(piece)
                    done += len(piece)
                    if on_progress is not None:
                        on_progress(f"download:{attachment_id}", done, size)
            except requests.RequestException as exc:
                out.flush()
                raise Unreachable(_("The download of {id} broke off at {size}.").format(
                    id=attachment_id, size=format_size(done))) from exc
            out.flush()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while piece := handle.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()
