"""Which files of a case a caller may list, and the type a file is served as: a type a viewer
shows without running anything passes, any other goes out as application/octet-stream."""

from __future__ import annotations

import mimetypes
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import AttachmentOut
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Attachment
from casedesktop.server.services.rights import get_visible_case, on_a_kept_note
from casedesktop.server.services.serialize import attachment_out

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Types a viewer shows without running anything. Everything else (HTML, SVG, XML, scripts...) is
# served as application/octet-stream, so no browser or viewer ever interprets it as a page.
SAFE_CONTENT_TYPES = frozenset(
    {
        "application/gzip",
        "application/json",
        "application/msword",
        "application/octet-stream",
        "application/pdf",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/x-7z-compressed",
        "application/x-tar",
        "application/zip",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "image/bmp",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/webp",
        "text/csv",
        "text/plain",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-matroska",
    }
)


def safe_content_type(given: str, filename: str) -> str:
    """The type the client gave (or one guessed from the name) if it is harmless, else a
    generic binary type."""
    wanted = given.split(";")[0].strip().lower()
    if not wanted or wanted == DEFAULT_CONTENT_TYPE:
        wanted = (mimetypes.guess_type(filename, strict=False)[0] or "").lower()
    return wanted if wanted in SAFE_CONTENT_TYPES else DEFAULT_CONTENT_TYPE


def list_attachments(
    session: Session, user: CurrentUser, case_id: uuid.UUID
) -> list[AttachmentOut]:
    get_visible_case(session, user, case_id)
    query = select(Attachment).where(Attachment.case_id == case_id, on_a_kept_note())
    if not user.is_staff:
        query = query.where(Attachment.staff_only.is_(False))
    rows = session.scalars(query.order_by(Attachment.created_at, Attachment.id))
    return [attachment_out(row) for row in rows]
