"""The client release the vendor publishes, so that clients can say a newer version exists.

    GET {API_PREFIX}/client-release   (any signed-in user)
    -> 200 {"version": "1.4.0", "published_at": "...",
            "downloads": {"linux": {"url": "https://...", "sha256": "<64 hex>"}, ...}}
    -> 404 (ErrorOut, code not_found) while nothing has been published

Only the platforms the vendor set appear in `downloads` (keys from PLATFORMS; a client ignores
keys it does not know). The vendor sets it with `casedesktop-server set-release`. A server that
predates the route answers 404 or 405; a client then simply announces nothing. The client never
downloads or runs anything itself: it shows the version and opens the link in the browser.

The checks below are shared by the server (what it accepts) and the client (what it will open).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field

CLIENT_RELEASE_PATH = "/client-release"
PLATFORMS = ("linux", "windows", "macos")
VERSION_MAX = 64
URL_MAX = 2000
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_SHA256_PATTERN = r"^[0-9a-f]{64}$"

__all__ = [
    "CLIENT_RELEASE_PATH",
    "PLATFORMS",
    "ClientReleaseOut",
    "ReleaseDownload",
    "check_download_url",
    "check_sha256",
    "check_version",
    "is_newer",
    "platform_of",
]


class _Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, use_enum_values=False)


class ReleaseDownload(_Model):
    url: str = Field(max_length=URL_MAX)  # http(s): where the installer for this platform is
    sha256: str | None = Field(default=None, pattern=_SHA256_PATTERN)  # hex, when published


class ClientReleaseOut(_Model):
    """The current client release, as the vendor last published it."""

    version: str = Field(max_length=VERSION_MAX)  # PEP 440, e.g. "1.4.0" or "2.0rc1"
    published_at: datetime
    downloads: dict[str, ReleaseDownload]  # keyed by a PLATFORMS name


def check_version(text: str) -> str:
    """The version in its normal PEP 440 form ("v1.02" -> "1.2"); ValueError says what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError("the version is empty")
    if len(text) > VERSION_MAX:
        raise ValueError(f"the version is longer than {VERSION_MAX} characters")
    try:
        version = Version(text)
    except InvalidVersion:
        raise ValueError(
            f"{text!r} is not a version number (PEP 440, e.g. 1.4.0 or 2.0rc1)"
        ) from None
    if version.local is not None:
        raise ValueError(f"{text!r} is a local build (+{version.local}), not a release")
    return str(version)


def check_download_url(text: str) -> str:
    """An absolute http(s) URL with a host; ValueError says what is wrong."""
    text = text.strip()
    if len(text) > URL_MAX:
        raise ValueError(f"the URL is longer than {URL_MAX} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError(f"{text!r} contains spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError(f"{text!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{text!r} is not an http:// or https:// URL")
    if not host:
        raise ValueError(f"{text!r} names no host")
    return text


def check_sha256(text: str) -> str:
    """A sha256 digest as 64 lowercase hex characters; ValueError says what is wrong."""
    text = text.strip()
    if not _SHA256.fullmatch(text):
        raise ValueError(f"{text!r} is not a sha256 digest (64 hexadecimal characters)")
    return text.lower()


def is_newer(published: str, current: str) -> bool:
    """Whether `published` is a later version than `current`; False when either is unreadable."""
    try:
        return Version(published) > Version(current)
    except InvalidVersion:
        return False


def platform_of(sys_platform: str) -> str | None:
    """The PLATFORMS name of a `sys.platform` value (None for another system)."""
    if sys_platform.startswith("linux"):
        return "linux"
    if sys_platform in ("win32", "cygwin"):
        return "windows"
    if sys_platform == "darwin":
        return "macos"
    return None
