"""Builds what every front end needs from one profile folder: paths, cache, token, sync."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from casedesktop.i18n import _

# The cache and sync layers (SQLAlchemy, pydantic, requests, keyring) load when a profile opens,
# not on import: the window's cold start paints its list before them (ui/main.py).
if TYPE_CHECKING:
    from casedesktop.store.blobs import BlobStore
    from casedesktop.store.database import CacheDB
    from casedesktop.store.drafts import Drafts
    from casedesktop.store.meta import Identity
    from casedesktop.store.recovery import RecoveryReport
    from casedesktop.sync.api_client import ApiClient
    from casedesktop.sync.credentials import TokenStore
    from casedesktop.sync.engine import SyncEngine

HOME_ENV = "CASEDESKTOP_HOME"


def default_profile_dir() -> Path:
    """`CASEDESKTOP_HOME`, else the platform's per-user data folder."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("CaseDesktop", appauthor=False)) / "default"


class NotSignedIn(Exception):
    pass


@dataclass
class Profile:
    """One profile: its folder, its cache and its token. Several profiles never share a cache."""

    directory: Path
    db: CacheDB
    tokens: TokenStore
    recovery: RecoveryReport | None = None  # set when a damaged cache was set aside and rebuilt

    @cached_property
    def blobs(self) -> BlobStore:
        """The profile's file store (attachments, recordings being attached): one per profile."""
        from casedesktop.store.blobs import BlobStore

        return BlobStore(self.directory)

    @cached_property
    def drafts(self) -> Drafts:
        """What the user is still writing (new cases, replies), kept across restarts."""
        from casedesktop.store.drafts import Drafts

        return Drafts(self.directory)

    @property
    def identity(self) -> Identity | None:
        from casedesktop.sync.sign_in import current_identity

        return current_identity(self.db)

    def require_identity(self) -> Identity:
        identity = self.identity
        if identity is None:
            raise NotSignedIn(_("Not signed in: run `casedesktop login --server URL --email E` first."))
        return identity

    def api(self) -> ApiClient:
        from casedesktop.sync.api_client import ApiClient

        identity = self.require_identity()
        return ApiClient(identity.server_url, self.tokens.get())

    def sync_engine(self) -> SyncEngine:
        from casedesktop.sync.engine import SyncEngine

        return SyncEngine(self.db, self.api(), self.require_identity().user_id, blobs=self.blobs)

    def close(self) -> None:
        self.db.close()


def profile_path(directory: Path | None = None) -> Path:
    return (directory or default_profile_dir()).expanduser().resolve()


def open_profile(directory: Path | None = None) -> Profile:
    from casedesktop.store.recovery import open_or_rebuild
    from casedesktop.sync.credentials import TokenStore

    directory = profile_path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _log_to_file(directory)
    db, recovery = open_or_rebuild(directory)
    return Profile(directory, db, TokenStore(f"profile:{directory}"), recovery)


def _log_to_file(directory: Path) -> None:
    import logging.handlers

    root = logging.getLogger("casedesktop")
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        directory / "casedesktop.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
