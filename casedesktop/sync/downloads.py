"""Attachment downloads for the window, on their own thread with their own requests.Session:
never on the GUI thread and never waiting on sync. Resumed with Range and verified by sha256
(transfer.download); the callback gets the file in the blob store, or one sentence on failure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from casedesktop.i18n import _
from casedesktop.store.blobs import BlobStore
from casedesktop.sync import transfer
from casedesktop.sync.api_client import ApiClient, AuthRequired, Rejected, SyncError, Unreachable

log = logging.getLogger(__name__)
Done = Callable[[Path | None, str], None]  # (the file, or None; what went wrong, or "")


class DownloadWorker:
    def __init__(self, blobs: BlobStore, server_url: str, token: Callable[[], str | None]):
        self._blobs = blobs
        self._server_url = server_url
        self._token = token
        self._local = threading.local()
        self._clients: list[ApiClient] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casedesktop-download")

    def fetch(self, attachment_id: str, sha256: str, size: int, filename: str, done: Done,
              on_progress: transfer.Progress | None = None) -> Future[None]:
        """Download in the background; `done` is called on the download thread (relay it)."""
        return self._pool.submit(self._fetch, attachment_id, sha256, size, filename, done, on_progress)

    def _client(self) -> ApiClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = ApiClient(self._server_url)
            self._clients.append(client)
        client.token = self._token()
        return client

    def _fetch(self, attachment_id: str, sha256: str, size: int, filename: str, done: Done,
               on_progress: transfer.Progress | None) -> None:
        try:
            path = transfer.download(self._client(), self._blobs, attachment_id, sha256, size, on_progress)
        except Unreachable:
            done(None, _("{name} could not be downloaded: the server cannot be reached. What arrived is kept; "
                         "try again when you are online.").format(name=filename))
        except AuthRequired:
            done(None, _("{name} could not be downloaded: sign in again, then try once more.").format(name=filename))
        except Rejected as exc:
            done(None, _("{name} could not be downloaded: {error}").format(name=filename, error=exc.error.message))
        except SyncError as exc:
            done(None, _("{name} could not be downloaded: {error} Try again in a moment.").format(
                name=filename, error=exc))
        except OSError as exc:
            done(None, _("{name} could not be saved in this profile: {reason}.").format(
                name=filename, reason=exc.strerror or exc))
        else:
            done(path, "")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for client in self._clients:
            client.close()
