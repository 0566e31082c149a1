"""Runs sync passes on a background thread: on demand, on a timer, and with backoff while offline.

Never blocks the GUI: every network call and every database write of sync happens on this thread;
the GUI only receives `SyncStatus` and `Changes` through the callbacks (ui/syncstatus/bridge.py relays
them as Qt signals).

- Online: a pass every `interval` seconds, and at once on `sync_now()` (the user) or `poke()` (a
  local change was made).
- A failed request means offline (no answer) or trouble (5xx, 429): the next try comes after an
  exponential backoff with full jitter, never sooner than the server's Retry-After. While offline
  the worker only probes /health (cheap, short timeouts); the first answer is a reconnect, and a
  full pass follows at once.
- The backoff is bounded by what is at stake. While changes wait to be sent, no gap between two
  tries exceeds `waiting_cap` (8 s) unless the server's Retry-After asks for more, so a server
  that comes back is found within seconds however long it was away (a backoff bounded only at
  5 minutes once left a restarted server unnoticed for a minute).
  With nothing to send the gap may grow up to the poll interval: offline, the user loses nothing
  a regular poll would have brought sooner. A new local change while offline (`poke()`) probes at
  once. The status carries when the next try comes (`next_attempt_at`, on time.monotonic()), so
  the window counts down to it without asking the worker.
- 401: the status asks the user to sign in again; nothing is sent (the outbox is kept) until the
  token changes or the user asks, then sync resumes where it stopped.
- Live updates (`live=True`, sync/live.py): a second thread keeps one long-poll of the change feed
  open while online and pokes this worker when news arrives, so a support reply shows within a
  second or two. While that works the regular poll slows to `LIVE_INTERVAL`; against a server
  without long-polls it stays at `interval`.
- After the first successful pass of a session, then at most once a day, it asks whether a newer
  CaseDesktop was published (sync/release.py); the status carries the answer to the window.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from casedesktop.i18n import _, format_size
from casedesktop.store import conflicts, meta, outbox
from casedesktop.store.blobs import BlobStore
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.sync.api_client import ApiClient, SyncError, TransientError
from casedesktop.sync.engine import SyncEngine, SyncReport
from casedesktop.sync.live import LiveFeed
from casedesktop.sync.release import ReleaseNotice, check_for_release

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 3600.0  # a server asking for more than an hour is taken as asking for an hour
PROBE_TIMEOUT = (3.0, 5.0)
BUSY_RETRY = 5.0  # another process syncs this profile: look again soon
WAITING_CAP = 8.0  # seconds: the longest gap between two tries while changes wait to be sent
PROGRESS_EVERY = 0.25  # seconds between two progress statuses
RELEASE_CHECK_EVERY = 86400.0  # seconds between two questions for a newer client release
LIVE_INTERVAL = 300.0  # seconds between regular passes while the live long-poll works


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
    next_attempt: datetime | None = None  # when the worker tries again on its own
    next_attempt_at: float | None = None  # the same on time.monotonic(), for a countdown
    conflicts: int = 0  # notices about the user's own changes not seen yet (store/conflicts.py)
    transfer: str = ""  # e.g. "Uploading recording.mp4: 12 MB of 30 MB"
    progress: TransferProgress | None = None  # the same, per attachment, for the Attachments tab
    release: ReleaseNotice | None = None  # a newer CaseDesktop, for this system


@dataclass(frozen=True)
class TransferProgress:
    """How far one attachment's upload or download got (bytes), keyed by the attachment's id."""

    kind: str  # "upload" or "download"
    attachment_id: str
    name: str  # the file name, when the sender knows it
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @classmethod
    def parse(cls, what: str, done: int, total: int) -> TransferProgress:
        """From transfer.py's keys: "upload:<attachment id>:<file name>" or "download:<attachment id>"."""
        kind, _, rest = what.partition(":")
        attachment_id, _, name = rest.partition(":")
        return cls(kind, attachment_id, name or attachment_id, done, total)


