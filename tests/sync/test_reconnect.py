"""Reconnecting after an outage: while changes wait, the worker's backoff stays bounded (jittered,
at most `WAITING_CAP` between two tries unless the server's Retry-After asks for more), so a
server that comes back is found within seconds without "Sync now"; a change made offline probes
at once."""

from __future__ import annotations

import random
import time
from pathlib import Path

from casedesktop.app import open_profile
from casedesktop.store import local_changes, outbox
from casedesktop.sync.sign_in import sign_in
from casedesktop.sync.worker import WAITING_CAP, SyncStatus, SyncWorker, backoff_cap, backoff_delay
from tests.support import CUSTOMER, ServerProcess, Staff
from tests.sync.conftest import CUSTOMER_EMAIL
from tests.sync.faultproxy import FaultProxy
from tests.sync.helpers import make_device, wait_until


class Statuses:
    """The worker's statuses, each with how far ahead its next try was when it was published."""

    def __init__(self) -> None:
        self.items: list[tuple[SyncStatus, float | None]] = []

    def __call__(self, status: SyncStatus) -> None:
        ahead = None if status.next_attempt_at is None else status.next_attempt_at - time.monotonic()
        self.items.append((status, ahead))

    @property
    def last(self) -> SyncStatus:
        return self.items[-1][0]


def _reconnect_lag(seed: int, cap: float, outage: float = 45.0) -> float:
    """The worker's schedule over an outage (tries take no time): how long after the server is
    back the first try comes."""
    rng = random.Random(seed)
    t, failures = 0.0, 0
    while t < outage:
        failures += 1
        t += backoff_delay(failures, None, 1.0, cap, rng)
    return t - outage


def test_the_backoff_is_jittered_and_bounded_while_changes_wait() -> None:
    assert backoff_cap(True, 30.0) == WAITING_CAP == 8.0
    assert backoff_cap(False, 30.0) == 30.0  # nothing to send: up to the poll interval
    assert backoff_cap(False, 2.0) == WAITING_CAP  # ... never below the bound with changes waiting
    assert backoff_cap(False, 3600.0) == 300.0 and backoff_cap(True, 30.0, cap=0.3) == 0.3

    rng = random.Random(20261123)
    by_failures = {n: [backoff_delay(n, None, 1.0, WAITING_CAP, rng) for _ in range(300)] for n in range(1, 41)}
    assert max(by_failures[1]) <= 2.0 and max(by_failures[2]) <= 4.0  # 1, 2, 4, 8 s windows ...
    assert max(max(d) for d in by_failures.values()) <= WAITING_CAP  # ... and never more
    assert max(by_failures[40]) > 7.0 and min(by_failures[40]) < 1.0  # full jitter over 0..8 s
    assert len(set(by_failures[40])) == 300  # no two clients in lockstep
    assert 3.0 < sum(by_failures[40]) / 300 < 5.0
    assert sum(by_failures[1]) / 300 < 0.5 * sum(by_failures[3]) / 300  # it does grow first
    # Deterministic for a seeded random, which the worker takes as `rng`.
    assert [backoff_delay(5, None, 1.0, 8.0, random.Random(3)) for _ in range(3)] == [
        backoff_delay(5, None, 1.0, 8.0, random.Random(3)) for _ in range(3)]
    # The server's Retry-After is a floor above the cap.
    assert backoff_delay(40, 30.0, 1.0, WAITING_CAP, rng) == 30.0
    # The reported outage: 45 s away. With changes waiting the server is found within 8 s of
    # coming back, whatever the jitter; with the old 300 s bound it could take a minute.
    assert max(_reconnect_lag(seed, WAITING_CAP) for seed in range(300)) <= WAITING_CAP
    assert max(_reconnect_lag(seed, 300.0) for seed in range(300)) > 30.0


def test_a_server_back_from_an_outage_gets_the_waiting_change_within_10_s(
    server_process: ServerProcess, profile_dir: Path
) -> None:
    profile = open_profile(profile_dir)
    identity = sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
    subject = "Made while the server was away"
    local_changes.create_case(profile.db, identity, subject=subject, description="Sent on reconnect")
    server_process.stop()
    seen = Statuses()
    worker = SyncWorker(profile.db, server_process.url, profile.tokens.get, identity.user_id, seen, lambda _c: None,
                        interval=30.0)
    # The production bound (WAITING_CAP) and poll interval. A small base and this seed make a long
    # outage quick to reach: nine failed tries (a pass, then probes) within ~1.5 s, after which a
    # backoff bounded at 300 s would wait 0.78 * 25.6 = 20 s (the bug); bounded, 0.78 * 8 = 6.2 s.
    worker.backoff_base = 0.05
    worker.rng = random.Random(262568)
    worker.start()
    try:
        wait_until(lambda: worker.failures >= 9)
        assert worker.passes == 1 and worker.probes >= 8  # offline: cheap probes after one pass
        assert seen.last.online is False and seen.last.waiting == 1
        server_process.start()  # returns once /health answers
        took = wait_until(lambda: outbox.counts(profile.db).waiting == 0, timeout=20.0)
        assert took < 10.0, f"the waiting change reached the server {took:.1f} s after it was back"
        wait_until(lambda: worker.passes >= 2, timeout=5.0)  # counted once the pass's news are handed on
        assert worker.passes == 2  # found by a probe, then one pass: no "sync now"
        assert Staff(server_process.url).case_by_subject(subject)["description"] == "Sent on reconnect"
        offline = [ahead for status, ahead in seen.items if status.online is False and not status.syncing]
        assert offline and all(ahead is not None and ahead <= WAITING_CAP for ahead in offline)
    finally:
        worker.stop()
        profile.close()


def test_a_change_made_offline_looks_for_the_server_at_once(world, tmp_path: Path) -> None:  # noqa: ANN001
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    with FaultProxy((host, int(port))) as proxy:
        proxy.down()
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(0.5, 2.0))
        seen = Statuses()
        worker = SyncWorker(ann.db, proxy.url, lambda: ann.client.token, ann.identity.user_id, seen,
                            lambda _c: None, interval=30.0)
        worker.backoff_base = 100.0  # at once the widest window: 0..30 s with nothing to send
        worker.rng = random.Random(0)  # whose first draw is 25 s
        worker.start()
        try:
            wait_until(lambda: seen.items and seen.last.online is False and not seen.last.syncing)
            assert 20.0 < seen.items[-1][1] <= 30.0  # nothing waits: backs off up to the interval

            local_changes.create_case(ann.db, ann.identity, subject="First offline", description="d")
            probes, published = worker.probes, len(seen.items)
            worker.poke()
            assert wait_until(lambda: worker.probes == probes + 1 and len(seen.items) > published) < 1.0
            status, ahead = seen.items[-1]
            assert status.online is False and status.waiting == 1
            assert ahead is not None and ahead <= WAITING_CAP  # a change waits: the short bound

            proxy.up()
            local_changes.create_case(ann.db, ann.identity, subject="Second offline", description="d")
            worker.poke()
            took = wait_until(lambda: seen.last.online and not seen.last.syncing and seen.last.waiting == 0)
            assert took < 2.0 and worker.passes == 2
        finally:
            worker.stop()
        ann.close()
