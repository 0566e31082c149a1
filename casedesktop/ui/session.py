"""The signed-in profile as the window sees it: one object, passed whole to whatever needs it.

It holds the cache, the identity, the profile's file store and drafts, the window's saved
settings, and the handles of the sync worker and the download worker (absent in tests that run a
window without a server). Nothing else builds a BlobStore, Drafts or QSettings for the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

if TYPE_CHECKING:
    from casedesktop.app import Profile
    from casedesktop.store.blobs import BlobStore
    from casedesktop.store.database import CacheDB
    from casedesktop.store.drafts import Drafts
    from casedesktop.store.meta import Identity
    from casedesktop.ui.case.attachments_tab import Fetch
    from casedesktop.ui.syncstatus.bridge import DownloadRelay, SyncBridge

SETTINGS_FILE = "window.ini"


def window_settings(directory: Path) -> QSettings:
    """The window's saved state (size, splitter, list columns and sort, recording choices)."""
    return QSettings(str(directory / SETTINGS_FILE), QSettings.Format.IniFormat)


class ProfileSession:
    """One signed-in profile: `db`, `identity`, `blobs`, `drafts`, `settings`, and sync handles."""

    def __init__(self, profile: Profile, identity: Identity, settings: QSettings | None = None,
                 sync: SyncBridge | None = None, downloads: DownloadRelay | None = None):
        self.profile = profile
        self.identity = identity
        self.settings = settings or window_settings(profile.directory)
        self.sync = sync
        self.downloads = downloads

    @classmethod
    def offline(cls, db: CacheDB, identity: Identity, directory: Path | None = None) -> ProfileSession:
        """A session on a cache with no sync running (tests, tools): changes stay in the outbox."""
        from casedesktop.app import Profile
        from casedesktop.sync.credentials import TokenStore

        directory = directory or db.path.parent
        return cls(Profile(directory, db, TokenStore(f"profile:{directory}")), identity)

    @property
    def db(self) -> CacheDB:
        return self.profile.db

    @property
    def blobs(self) -> BlobStore:
        return self.profile.blobs

    @property
    def drafts(self) -> Drafts:
        return self.profile.drafts

    @property
    def fetch(self) -> Fetch | None:
        """Downloads an attachment off the GUI thread (None without a server)."""
        return self.downloads.fetch if self.downloads is not None else None

    def request_sync(self) -> None:
        """The user asked for a pass now."""
        if self.sync is not None:
            self.sync.sync_now()

    def poke(self) -> None:
        """A local change was made: send it at once if we can."""
        if self.sync is not None:
            self.sync.poke()

    def stop(self) -> None:
        """Stop the workers (the cache stays open: the profile's owner closes it)."""
        if self.sync is not None:
            self.sync.stop()
        if self.downloads is not None:
            self.downloads.close()