def backoff_delay(
    failures: int, retry_after: float | None, base: float = 1.0, cap: float = 300.0,
    rng: random.Random | None = None,
) -> float:
    """Exponential backoff with full jitter, never more than `cap` unless the server asks: its
    Retry-After is a floor, not a suggestion (up to an hour)."""
    delay = (rng or random).uniform(0, min(cap, base * 2 ** min(failures, 16)))
    return max(delay, min(retry_after or 0.0, MAX_RETRY_AFTER))


def backoff_cap(waiting: bool, interval: float, cap: float = 300.0, waiting_cap: float = WAITING_CAP) -> float:
    """The longest gap between two tries: short while changes wait to be sent, otherwise up to the
    poll interval (never below `waiting_cap`, never above `cap`)."""
    return min(cap, waiting_cap if waiting else max(interval, waiting_cap))


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
        blobs: BlobStore | None = None,
        live: bool = False,
    ):
        self._db = db
        self._blobs = blobs
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
        self._refused_token: str | None = None  # the token the server said no to
        self._asked = False  # the user asked for a pass (sync_now); set by any thread, under _lock
        self._lock = threading.Lock()
        self._next_attempt: datetime | None = None
        self._next_attempt_at: float | None = None
        self._transfer = ""
        self._progress_item: TransferProgress | None = None
        self._last_progress = 0.0
        self.backoff_base = 1.0  # seconds; the first retries come after 0..2 s, 0..4 s, ...
        self.backoff_cap = 300.0  # the backoff's bound when nothing waits (then also the interval)
        self.waiting_cap = WAITING_CAP  # ... and while changes wait to be sent
        self.rng = random.Random()  # the backoff's jitter (tests seed it)
        self.release_every = RELEASE_CHECK_EVERY
        self._release: ReleaseNotice | None = None
        self._release_checked: float | None = None  # time.monotonic() of the last answer
        self.passes = 0  # for tests: how many passes have finished
        self.probes = 0  # for tests: how many health probes ran while offline
        self.failures = 0  # failed tries in a row (passes and probes); 0 after a good pass
        self.release_checks = 0  # for tests: how many times the server said which release is out
        self.live = (
            LiveFeed(server_url, token, self._stored_cursor, self._can_watch, self.poke) if live else None
        )

    def start(self) -> None:
        self._thread.start()
        if self.live is not None:
            self.live.start()

    def sync_now(self) -> None:
        """The user asks: a pass at once, whatever the backoff or the sign-in state."""
        with self._lock:
            self._asked = True
        self._wake.set()

    def _take_asked(self) -> bool:
        with self._lock:
            asked, self._asked = self._asked, False
        return asked

    def poke(self) -> None:
        """A local change was made: send it at once; offline, probe at once whether the server is
        back (then send it), whatever the backoff. Signed out, it waits for a new sign-in."""
        if not self._needs_sign_in:
            self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        if self.live is not None:
            self.live.stop()
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

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
                next_attempt=None if syncing else self._next_attempt,
                next_attempt_at=None if syncing else self._next_attempt_at,
                conflicts=len(conflicts.notices(self._db, unseen_only=True)),
                transfer=self._transfer if syncing else "",
                progress=self._progress_item if syncing else None,
                release=self._release,
            )
        )

    def _progress(self, what: str, done: int, total: int) -> None:
        """Throttled: a status at most every PROGRESS_EVERY seconds, and always the last one."""
        now = time.monotonic()
        if done < total and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        item = TransferProgress.parse(what, done, total)
        text = _("Uploading {name}: {done} of {total}") if item.kind == "upload" else _(
            "Downloading {name}: {done} of {total}")
        self._transfer = text.format(name=item.name, done=format_size(done), total=format_size(total))
        self._progress_item = item
        self.publish_status(syncing=True)

    def _run(self) -> None:
        client = ApiClient(self._server_url)
        engine = SyncEngine(self._db, client, self._me, on_progress=self._progress, blobs=self._blobs)
        try:
            while not self._stopping.is_set():
                asked = self._take_asked()
                token = self._token()
                if self._needs_sign_in and not asked and token == self._refused_token:
                    delay = self.interval  # signed out: keep the outbox, wait for a new token
                elif self._online is False and not asked and (probe := self._probe(client)) is not None:
                    delay = self._backoff(getattr(probe, "retry_after", None))
                else:
                    report = self._pass(engine, client, token)
                    if report.ok:
                        self.failures = 0
                        delay = LIVE_INTERVAL if self.live is not None and self.live.active else self.interval
                    elif report.busy:
                        delay = BUSY_RETRY
                    elif report.needs_sign_in:
                        delay = self.interval
                    else:
                        delay = self._backoff(report.retry_after)
                self._next_attempt_at = time.monotonic() + delay
                self._next_attempt = datetime.now(UTC) + timedelta(seconds=delay)
                self.publish_status()
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            client.close()

    def _can_watch(self) -> bool:
        """Whether the live long-poll may run: online and signed in, as the last pass found."""
        return self._online is True and not self._needs_sign_in

    def _stored_cursor(self) -> int:
        with self._db.reading() as session:
            return int(meta.get(session, meta.CURSOR, "0") or 0)

    def _backoff(self, retry_after: float | None) -> float:
        """One more failure: how long to wait, bounded by whether changes wait to be sent."""
        self.failures += 1
        waiting = bool(outbox.sendable(self._db, limit=1))  # not counting ops held by a refusal
        cap = backoff_cap(waiting, self.interval, self.backoff_cap, self.waiting_cap)
        return backoff_delay(self.failures, retry_after, self.backoff_base, cap, self.rng)

    def _probe(self, client: ApiClient) -> SyncError | None:
        """Offline: is the server back? One cheap request with short timeouts; the error if not
        (its Retry-After counts)."""
        self.probes += 1
        timeout, client.timeout = client.timeout, PROBE_TIMEOUT
        try:
            client.health()
        except SyncError as exc:
            return exc
        finally:
            client.timeout = timeout
        log.info("server reachable again; syncing")
        return None

    def _pass(self, engine: SyncEngine, client: ApiClient, token: str | None) -> SyncReport:
        self._transfer = ""
        self._progress_item = None
        self.publish_status(syncing=True)
        client.token = token
        try:
            report = engine.sync_once()
        except Exception as exc:  # a bug must not kill sync for the rest of the session
            log.exception("sync pass failed")
            report = SyncReport(online=self._online is not False, error=_("Sync failed: {error}").format(error=exc))
        self._record(report, token)
        self.passes += 1  # after its last status: a test seeing N passes sees pass N's status
        if not report.changes.empty:
            self._on_changes(report.changes)
        if self.live is not None:
            self.live.pass_finished()
        if report.ok:
            self._check_release(client)  # after the news: it never delays them
        return report

    def _check_release(self, client: ApiClient) -> None:
        """Once a session after a good pass, then daily: is a newer client published? A transient
        failure asks again after the next good pass; any other failure waits a day."""
        now = time.monotonic()
        if self._release_checked is not None and now - self._release_checked < self.release_every:
            return
        try:
            self._release = check_for_release(self._db, client)
        except TransientError as exc:
            log.info("could not ask for a newer release: %s", exc)
            return
        except Exception:  # never let it disturb sync
            log.exception("asking for a newer release failed")
        else:
            self.release_checks += 1
        self._release_checked = now

    def _record(self, report: SyncReport, token: str | None) -> None:
        now = datetime.now(UTC)
        if report.busy:
            report = replace(report, error="")  # not a problem to show: it is being synced
        if report.online:
            self._offline_since = None
        elif self._online is not False:
            self._offline_since = now
        self._online = report.online
        self._last_error = report.error
        self._needs_sign_in = report.needs_sign_in
        self._refused_token = token if report.needs_sign_in else None
        if report.ok:
            self._last_sync = now
