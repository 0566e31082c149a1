"""The background sync worker, without Qt: offline since, probes with backoff, sync on reconnect,
sync now, Retry-After, an expired sign-in that keeps the outbox and resumes, and every callback
on the worker's own thread (never the caller's)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from casedesktop.store import local_changes, outbox
from casedesktop.sync.api_client import ApiClient, TransientError
from casedesktop.sync.worker import SyncStatus, SyncWorker, backoff_delay
from tests.sync.conftest import CUSTOMER_EMAIL
from tests.sync.faultproxy import Fault, FaultProxy
from tests.sync.helpers import check_server, make_device, queue_mixed, wait_until


class Recorder:
    def __init__(self) -> None:
        self.statuses: list[SyncStatus] = []
        self.threads: set[str] = set()

    def status(self, status: SyncStatus) -> None:
        self.threads.add(threading.current_thread().name)
        self.statuses.append(status)

    def changes(self, _changes: object) -> None:
        self.threads.add(threading.current_thread().name)

    @property
    def last(self) -> SyncStatus:
        if not self.statuses:
            return SyncStatus(None, None, -1, 0, None, "", False, True)  # nothing published yet
        return self.statuses[-1]


def _worker(device, url: str, token: Callable[[], str | None], seen: Recorder) -> SyncWorker:  # noqa: ANN001
    worker = SyncWorker(device.db, url, token, device.identity.user_id, seen.status, seen.changes,
                        interval=30.0)
    worker.backoff_base, worker.backoff_cap = 0.05, 0.3
    return worker


def _upstream(world) -> tuple[str, int]:  # noqa: ANN001
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def test_backoff_has_jitter_grows_and_keeps_retry_after_as_a_floor() -> None:
    random.seed(1)
    first = [backoff_delay(1, None) for _ in range(200)]
    later = [backoff_delay(8, None) for _ in range(200)]
    assert max(first) <= 2.0 and len(set(first)) > 100  # full jitter: spread, not one value
    assert sum(later) / 200 > 5 * sum(first) / 200
    assert all(backoff_delay(1, 30.0) >= 30.0 for _ in range(50))
    assert backoff_delay(1, 10**9) == 3600.0  # an absurd Retry-After is capped at an hour
    assert max(backoff_delay(30, None) for _ in range(200)) <= 300.0


def test_offline_since_probes_then_syncs_on_reconnect(world, tmp_path: Path) -> None:
    with FaultProxy(_upstream(world)) as proxy:
        proxy.down()
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(0.5, 2.0))
        queued = queue_mixed(ann, random.Random(1), cases=2, per_case=3)
        seen = Recorder()
        worker = _worker(ann, proxy.url, lambda: ann.client.token, seen)
        worker.start()
        try:
            wait_until(lambda: worker.probes >= 3)
            status = seen.last
            assert status.online is False and status.offline_since is not None
            assert status.waiting == queued.total and "Cannot reach" in status.last_error
            assert status.next_attempt is not None and status.next_attempt > status.offline_since
            passes = worker.passes
            assert passes == 1  # offline: only cheap probes after the first failed pass
            proxy.up()
            wait_until(lambda: seen.last.online and seen.last.waiting == 0 and not seen.last.syncing)
            assert seen.last.offline_since is None and seen.last.last_sync is not None
            assert check_server(world, queued).ok
        finally:
            worker.stop()
        assert seen.threads == {"casedesktop-sync"}  # the caller's thread never did sync work
        ann.close()


def test_sync_now_and_poke_send_at_once(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    seen = Recorder()
    worker = _worker(ann, world.base_url, lambda: ann.client.token, seen)
    worker.start()
    try:
        wait_until(lambda: worker.passes == 1 and not seen.last.syncing)
        local_changes.create_case(ann.db, ann.identity, subject="Sent on poke", description="d")
        worker.poke()
        wait_until(lambda: worker.passes == 2 and not seen.last.syncing and seen.last.waiting == 0)
        local_changes.create_case(ann.db, ann.identity, subject="Sent on demand", description="d")
        started = time.monotonic()
        worker.sync_now()
        wait_until(lambda: worker.passes == 3 and not seen.last.syncing and seen.last.waiting == 0)
        assert time.monotonic() - started < 5  # not the 30 s timer
    finally:
        worker.stop()
    ann.close()


def test_retry_after_is_honoured(world, tmp_path: Path) -> None:
    plan_answers = iter([Fault.BUSY])
    with FaultProxy(_upstream(world), lambda *_: next(plan_answers, Fault.PASS)) as proxy:
        proxy.retry_after = 2
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url)
        try:
            ApiClient.health(ann.client)
        except TransientError as exc:
            assert exc.retry_after == 2.0
        else:
            raise AssertionError("the proxy's 503 did not come through")
        plan_answers = iter([Fault.RATE_LIMITED])
        proxy.plan = lambda *_: next(plan_answers, Fault.PASS)
        local_changes.create_case(ann.db, ann.identity, subject="After the wait", description="d")
        seen = Recorder()
        worker = _worker(ann, proxy.url, lambda: ann.client.token, seen)
        worker.start()
        try:
            wait_until(lambda: worker.passes == 1 and not seen.last.syncing)
            status = seen.last
            assert status.online is True and "HTTP 429" in status.last_error
            wait = (status.next_attempt - datetime.now(UTC)).total_seconds()
            assert 1.0 < wait <= 2.0  # never sooner than Retry-After, despite a 0.3 s backoff cap
            wait_until(lambda: worker.passes == 2 and not seen.last.syncing)
            assert seen.last.waiting == 0 and seen.last.last_error == ""
        finally:
            worker.stop()
        ann.close()


def test_an_expired_sign_in_waits_for_a_new_token_and_resumes(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    good = ann.client.token
    token = {"value": "expired"}
    queued = queue_mixed(ann, random.Random(2), cases=2, per_case=2)
    seen = Recorder()
    worker = _worker(ann, world.base_url, lambda: token["value"], seen)
    worker.interval = 0.2  # even with a short timer it must not hammer the server
    worker.start()
    try:
        wait_until(lambda: seen.statuses and seen.last.needs_sign_in)
        time.sleep(1.0)
        assert worker.passes == 1  # waits for a new token: no pass with the refused one
        assert seen.last.waiting == queued.total  # the outbox is kept
        token["value"] = good  # the user signed in again
        wait_until(lambda: seen.last.waiting == 0 and not seen.last.needs_sign_in and not seen.last.syncing)
        assert check_server(world, queued).ok
        assert outbox.counts(ann.db).failed == 0
    finally:
        worker.stop()
    ann.close()
