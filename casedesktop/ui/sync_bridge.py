"""Relays the sync worker's callbacks (on its own thread) as Qt signals handled on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.sync.worker import SyncStatus, SyncWorker


class SyncBridge(QObject):
    statusChanged = Signal(object)  # SyncStatus
    changesArrived = Signal(object)  # Changes

    def __init__(self, db: CacheDB, server_url: str, token, me_user_id: str, interval: float = 30.0):  # noqa: ANN001
        super().__init__()
        # Signals emitted from the worker thread are queued to this object's (the GUI) thread.
        self.worker = SyncWorker(
            db, server_url, token, me_user_id, self.statusChanged.emit, self.changesArrived.emit, interval
        )

    def start(self) -> None:
        self.worker.start()

    def sync_now(self) -> None:
        self.worker.sync_now()

    def poke(self) -> None:
        """A local change: send it soon, unless offline (then it waits for the reconnect)."""
        self.worker.poke()

    def stop(self) -> None:
        self.worker.stop()


__all__ = ["Changes", "SyncBridge", "SyncStatus"]


class DownloadRelay(QObject):
    """Runs attachment downloads on the sync layer's worker and calls back on the GUI thread."""

    _finished = Signal(object, object, str)  # callback, Path | None, error

    def __init__(self, downloads):  # noqa: ANN001 - casedesktop.sync.downloads.DownloadWorker
        super().__init__()
        self.downloads = downloads
        self._finished.connect(lambda callback, path, error: callback(path, error))

    def fetch(self, attachment, done) -> None:  # noqa: ANN001 - an AttachmentView and done(path, error)
        self.downloads.fetch(
            attachment.id, attachment.sha256, attachment.size, attachment.filename,
            lambda path, error: self._finished.emit(done, path, error),
        )

    def close(self) -> None:
        self.downloads.close()
