"""idle: what 1,000 desktops holding a live-update long-poll cost one idle server process.

Set-up (not timed): `python -m casedesktop.server serve` (one process, as shipped, SQLite) with 50
customers in 10 accounts and a few hundred cases, each customer with a bearer token.
  peer   the server with no one connected: GET /api/v1/health p99 under 10 keep-alive clients
         (bench.loadgen), and its CPU use over the same window.
  ours   the same server while 1,000 connections (tokens round-robin) each keep one
         GET /api/v1/changes?cursor=HEAD&wait=30 open, sending the next as soon as one is answered,
         as the desktop's sync does; they connect spread over 5 s, like clients that did not all
         start at once. Measured over 35 s, a whole cycle of long-polls ending and restarting:
         the server's CPU (% of one core), its resident memory, and then /health p99 as above
         with the long-polls still open.
Targets: RSS <= 300 MB, CPU <= 5 % of a core, /health p99 within 25 % (or 5 ms) of the peer's.
"""

from __future__ import annotations

import asyncio
import json
import resource
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from bench.common import (
    Context,
    ServerProcess,
    Stats,
    load_average,
    make_record,
    proc_cpu_seconds,
    proc_status_kb,
)
from bench.loadgen import _encode, _read_response, run_load

NAME = "idle"
TITLE = "1,000 idle long-polls: server RSS, CPU and /health p99 beside them"
RSS_TARGET_MB = 300.0
CPU_TARGET_PCT = 5.0
P99_SLACK = 1.25
P99_SLACK_MS = 5.0
TARGETS = {
    "rss": ("MB", f"<= {RSS_TARGET_MB:.0f} MB with 1,000 long-polls open"),
    "cpu": ("% of a core", f"<= {CPU_TARGET_PCT:.0f} % while idle"),
    "health_p99": ("ms", f"<= {P99_SLACK}x (or +{P99_SLACK_MS:.0f} ms) of the p99 without them"),
}
CUSTOMERS = 50
ACCOUNTS = 10


class LongPollers:
    """`count` keep-alive connections, each always holding one long-poll, on their own thread."""

    def __init__(self, url: str, tokens: list[str], cursor: int, count: int, wait: int, spread: float):
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._tokens, self._cursor, self._count = tokens, cursor, count
        self._wait, self._spread = wait, spread
        self.connected = self.answers = self.errors = 0
        self.first_error = ""
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._main(),),
                                        name="bench-long-polls", daemon=True)

    def __enter__(self) -> LongPollers:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(self._wait + 15)

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        tasks = [asyncio.create_task(self._one(i)) for i in range(self._count)]
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, i: int) -> None:
        await asyncio.sleep(self._spread * i / self._count)
        reader, writer = await asyncio.open_connection(self._host, self._port)
        self.connected += 1
        headers = {"Authorization": f"Bearer {self._tokens[i % len(self._tokens)]}"}
        cursor = self._cursor
        try:
            while True:
                path = f"/api/v1/changes?cursor={cursor}&limit=100&wait={self._wait}"
                writer.write(_encode(f"{self._host}:{self._port}", "GET", path, b"", headers))
                status, body = await _read_response(reader)
                self.answers += 1
                if status != 200:
                    self.errors += 1
                    self.first_error = self.first_error or f"{status}: {body[:200]!r}"
                    await asyncio.sleep(1)
                    continue
                cursor = json.loads(body)["cursor"]
        finally:
            writer.close()


