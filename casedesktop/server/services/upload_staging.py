"""Staged uploads: where unfinished bytes wait, who writes them when, and how a finished upload
becomes an attachment of its case. Plain Python under the tus protocol of routes/uploads.py.

- The bytes are staged under the data dir as <upload id>.part, never under the client's file
  name, and the upload is private to the person who started it.
- Writers of one upload take turns (UploadLocks): on an asyncio lock in this process, then on an
  OS lock beside the staged file that every server process staging into the same folder takes
  (`serve --workers N`, several `serve`), so no two write the staged file at once, and the
  offset each one checks is still the row's when it writes. The bytes count only once the
  upload's row says so: `commit` moves
  `received` to the write's end only if the write started where the row says (else 409), under
  the row's lock, after one fsync outside any transaction; anything past `received` is cut off
  by the next write.
- When the last byte is in, the whole file's sha256 is checked against the one promised; the
  bytes move into the blob storage under the attachment's id, and an Attachment row and a
  change-feed entry are written in one transaction. A mismatch discards the bytes: start again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.api.files import CHECKSUM_MISMATCH_STATUS, META_COMMENT_ID
from casedesktop.domain import MAX_TOTAL_ATTACHMENT_BYTES, CommentKind
from casedesktop.i18n import format_size
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions
from casedesktop.server.errors import ApiError, not_found
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Attachment, Case, Comment, Upload
from casedesktop.server.services import changelog
from casedesktop.server.services.rights import get_own_upload, get_visible_case
from casedesktop.server.storage import BlobStorage

_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class NewUpload:
    """What a creation request asks for, checked for form before the database is touched."""

    attachment_id: uuid.UUID
    case_id: uuid.UUID
    comment_id: uuid.UUID | None
    filename: str
    content_type: str
    length: int
    sha256: str


def part_path(upload_dir: Path, upload_id: uuid.UUID) -> Path:
    return upload_dir / f"{upload_id.hex}.part"


def staged_size(part: Path) -> int:
    """The bytes on disk for an upload (fewer than it counts when they were lost)."""
    return part.stat().st_size if part.exists() else 0


def offset_of(upload: Upload) -> int:
    """The bytes the server has of the upload: where the next write must start."""
    return upload.length if upload.completed_at is not None else upload.received


def offset_mismatch(server_offset: int) -> ApiError:
    return ApiError(
        409,
        ErrorCode.OFFSET_MISMATCH,
        f"The server has {server_offset} bytes of this upload; resume from there.",
        headers={"Upload-Offset": str(server_offset)},
    )


def checksum_mismatch(message: str) -> ApiError:
    return ApiError(CHECKSUM_MISMATCH_STATUS, ErrorCode.CHECKSUM_MISMATCH, message)


class UploadLocks:
    """PATCHes of one upload take turns, in this process and across server processes.

    First on an asyncio lock per upload in this process (kept while anyone holds or waits for
    it), so a second PATCH here waits without taking a worker thread; then on `ProcessLock`, an
    OS lock on `<upload id>.lock` in the upload folder, which the other processes take too."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _in_process(self, upload_id: uuid.UUID) -> asyncio.Lock:
        lock = self._locks.get(upload_id)
        if lock is None:
            lock = self._locks[upload_id] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def hold(self, upload_dir: Path, upload_id: uuid.UUID) -> AsyncIterator[None]:
        """Both locks of the upload, for as long as the block runs."""
        async with self._in_process(upload_id):
            lock = ProcessLock(upload_dir / f"{upload_id.hex}.lock")
            await lock.acquire()
            try:
                yield
            finally:
                lock.release()


_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.05  # seconds between tries while another process holds it

