"""live: how soon a support reply reaches the customer's cache, with the desktop's live updates.

Set-up (not timed): `python -m casedesktop.server serve` (one process, as shipped) with a customer
and an agent; two signed-in client profiles of the customer, each with its own `SyncWorker` (the
sync thread the window runs), the regular poll at the shipped 30 s.
  ours   the worker with live updates (the window's setting): the agent posts a reply through the
         API; timed from just before the POST until the worker has the reply stored in its cache
         and has signalled it (its `on_changes` callback, which the window turns into a repaint).
  peer   a worker without live updates, asked for a pass (`sync_now`) the moment the agent's POST
         returns: the best any poller could do, the floor for a pull of one reply.
Replies alternate between the two profiles' turns, spaced 0.2–0.6 s apart at random, so neither
catches a pass that happened to be running. Without live updates a reply waits for the next poll:
15 s on average, up to 30 s.
Target: ours p95 <= 2 s.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any

from bench.common import Context, ServerProcess, Stats, load_average, make_record

NAME = "live"
TITLE = "a support reply stored by the customer's live sync worker, p95"
P95_TARGET_S = 2.0
TARGETS = {"reply_stored_p95": ("s", f"p95 <= {P95_TARGET_S:.0f} s")}
PASSWORD = "bench-password"
CUSTOMER = "live-customer@bench.example"
AGENT = "live-agent@vendor.example"


class _Client:
    """One customer profile with its sync worker, noting when each reply is stored."""

    def __init__(self, ctx: Context, name: str, url: str, live: bool):
        from casedesktop.store import queries
        from casedesktop.store.database import open_cache
        from casedesktop.sync.credentials import TokenStore
        from casedesktop.sync.sign_in import sign_in
        from casedesktop.sync.worker import SyncWorker

        profile = ctx.workdir / f"live-{name}"
        self.db = open_cache(profile)
        tokens = TokenStore(f"profile:{profile}")
        identity = sign_in(self.db, tokens, url, CUSTOMER, PASSWORD, remember=False)
        self._queries = queries
        self.stored: dict[str, float] = {}
        self.expected: set[str] = set()
        self._lock = threading.Lock()
        self.arrived = threading.Event()
        self.worker = SyncWorker(
            self.db, url, tokens.get, identity.user_id, lambda _status: None, self._changes,
            interval=30.0, live=live,
        )

    def expect(self, case_id: str, body: str) -> None:
        with self._lock:
            self.case_id = case_id
            self.expected = {body}
            self.arrived.clear()

    def _changes(self, _changes: Any) -> None:
        now = time.perf_counter()
        with self._lock:
            if not self.expected:
                return
            bodies = {c.body for c in self._queries.case_detail(self.db, self.case_id).comments}
            for body in self.expected & bodies:
                self.stored[body] = now
                self.expected.discard(body)
            if not self.expected:
                self.arrived.set()

    def close(self) -> None:
        self.worker.stop()
        self.db.close()


def run(ctx: Context) -> list[dict[str, Any]]:
    import requests

    from bench import data

    reps = ctx.reps(40, 6)
    server_dir = ctx.workdir / "live-server"
    sessions = data.server_sessions(server_dir)
    data.add_customer(sessions, CUSTOMER, "Live Traders", PASSWORD)
    data.add_agent(sessions, AGENT, PASSWORD)
    agent_token = data.issue_token(sessions, AGENT)
    customer_token = data.issue_token(sessions, CUSTOMER)
    sessions.dispose()
    rng = random.Random(7)
    ours_s: list[float] = []
    peer_s: list[float] = []
    with ServerProcess(server_dir, ctx.env()) as server:
        load = load_average()
        api = f"{server.url}/api/v1"
        agent = requests.Session()
        agent.headers["Authorization"] = f"Bearer {agent_token}"
        ours, peer = _Client(ctx, "ours", server.url, live=True), _Client(ctx, "peer", server.url, live=False)
        try:
            customer = requests.Session()
            customer.headers["Authorization"] = f"Bearer {customer_token}"
            case = customer.post(f"{api}/cases", json={
                "id": str(uuid.uuid4()), "subject": "Live updates", "description": "Waiting for support.",
            }, timeout=30)
            case.raise_for_status()
            case_id = case.json()["id"]
            for client in (ours, peer):
                client.worker.start()
            deadline = time.monotonic() + 30
            while not (ours.worker.live and ours.worker.live.active) or peer.worker.passes < 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("the live worker never started long-polling")
                time.sleep(0.05)
            for i in range(reps):
                for client, results in ((ours, ours_s), (peer, peer_s)):
                    time.sleep(rng.uniform(0.2, 0.6))
                    body = f"Reply {i} for {'ours' if client is ours else 'peer'}: {uuid.uuid4()}"
                    client.expect(case_id, body)
                    t0 = time.perf_counter()
                    answer = agent.post(f"{api}/cases/{case_id}/comments", json={
                        "id": str(uuid.uuid4()), "body": body, "kind": "reply"}, timeout=30)
                    answer.raise_for_status()
                    if client is peer:
                        peer.worker.sync_now()
                    if not client.arrived.wait(35):
                        raise RuntimeError(f"reply {i} never reached the {'live' if client is ours else 'peer'} worker")
                    results.append(client.stored[body] - t0)
            ctx.say(f"  live p95 {Stats.of(ours_s).percentile(95) * 1000:.0f} ms, "
                    f"asked-at-once pull p95 {Stats.of(peer_s).percentile(95) * 1000:.0f} ms")
        finally:
            ours.close()
            peer.close()
            agent.close()
    ours_stats, peer_stats = Stats.of(ours_s), Stats.of(peer_s)
    p95 = ours_stats.percentile(95)
    return [
        make_record(
            NAME,
            "reply_stored_p95",
            ours=Stats.of([p95]),
            peer=Stats.of([peer_stats.percentile(95)]),
            unit="s",
            target=TARGETS["reply_stored_p95"][1],
            met=p95 <= P95_TARGET_S,
            peer_name="a worker without live updates, asked for a pass when the POST returns",
            details={
                "replies": len(ours_s),
                "ours_median_s": round(ours_stats.median, 3),
                "ours_max_s": round(ours_stats.max, 3),
                "peer_median_s": round(peer_stats.median, 3),
                "poll_interval_s": 30.0,
                "live_news": ours.worker.live.news if ours.worker.live else 0,
                "load_average_at_start": load,
            },
        )
    ]
