"""Is a newer CaseDesktop published? Asked by the sync worker after a successful pass (the first
of a session, then at most once a day), on its thread; the answer reaches the window in SyncStatus.

A new version is announced, never forced: the window says so once per version in the status bar
(the profile's cache remembers the newest version announced) and keeps a Help menu entry while a
newer version exists. Nothing is downloaded or run: the link opens in the browser, and only an
http(s) link for this computer's system is offered.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from casedesktop import __version__
from casedesktop.api.releases import (
    ClientReleaseOut,
    check_download_url,
    is_newer,
    platform_of,
)
from casedesktop.i18n import _
from casedesktop.store import meta
from casedesktop.store.database import CacheDB
from casedesktop.sync.api_client import ApiClient


@dataclass(frozen=True)
class ReleaseNotice:
    """A newer release with a download for this system."""

    version: str
    url: str  # http(s), for this system: opened in the browser, never fetched here
    announce: bool  # not announced on this profile before: say it in the status bar (once)

    @property
    def message(self) -> str:
        return _("CaseDesktop {version} is available").format(version=self.version)


def newer_release(
    release: ClientReleaseOut | None, current: str = __version__, system: str = sys.platform
) -> tuple[str, str] | None:
    """(version, download URL) when `release` is newer than `current` and has an http(s)
    download for this system; None otherwise."""
    if release is None or not is_newer(release.version, current):
        return None
    platform = platform_of(system)
    download = release.downloads.get(platform) if platform else None
    if download is None:
        return None
    try:
        return release.version, check_download_url(download.url)
    except ValueError:  # not a link we would open
        return None


def first_announcement(db: CacheDB, version: str) -> bool:
    """Whether `version` is later than any announced on this profile before; if so it is
    remembered as announced, so each new version is announced once."""
    with db.transaction() as session:
        before = meta.get(session, meta.ANNOUNCED_RELEASE)
        if before and not is_newer(version, before) and _readable(before):
            return False
        meta.put(session, meta.ANNOUNCED_RELEASE, version)
        return True


def check_for_release(
    db: CacheDB, client: ApiClient, current: str = __version__, system: str = sys.platform
) -> ReleaseNotice | None:
    """Ask the server; a notice when a newer release exists for this system (raises SyncError
    when the server cannot be asked)."""
    found = newer_release(client.client_release(), current, system)
    if found is None:
        return None
    version, url = found
    return ReleaseNotice(version, url, first_announcement(db, version))


def _readable(version: str) -> bool:
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True