def run(ctx: Context) -> list[dict[str, Any]]:
    from bench import data

    count = 100 if ctx.quick else 1000
    wait = 2 if ctx.quick else 30
    spread = 0.5 if ctx.quick else 5.0
    window = 3.0 if ctx.quick else 35.0
    health_seconds = 1.0 if ctx.quick else 5.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4 * count:  # sockets here and in the server
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * count + 1024), hard))

    server_dir = ctx.workdir / "idle-server"
    sessions = data.server_sessions(server_dir)
    emails = [f"idle-{i}@bench.example" for i in range(CUSTOMERS)]
    account = None
    for i, email in enumerate(emails):
        account = data.add_customer(sessions, email, f"Idle Traders {i % ACCOUNTS}")
    reporter = data.user_id_of(sessions, emails[-1])
    data.seed_server_feed(sessions, account, reporter, 20 if ctx.quick else 300, 2)
    tokens = [data.issue_token(sessions, email) for email in emails]
    sessions.dispose()

    def health(_n: int) -> tuple[str, str, bytes, dict[str, str]]:
        return "GET", "/api/v1/health", b"", {}

    with ServerProcess(server_dir, ctx.env()) as server:
        load = load_average()
        run_load(server.url, health, clients=10, seconds=0.3)  # warm up
        alone = run_load(server.url, health, clients=10, seconds=health_seconds)
        cpu0, t0 = proc_cpu_seconds(server.pid), time.monotonic()
        time.sleep(window / 5)
        cpu_alone = 100 * (proc_cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
        rss_alone = proc_status_kb(server.pid, "VmRSS") / 1024
        import requests

        head = requests.get(f"{server.url}/api/v1/changes", params={"cursor": 0, "limit": 1000},
                            headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30)
        head.raise_for_status()
        cursor = head.json()["cursor"]
        with LongPollers(server.url, tokens, cursor, count, wait, spread) as pollers:
            deadline = time.monotonic() + spread + 30
            while pollers.connected < count and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)  # the first long-polls' opening reads are done
            cpu0, t0, answers0 = proc_cpu_seconds(server.pid), time.monotonic(), pollers.answers
            time.sleep(window)
            cpu = 100 * (proc_cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
            cycled = pollers.answers - answers0
            rss = proc_status_kb(server.pid, "VmRSS") / 1024
            beside = run_load(server.url, health, clients=10, seconds=health_seconds)
            connected, errors, first_error = pollers.connected, pollers.errors, pollers.first_error
    p99_alone = Stats.of(alone.latencies_ms).percentile(99)
    p99_beside = Stats.of(beside.latencies_ms).percentile(99)
    ctx.say(f"  {connected} long-polls: RSS {rss:.0f} MB (alone {rss_alone:.0f}), CPU {cpu:.1f} % "
            f"(alone {cpu_alone:.1f} %), /health p99 {p99_beside:.1f} ms (alone {p99_alone:.1f} ms)")
    details = {
        "long_polls": connected,
        "wait_s": wait,
        "window_s": window,
        "answers_in_window": cycled,
        "errors": errors,
        "first_error": first_error or None,
        "health_rate_alone": round(alone.rate),
        "health_rate_beside": round(beside.rate),
        "load_average_at_start": load,
    }
    healthy = errors == 0 and connected == count
    return [
        make_record(NAME, "rss", ours=Stats.of([rss]), peer=Stats.of([rss_alone]), unit="MB",
                    target=TARGETS["rss"][1], met=healthy and rss <= RSS_TARGET_MB,
                    peer_name="the same server with no one connected", details=details),
        make_record(NAME, "cpu", ours=Stats.of([cpu]), peer=Stats.of([cpu_alone]),
                    unit="% of a core", target=TARGETS["cpu"][1],
                    met=healthy and cpu <= CPU_TARGET_PCT,
                    peer_name="the same server with no one connected", details={"see": "rss"}),
        make_record(NAME, "health_p99", ours=Stats.of([p99_beside]), peer=Stats.of([p99_alone]),
                    unit="ms", target=TARGETS["health_p99"][1],
                    met=healthy and (p99_beside <= P99_SLACK * p99_alone
                                     or p99_beside <= p99_alone + P99_SLACK_MS),
                    peer_name="GET /api/v1/health, 10 clients, no long-polls open",
                    details={"see": "rss"}),
    ]
