"""Relays the sync worker's callbacks (on its own thread) as Qt signals handled on the GUI thread."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.sync.worker import PROGRESS_EVERY, SyncStatus, SyncWorker, TransferProgress


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
        """A local change: send it at once; offline, look at once whether the server is back."""
        self.worker.poke()

    def stop(self) -> None:
        self.worker.stop()


__all__ = ["Changes", "SyncBridge", "SyncStatus", "TransferProgress"]


class DownloadRelay(QObject):
    """Runs attachment downloads on the sync layer's worker and calls back on the GUI thread.

    Progress comes from the download thread at every piece read; it is throttled there (at most
    one every PROGRESS_EVERY seconds per file, and always the last) before it crosses to the GUI
    thread, so a fast download never floods the event loop.
    """

    _finished = Signal(object, object, str)  # callback, Path | None, error
    _progressed = Signal(object, object)  # callback | None, TransferProgress

    def __init__(self, downloads):  # noqa: ANN001 - casedesktop.sync.downloads.DownloadWorker
        super().__init__()
        self.downloads = downloads
        self._finished.connect(lambda callback, path, error: callback(path, error))
        self._progressed.connect(self._relay_progress)

    def fetch(self, attachment, done, progress=None) -> None:  # noqa: ANN001 - an AttachmentView, done(path, error), progress(TransferProgress)
        self.downloads.fetch(
            attachment.id, attachment.sha256, attachment.size, attachment.filename,
            lambda path, error: self._finished.emit(done, path, error),
            self._throttled(attachment.filename, progress),
        )

    def _throttled(self, filename: str, callback):  # noqa: ANN001, ANN202 - runs on the download thread
        last = [0.0]

        def on_progress(what: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            item = TransferProgress.parse(what, done, total)
            self._progressed.emit(callback, replace(item, name=filename))

        return on_progress

    def _relay_progress(self, callback, item: TransferProgress) -> None:  # noqa: ANN001 - a slot of this object: GUI thread
        if callback is not None:
            callback(item)

    def close(self) -> None:
        self.downloads.close()
