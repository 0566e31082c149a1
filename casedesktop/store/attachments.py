"""Files the user attaches: checked against the limits, copied into the blob store at once, then
recorded (with an `upload` op in the outbox) in the same transaction as the case or reply."""

from __future__ import annotations

import json
import mimetypes
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from casedesktop.domain import (
    MAX_ATTACHMENT_BYTES,
    MAX_TOTAL_ATTACHMENT_BYTES,
    ValidationError,
    safe_filename,
    validate_attachments,
)
from casedesktop.i18n import _
from casedesktop.store.blobs import BlobRef, BlobStore
from casedesktop.store.models import AttachmentRow, OutboxOp

UPLOAD_KIND = "upload"


class AttachmentError(Exception):
    """A file cannot be attached; the message names it and says why."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__(" ".join(e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PreparedFile:
    """A file already safe in the blob store, waiting to be attached to a case or reply."""

    filename: str
    size: int
    sha256: str
    content_type: str

    @property
    def ref(self) -> BlobRef:
        return BlobRef(self.sha256, self.size)


@dataclass(frozen=True)
class UploadOp:
    """The outbox payload of an upload: which blob goes where on the server."""

    attachment_id: str
    case_id: str
    comment_id: str | None
    filename: str
    size: int
    sha256: str
    content_type: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, payload: str) -> UploadOp:
        return cls(**json.loads(payload))


def check_files(paths: list[Path], max_bytes: int = MAX_ATTACHMENT_BYTES,
                max_total: int = MAX_TOTAL_ATTACHMENT_BYTES) -> list[tuple[Path, int]]:
    """Refuse folders, unreadable and over-size files before anything is copied."""
    sized: list[tuple[Path, int]] = []
    errors: list[ValidationError] = []
    for path in paths:
        if path.is_dir():
            errors.append(ValidationError("attachments", _("{name} is a folder; attach the files inside it (or a zip of it).")
                                          .format(name=path.name)))
            continue
        try:
            with open(path, "rb"):
                pass
            sized.append((path, path.stat().st_size))
        except OSError as exc:
            errors.append(ValidationError("attachments", _("Cannot read {name}: {reason}.").format(
                name=path.name, reason=exc.strerror or exc)))
    errors += validate_attachments([(p.name, size) for p, size in sized], max_bytes, max_total)
    if errors:
        raise AttachmentError(errors)
    return sized


def prepare_files(blobs: BlobStore, paths: list[Path], max_bytes: int = MAX_ATTACHMENT_BYTES,
                  already: int = 0) -> list[PreparedFile]:
    """Check, then copy each file into the blob store (the original may move or vanish afterwards)."""
    sized = check_files(paths, max_bytes, MAX_TOTAL_ATTACHMENT_BYTES - already)
    prepared = []
    for path, _size in sized:
        try:
            ref = blobs.add_file(path)
        except OSError as exc:
            raise AttachmentError([ValidationError("attachments", _("Cannot copy {name}: {reason}.").format(
                name=path.name, reason=exc.strerror or exc))]) from exc
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        prepared.append(PreparedFile(safe_filename(path.name), ref.size, ref.sha256, content_type))
    return prepared


def record(session: Session, files: list[PreparedFile], case_id: str, comment_id: str | None,
           uploader: str, staff_only: bool, now: datetime) -> list[str]:
    """Inside the caller's transaction: one attachment row and one upload op per file."""
    ids = []
    for file in files:
        attachment_id = str(uuid.uuid4())
        session.add(AttachmentRow(
            id=attachment_id, case_id=case_id, comment_id=comment_id, filename=file.filename,
            size=file.size, sha256=file.sha256, content_type=file.content_type,
            uploader_name=uploader, staff_only=staff_only, created_at=now,
        ))
        op = UploadOp(attachment_id, case_id, comment_id, file.filename, file.size, file.sha256, file.content_type)
        session.add(OutboxOp(op_id=attachment_id, case_id=case_id, kind=UPLOAD_KIND, payload=op.to_json(),
                             created_at=now, updated_at=now))
        ids.append(attachment_id)
    return ids
