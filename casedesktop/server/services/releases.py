"""The client release the vendor publishes (`casedesktop-server set-release`) and
GET /api/v1/client-release, which any signed-in user may read (casedesktop/api/releases.py).

Each publication adds a row; the newest is the current release, so publishing again (a fixed
URL, or an older version when a release is pulled) simply replaces what clients are told.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.api.releases import (
    PLATFORMS,
    ClientReleaseOut,
    ReleaseDownload,
    check_download_url,
    check_sha256,
    check_version,
)
from casedesktop.server.errors import ApiError
from casedesktop.server.models import ClientRelease

NOTHING_PUBLISHED = "No client release has been published yet."


def publish_release(
    session: Session,
    version: str,
    downloads: dict[str, tuple[str, str | None]],
    now: datetime,
) -> ClientReleaseOut:
    """Make this the current release; `downloads` maps a platform to (url, sha256 or None).
    Raises ValueError on anything the checks of api/releases.py refuse."""
    unknown = set(downloads) - set(PLATFORMS)
    if unknown:
        raise ValueError(
            f"unknown platform {sorted(unknown)[0]!r}; use one of {', '.join(PLATFORMS)}"
        )
    if not downloads:
        raise ValueError("a release needs at least one download URL")
    row = ClientRelease(version=check_version(version), published_at=now)
    for platform, (url, sha256) in downloads.items():
        setattr(row, f"{platform}_url", check_download_url(url))
        setattr(row, f"{platform}_sha256", check_sha256(sha256) if sha256 else None)
    session.add(row)
    session.flush()
    return release_out(row)


def current_release(session: Session) -> ClientReleaseOut:
    """The newest published release, or 404 when there is none."""
    row = session.scalar(select(ClientRelease).order_by(ClientRelease.id.desc()).limit(1))
    if row is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, NOTHING_PUBLISHED)
    return release_out(row)


def release_out(row: ClientRelease) -> ClientReleaseOut:
    downloads = {
        platform: ReleaseDownload(
            url=getattr(row, f"{platform}_url"), sha256=getattr(row, f"{platform}_sha256")
        )
        for platform in PLATFORMS
        if getattr(row, f"{platform}_url")
    }
    return ClientReleaseOut(version=row.version, published_at=row.published_at, downloads=downloads)
