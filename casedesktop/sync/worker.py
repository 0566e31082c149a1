"""Runs sync passes on a background thread: on demand, on a timer, and with backoff while offline."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from casedesktop.store import outbox
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.sync.api_client import ApiClient
from casedesktop.sync.engine import SyncEngine, SyncReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    online: bool | None  # None until the first attempt
    offline_since: datetime | None
    waiting: int
    failed: int
    last_sync: datetime | None
    last_error: str
    needs_sign_in: bool
    syncing: bool


def backoff_delay(failures: int, retry_after: float | None, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with full jitter; a server's Retry-After is a floor, not a suggestion."""
    delay = random.uniform(0, min(cap, base * 2 ** min(failures, 16)))
    return max(delay, retry_after or 0.0)


class SyncWorker:
    """Owns its thread and its ApiClient (a requests.Session is not shared across threads)."""

    def __init__(
        self,
        db: CacheDB,
        server_url: str,
        token: Callable[[], str | None],
        me_user_id: str,
        on_status: Callable[[SyncStatus], None],
        on_changes: Callable[[Changes], None],
        interval: float = 30.0,
    ):
        self._db = db
        self._server_url = server_url
        self._token = token
        self._me = me_user_id
        self._on_status = on_status
        self._on_changes = on_changes
        self.interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casedesktop-sync", daemon=True)
        self._online: bool | None = None
        self._offline_since: datetime | None = None
        self._last_sync: datetime | None = None
        self._last_error = ""
        self._needs_sign_in = False

    def start(self) -> None:
        self._thread.start()

    def sync_now(self) -> None:
        self._needs_sign_in = False
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def publish_status(self, syncing: bool = False) -> None:
        counts = outbox.counts(self._db)
        self._on_status(
            SyncStatus(
                online=self._online,
                offline_since=self._offline_since,
                waiting=counts.waiting,
                failed=counts.failed,
                last_sync=self._last_sync,
                last_error=self._last_error,
                needs_sign_in=self._needs_sign_in,
                syncing=syncing,
            )
        )

    def _run(self) -> None:
        client = ApiClient(self._server_url)
        engine = SyncEngine(self._db, client, self._me)
        failures = 0
        try:
            while not self._stopping.is_set():
                self.publish_status(syncing=True)
                client.token = self._token()
                try:
                    report = engine.sync_once()
                except Exception as exc:  # a bug must not kill sync for the rest of the session
                    log.exception("sync pass failed")
                    report = SyncReport(online=self._online is not False, error=f"Sync failed: {exc}")
                self._record(report)
                if not report.changes.empty:
                    self._on_changes(report.changes)
                self.publish_status()
                if report.ok:
                    failures = 0
                    delay = self.interval
                else:
                    failures += 1
                    delay = self.interval if report.needs_sign_in else backoff_delay(failures, report.retry_after)
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            client.close()

    def _record(self, report: SyncReport) -> None:
        now = datetime.now(UTC)
        if report.online:
            self._offline_since = None
        elif self._online is not False:
            self._offline_since = now
        self._online = report.online
        self._last_error = report.error
        self._needs_sign_in = report.needs_sign_in
        if report.ok:
            self._last_sync = now
