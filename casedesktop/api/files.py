"""Resumable uploads and downloads of attachments: the tus 1.0 core protocol as this API uses it.

Standard tus clients work unchanged; these names and helpers are for our own sync client.

    OPTIONS {API_PREFIX}/uploads          -> Tus-Version, Tus-Extension, Tus-Max-Size, ...
    POST    {API_PREFIX}/uploads          Upload-Length, Upload-Metadata -> 201 Location
    HEAD    {API_PREFIX}/uploads/{id}     -> Upload-Offset, Upload-Length
    PATCH   {API_PREFIX}/uploads/{id}     Content-Type: application/offset+octet-stream,
                                          Upload-Offset, Upload-Checksum: sha256 <base64>
    DELETE  {API_PREFIX}/uploads/{id}     (termination) forget an unfinished upload
    GET     {API_PREFIX}/attachments/{id}/content   Range: bytes=... -> 206 / 416

When the last byte arrives the server checks the whole file against the metadata's `sha256`
(hex), and the upload becomes an attachment whose id is the metadata's `attachment_id`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import quote

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = ("creation", "checksum", "termination")
CHECKSUM_ALGORITHM = "sha256"  # what our client sends
# What the server accepts in Upload-Checksum: tus requires sha1 of every server, and standard
# clients (tus-py-client, tus-js-client) default to it.
CHECKSUM_ALGORITHMS = ("sha256", "sha1", "sha512", "md5")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_MISMATCH_STATUS = 460  # tus checksum extension: "Checksum Mismatch"

# Upload-Metadata keys (values are base64 on the wire, as tus requires).
META_FILENAME = "filename"  # tus-js-client and Uppy send "filename" or "name"
META_CASE_ID = "case_id"
META_COMMENT_ID = "comment_id"  # optional: the reply or note the file belongs to
META_ATTACHMENT_ID = "attachment_id"  # client-made UUID: the idempotency key
META_SHA256 = "sha256"  # hex digest of the whole file
META_CONTENT_TYPE = "content_type"  # Uppy sends "filetype"

UPLOADS_PATH = "/uploads"


class MetadataError(ValueError):
    """Upload-Metadata that is not `key base64,key base64,...`."""


def encode_metadata(values: dict[str, str]) -> str:
    """The Upload-Metadata header for these key/value pairs."""
    parts = []
    for key, value in values.items():
        if not key or any(c in key for c in " ,") or not key.isascii():
            raise MetadataError(f"metadata key {key!r} is not allowed")
        encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
        parts.append(f"{key} {encoded}" if value else key)
    return ",".join(parts)


def decode_metadata(header: str) -> dict[str, str]:
    """Parse an Upload-Metadata header; raises MetadataError when it is malformed."""
    values: dict[str, str] = {}
    for part in header.split(","):
        part = part.strip()
        if not part:
            continue
        key, _, encoded = part.partition(" ")
        encoded = encoded.strip()
        if not key or " " in encoded or key in values:
            raise MetadataError(f"malformed metadata entry {part[:40]!r}")
        try:
            values[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise MetadataError(f"metadata {key!r} is not base64 of UTF-8 text") from None
    return values


def checksum_header(chunk: bytes) -> str:
    """The Upload-Checksum header value for one PATCH body."""
    digest = hashlib.sha256(chunk).digest()
    return f"{CHECKSUM_ALGORITHM} {base64.b64encode(digest).decode('ascii')}"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 8187)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(filename, safe='')}"
