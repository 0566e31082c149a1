"""Where each resumable upload stands: the server's upload resource and its offset as last heard,
so an upload cut off at any point (a lost connection, the app killed) resumes from the server's
offset after a restart, never from zero."""

from __future__ import annotations

from dataclasses import dataclass

from casedesktop.store.database import CacheDB
from casedesktop.store.models import UploadSession
from casedesktop.store.types import utcnow


@dataclass(frozen=True)
class UploadState:
    attachment_id: str
    url: str
    size: int
    sha256: str
    offset: int
    bytes_sent: int


def get(db: CacheDB, attachment_id: str) -> UploadState | None:
    with db.reading() as session:
        row = session.get(UploadSession, attachment_id)
        if row is None:
            return None
        return UploadState(row.attachment_id, row.url, row.size, row.sha256, row.offset, row.bytes_sent)


def started(db: CacheDB, attachment_id: str, url: str, size: int, sha256: str, offset: int) -> None:
    """The server made (or found) the upload resource: remember it before sending a byte."""
    with db.transaction() as session:
        row = session.get(UploadSession, attachment_id)
        now = utcnow()
        if row is None:
            row = UploadSession(attachment_id=attachment_id, bytes_sent=0, created_at=now)
            session.add(row)
        row.url, row.size, row.sha256, row.offset, row.updated_at = url, size, sha256, offset, now


def progressed(db: CacheDB, attachment_id: str, offset: int, sent: int) -> None:
    with db.transaction() as session:
        row = session.get(UploadSession, attachment_id)
        if row is not None:
            row.offset = offset
            row.bytes_sent += sent
            row.updated_at = utcnow()


def forget(db: CacheDB, attachment_id: str) -> None:
    """The server no longer knows the upload (expired, terminated): the next try starts anew."""
    with db.transaction() as session:
        row = session.get(UploadSession, attachment_id)
        if row is not None:
            row.url, row.offset, row.updated_at = "", 0, utcnow()