if sys.platform == "win32":
    import msvcrt

    def _lock_now(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_now(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class ProcessLock:
    """An exclusive lock on a file, held by one process at a time (flock, or msvcrt on Windows);
    the OS drops it when its process dies, so a crash never leaves an upload locked.

    The file is removed on release, so only uploads being written have one. That is safe because
    whoever gets the lock then checks that the path still names the file it locked, and starts
    over if not: a waiter that locked a file just removed never runs beside a newcomer who
    created the next one. Waiting polls on the event loop: no thread is spent on it."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if _lock_now(fd) and _names(self.path, fd):
                self._fd = fd
                return True
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # which drops a lock won on a file the path no longer names
        return False

    async def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pause = _FIRST_PAUSE
        while not self.try_acquire():
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":  # an open file cannot be removed there: close first
            _unlock(fd)
            os.close(fd)
            with suppress(OSError):  # another process has it open: it stays for them
                self.path.unlink()
            return
        with suppress(FileNotFoundError):
            self.path.unlink()  # while still held, so a waiter sees it gone and starts over
        _unlock(fd)
        os.close(fd)


def _names(path: Path, fd: int) -> bool:
    """Whether `path` is still the file open as `fd`."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def start(
    session: Session,
    storage: BlobStorage,
    upload_dir: Path,
    user: CurrentUser,
    wanted: NewUpload,
) -> Upload:
    """The upload `wanted` asks for (a retried creation with the same attachment id finds the same
    one); an empty file is finished at once."""
    upload = _create(session, user, wanted, utcnow())
    if upload.length == 0 and upload.completed_at is None:
        part = part_path(upload_dir, upload.id)
        part.touch()
        if finish(session, storage, upload, part, utcnow()) is None:
            raise checksum_mismatch("The sha256 given for this empty file is not that of no bytes.")
    return upload


def _create(session: Session, user: CurrentUser, wanted: NewUpload, now: datetime) -> Upload:
    case = get_visible_case(session, user, wanted.case_id)
    staff_only = False
    if wanted.comment_id is not None:
        comment = session.get(Comment, wanted.comment_id)
        internal = comment is not None and comment.kind == CommentKind.INTERNAL.value
        if (
            comment is None
            or comment.case_id != case.id
            or (internal and not user.is_staff)
            or comment.deleted_at is not None  # a deleted note takes no more files
        ):
            raise not_found("comment")
        if comment.author_id != user.id:
            raise ApiError(
                403,
                ErrorCode.FORBIDDEN,
                "You can attach files only to your own replies and notes.",
                field=META_COMMENT_ID,
            )
        staff_only = internal
    existing = session.scalar(select(Upload).where(Upload.attachment_id == wanted.attachment_id))
    if existing is not None:
        same = (
            existing.uploader_id == user.id
            and existing.case_id == case.id
            and existing.comment_id == wanted.comment_id
            and existing.length == wanted.length
        )
        if not same:
            raise ApiError(
                409, ErrorCode.CONFLICT, "This attachment id is already used by another file."
            )
        return existing
    if session.get(Attachment, wanted.attachment_id) is not None:
        raise ApiError(
            409, ErrorCode.CONFLICT, "This attachment id is already used by another file."
        )
    _check_total(session, case.id, wanted)
    upload = Upload(
        attachment_id=wanted.attachment_id,
        case_id=case.id,
        comment_id=wanted.comment_id,
        uploader_id=user.id,
        filename=wanted.filename,
        content_type=wanted.content_type,
        length=wanted.length,
        received=0,
        sha256=wanted.sha256,
        staff_only=staff_only,
        created_at=now,
    )
    session.add(upload)
    session.flush()
    return upload


def _check_total(session: Session, case_id: uuid.UUID, wanted: NewUpload) -> None:
    """All files of one case (or of one comment) together stay within the domain's limit;
    unfinished uploads count, so parallel ones cannot slip past it."""
    if wanted.comment_id is None:
        same_place = Upload.comment_id.is_(None)
    else:
        same_place = Upload.comment_id == wanted.comment_id
    used = session.scalar(
        select(func.coalesce(func.sum(Upload.length), 0)).where(
            Upload.case_id == case_id, same_place
        )
    )
    if int(used or 0) + wanted.length > MAX_TOTAL_ATTACHMENT_BYTES:
        raise ApiError(
            413,
            ErrorCode.TOO_LARGE,
            f"Files on one case or reply can add up to {format_size(MAX_TOTAL_ATTACHMENT_BYTES)}; "
            "this one would pass that.",
        )


def purge_stale_uploads(session: Session, upload_dir: Path, older_than: datetime) -> int:
    """Forget unfinished uploads started before `older_than`, and their staged bytes."""
    stale = list(
        session.scalars(
            select(Upload).where(Upload.completed_at.is_(None), Upload.created_at < older_than)
        )
    )
    for upload in stale:
        session.delete(upload)
        part_path(upload_dir, upload.id).unlink(missing_ok=True)
    return len(stale)


def forget(session: Session, user: CurrentUser, upload_id: uuid.UUID, upload_dir: Path) -> None:
    """Drop an unfinished upload and its bytes; a finished one is already an attachment, which
    stays."""
    upload = get_own_upload(session, user, upload_id, for_update=True)
    if upload.completed_at is None:
        session.delete(upload)
        part_path(upload_dir, upload.id).unlink(missing_ok=True)


def cut(part: Path, offset: int) -> None:
    """Drop whatever a failed PATCH wrote past `offset` (the bytes that count); at 0, the file."""
    if offset == 0:
        part.unlink(missing_ok=True)
        return
    with open(part, "r+b") as handle:
        handle.truncate(offset)


@contextmanager
def writing_at(part: Path, offset: int) -> Iterator[BinaryIO]:
    """The staged file, open to write at `offset` (bytes of an earlier write that never counted
    are cut off first); whatever fails while it is open cuts it back to `offset`."""
    try:
        with open(part, "r+b" if part.exists() else "wb") as handle:
            handle.truncate(offset)
            handle.seek(offset)
            yield handle
    except BaseException:
        cut(part, offset)
        raise


def restart(sessions: Sessions, user: CurrentUser, upload_id: uuid.UUID, offset: int) -> None:
    """Count none of the upload's bytes again (its staged file was lost), if nothing moved."""

    def work(session: Session) -> None:
        upload = get_own_upload(session, user, upload_id, for_update=True)
        if upload.completed_at is None and upload.received == offset:
            upload.received = 0

    sessions.run_write(work)


@dataclass(frozen=True)
class CommitResult:
    upload: Upload
    whole_file_mismatch: bool = False


def commit(
    sessions: Sessions,
    storage: BlobStorage,
    user: CurrentUser,
    upload_id: uuid.UUID,
    offset: int,
    part: Path,
    size: int,
    length: int,
) -> CommitResult:
    """Count the bytes written at `offset` under the upload's row lock; finish when complete.

    The fsync comes first and outside the transaction: SQLite's one writer is never held up by
    the disk, and the row never counts bytes that are not on it."""
    with open(part, "rb") as handle:
        os.fsync(handle.fileno())
    # The last PATCH: the whole file's sha256 is taken here too, not while holding the writer.
    digest = sha256_of(part) if offset + size == length else None
    with sessions.writing() as session:
        upload = get_own_upload(session, user, upload_id, for_update=True)
        if upload.completed_at is not None or upload.received != offset:
            raise offset_mismatch(offset_of(upload))
        upload.received = offset + size
        mismatch = False
        if upload.received == upload.length:
            mismatch = finish(session, storage, upload, part, utcnow(), digest) is None
            if mismatch:  # start over: keep nothing of a file that is wrong somewhere
                upload.received = 0
                part.unlink(missing_ok=True)
        session.commit()
        return CommitResult(upload, mismatch)


def sha256_of(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        while piece := handle.read(_COPY_CHUNK):
            hasher.update(piece)
    return hasher.hexdigest()


def finish(
    session: Session,
    storage: BlobStorage,
    upload: Upload,
    part: Path,
    now: datetime,
    digest: str | None = None,
) -> Attachment | None:
    """The complete upload becomes an attachment; None when its sha256 is not the one promised.
    `digest` is the staged file's sha256 when the caller already took it."""
    if digest is None:
        digest = sha256_of(part)
    if upload.sha256 and digest != upload.sha256:
        return None
    case = session.scalar(select(Case).where(Case.id == upload.case_id).with_for_update(of=Case))
    assert case is not None  # uploads are only ever made for existing cases
    key = upload.attachment_id.hex
    attachment = Attachment(
        id=upload.attachment_id,
        case_id=upload.case_id,
        comment_id=upload.comment_id,
        uploader_id=upload.uploader_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.length,
        sha256=digest,
        staff_only=upload.staff_only,
        storage_key=key,
        created_at=now,
    )
    session.add(attachment)
    upload.completed_at = now
    storage.put(key, part)
    try:
        if upload.staff_only:  # a file on an internal note leaves the case as customers see it
            changelog.record(session, case, attachment)
        else:
            case.updated_at = now
            changelog.record(session, case, case, attachment)
    except Exception:
        storage.delete(key)
        raise
    return attachment
