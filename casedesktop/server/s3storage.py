"""Attachments in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...): `--storage s3://BUCKET`.

The option names where, never who: credentials come from boto3's own chain (AWS_ACCESS_KEY_ID
and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, an instance role), so no secret sits in a
process list or a log line. boto3 is imported only when such a store is opened, so a server on
local disk runs without it. The bucket is checked once at start-up: a typo in its name or
endpoint stops the server with a message, not the first upload.

A finished file goes up with boto3's managed transfer (multipart past a threshold, parts in
parallel); a download asks for just its byte range and passes it on in pieces.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SCHEME = "s3"
READ_PIECE = 256 * 1024
MULTIPART_BYTES = 8 * 1024 * 1024  # boto3's default threshold and part size; S3's least is 5 MiB
# AWS's rule for new buckets; MinIO and Ceph keep to it too.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ADDRESSING = ("path", "virtual", "auto")
QUERY_KEYS = ("endpoint", "region", "addressing")
_log = logging.getLogger(__name__)
USAGE = "s3://BUCKET[/PREFIX]?endpoint=URL[&region=NAME][&addressing=path|virtual]"


class StorageError(Exception):
    """The attachment store cannot be used as configured; the message says why and where."""


@dataclass(frozen=True)
class S3Location:
    """Where attachments go, parsed from `--storage`: no credentials, ever."""

    bucket: str
    prefix: str = ""  # keys are PREFIX/<key> when given
    endpoint: str | None = None  # None: AWS itself
    region: str | None = None
    addressing: str = "auto"

    def describe(self) -> str:
        """The bucket and where it is, for messages and logs."""
        return f"bucket {self.bucket!r} at {self.endpoint or 'AWS S3'}"


def parse_s3_option(text: str) -> S3Location:
    """`s3://BUCKET[/PREFIX]?endpoint=URL&region=...&addressing=...`; ValueError says what is
    wrong."""
    parts = urlsplit(text.strip())
    if parts.scheme.lower() != SCHEME:
        raise ValueError(f"{text!r} is not an s3:// address ({USAGE})")
    bucket = parts.netloc
    if not bucket:
        raise ValueError(f"{text!r} names no bucket: {USAGE}")
    if "@" in bucket:
        raise ValueError(
            "credentials do not belong in the storage address: give them as AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the server's environment"
        )
    if not _BUCKET.fullmatch(bucket):
        raise ValueError(
            f"{bucket!r} is not a bucket name: 3 to 63 lower-case letters, digits, dots and "
            "hyphens, starting and ending with a letter or digit"
        )
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if key not in QUERY_KEYS:
            raise ValueError(
                f"unknown storage setting {key!r}: the settings are {', '.join(QUERY_KEYS)}"
            )
        if key in query:
            raise ValueError(f"the storage setting {key!r} is given twice")
        query[key] = value.strip()
    endpoint = _endpoint(query["endpoint"]) if "endpoint" in query else None
    addressing = query.get("addressing") or ("path" if endpoint else "auto")
    if addressing not in _ADDRESSING:
        raise ValueError(f"addressing must be one of {', '.join(_ADDRESSING)}, not {addressing!r}")
    return S3Location(
        bucket=bucket,
        prefix=parts.path.strip("/"),
        endpoint=endpoint,
        region=query.get("region") or None,
        addressing=addressing,
    )


def _endpoint(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"endpoint must be an http:// or https:// address, not {text!r}")
    if parts.username or parts.password:
        raise ValueError(
            "credentials do not belong in the endpoint: give them as AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the server's environment"
        )
    if parts.query or parts.fragment:
        raise ValueError(
            f"endpoint {text!r} has a query: separate the storage settings with & "
            "(quote the whole option in the shell)"
        )
    return text.rstrip("/")


class S3Storage:
    """A BlobStorage in one bucket. The client is thread-safe: every worker thread shares it."""

    def __init__(self, client: Any, location: S3Location, multipart_bytes: int = MULTIPART_BYTES):
        from boto3.s3.transfer import TransferConfig

        self.client = client
        self.location = location
        self._transfer = TransferConfig(
            multipart_threshold=multipart_bytes, multipart_chunksize=multipart_bytes
        )

    @classmethod
    def open(cls, location: S3Location, multipart_bytes: int = MULTIPART_BYTES) -> S3Storage:
        """A store on the bucket, once it answered; StorageError says why not (the bucket is
        missing, refused, or the endpoint unreachable)."""
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise StorageError(
                "s3:// storage needs boto3, which is not installed: "
                "pip install 'casedesktop[server]'"
            ) from None
        config = Config(
            s3={"addressing_style": location.addressing},
            # A stalled bucket holds one of the server's few worker threads per download: give
            # up within seconds (the client retries the 503) rather than minutes.
            connect_timeout=5,
            read_timeout=15,
            retries={"mode": "standard", "max_attempts": 2},
            # S3-compatible stores differ on the newer default checksums; AWS keeps them.
            **(
                {
                    "request_checksum_calculation": "when_required",
                    "response_checksum_validation": "when_required",
                }
                if location.endpoint
                else {}
            ),
        )
        try:
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=location.endpoint,
                region_name=location.region,
                config=config,
            )
        except Exception as exc:  # botocore's configuration errors: a bad region, profile, ...
            raise StorageError(f"The {location.describe()} cannot be used: {exc}") from None
        store = cls(client, location, multipart_bytes)
        store.check()
        _log.info("Attachments are kept in the %s", location.describe())
        return store

    def check(self) -> None:
        """Ask for the bucket once; StorageError names what failed, with the endpoint."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        where = self.location.describe()
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            if status == 404 or code in ("404", "NoSuchBucket"):
                raise StorageError(
                    f"The {where} does not exist: create it first, or check the name."
                ) from None
            if status == 403 or code in ("403", "AccessDenied"):
                raise StorageError(
                    f"The {where} refused access (403): check the credentials in the server's "
                    "environment and the bucket's policy."
                ) from None
            raise StorageError(f"The {where} answered {status or code}: {exc}") from None
        except NoCredentialsError:
            raise StorageError(
                f"No credentials for the {where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the server's environment."
            ) from None
        except EndpointConnectionError:
            raise StorageError(
                f"The {where} cannot be reached: is the endpoint right and the service running?"
            ) from None
        except BotoCoreError as exc:
            raise StorageError(f"The {where} cannot be used: {exc}") from None

    def object_name(self, key: str) -> str:
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def put(self, key: str, source: Path) -> None:
        """Upload the file (multipart when large), then remove the staged copy."""
        self.client.upload_file(
            str(source), self.location.bucket, self.object_name(key), Config=self._transfer
        )
        Path(source).unlink(missing_ok=True)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is not None and end <= start:
            return
        wanted: dict[str, str] = {}
        if start > 0 or end is not None:
            wanted["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        answer = self.client.get_object(
            Bucket=self.location.bucket, Key=self.object_name(key), **wanted
        )
        body = answer["Body"]
        try:
            yield from body.iter_chunks(READ_PIECE)
        finally:
            body.close()

    def size(self, key: str) -> int:
        head = self.client.head_object(Bucket=self.location.bucket, Key=self.object_name(key))
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.location.bucket, Key=self.object_name(key))
