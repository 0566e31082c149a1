"""The sync and download workers seen from the window: their callbacks, made on their own threads,
arrive as Qt signals and callbacks on the GUI thread (through `ui/tasks.on_gui_thread`)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from casedesktop.store.changes import Changes
from casedesktop.sync.worker import PROGRESS_EVERY, SyncStatus, SyncWorker, TransferProgress
from casedesktop.ui.tasks import on_gui_thread

if TYPE_CHECKING:
    from casedesktop.app import Profile
    from casedesktop.store.meta import Identity


class SyncBridge(QObject):
    statusChanged = Signal(object)  # SyncStatus
    changesArrived = Signal(object)  # Changes

    def __init__(self, profile: Profile, identity: Identity, interval: float = 30.0, live: bool = True):
        super().__init__()
        self.worker = SyncWorker(
            profile.db, identity.server_url, profile.tokens.get, identity.user_id,
            on_gui_thread(self.statusChanged.emit, owner=self), on_gui_thread(self.changesArrived.emit, owner=self),
            interval, blobs=profile.blobs, live=live,
        )

    def start(self) -> None:
        self.worker.start()

    def sync_now(self) -> None:
        self.worker.sync_now()

    def poke(self) -> None:
        """A local change: send it at once; offline, look at once whether the server is back."""
        self.worker.poke()

    def stop(self) -> None:
        self.worker.stop()


__all__ = ["Changes", "SyncBridge", "SyncStatus", "TransferProgress"]


class DownloadRelay:
    """Runs attachment downloads on the sync layer's worker and calls back on the GUI thread.

    Progress comes from the download thread at every piece read; it is throttled there (at most
    one every PROGRESS_EVERY seconds per file, and always the last) before it crosses to the GUI
    thread, so a fast download never floods the event loop.
    """

    def __init__(self, downloads):  # noqa: ANN001 - casedesktop.sync.downloads.DownloadWorker
        self.downloads = downloads

    def fetch(self, attachment, done, progress=None) -> None:  # noqa: ANN001 - an AttachmentView, done(path, error), progress(TransferProgress)
        self.downloads.fetch(
            attachment.id, attachment.sha256, attachment.size, attachment.filename,
            on_gui_thread(done), self._throttled(attachment.filename, progress),
        )

    @staticmethod
    def _throttled(filename: str, callback):  # noqa: ANN001, ANN205 - runs on the download thread
        if callback is None:
            return lambda *_: None
        relay = on_gui_thread(callback)
        last = [0.0]

        def on_progress(what: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            item = TransferProgress.parse(what, done, total)
            relay(replace(item, name=filename))

        return on_progress

    def close(self) -> None:
        self.downloads.close()
