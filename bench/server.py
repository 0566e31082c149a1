"""server: create-case and change-feed requests/s under 50 concurrent clients, p99 latency.

Set-up (not timed): `python -m casedesktop.server serve` (one process, as shipped) on a database
holding 50 customers of one account with bearer tokens, and 2,000 cases with 6,000 replies in the
change feed (written in bulk, as the pull benchmark does).
Load: bench.loadgen, 50 keep-alive connections in the benchmark's own process (asyncio/uvloop),
each sending its next request as soon as the last answer is in, for a fixed time after a short
warm-up. Each connection uses its own customer's token.
  create-case  POST /api/v1/cases with a fresh id each time;
  change-feed  GET /api/v1/changes?cursor=HEAD-20&limit=100: a client catching up on the last
               twenty changes (the cursor is not advanced, so the work stays the same);
  ceiling      GET /api/v1/health, the same load on the cheapest endpoint (the peer).
Phases rotate (ceiling, create-case, change-feed) for each repetition. Each record's details
carry the server's CPU time per request (`server_cpu_us_per_request`, and at the ceiling): on a
machine others use too, that figure moves far less than the rates.
Backends: SQLite (the default, records without a suffix), then PostgreSQL (records ending in
`_postgres`) on a throw-away cluster (testkit.postgres) with PostgreSQL's default,
durable settings (fsync and synchronous_commit on), or $CASEDESKTOP_BENCH_POSTGRES_URL (a
server whose databases the benchmark may create); where neither is there, the PostgreSQL
records say "not available" and why. Each backend has its own ceiling, measured in its run.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from statistics import median
from typing import Any

from bench.common import (
    Context,
    NotAvailable,
    ServerProcess,
    Stats,
    load_average,
    make_record,
    not_available,
    proc_cpu_seconds,
)
from bench.loadgen import LoadResult, run_load
from testkit import postgres

NAME = "server"
TITLE = "create-case and change-feed requests/s under 50 clients vs /health"
CLIENTS = 50
RATIO_TARGET = 0.3
P99_TARGET_MS = 200.0
BACKENDS = ("", "_postgres")  # record name suffixes: SQLite, PostgreSQL
TARGETS = {
    f"{metric}{suffix}": target
    for suffix in BACKENDS
    for metric, target in {
        "create_case_rate": ("req/s", f">= {RATIO_TARGET}x the /health ceiling"),
        "create_case_p99": ("ms", f"p99 <= {P99_TARGET_MS:.0f} ms"),
        "change_feed_rate": ("req/s", f">= {RATIO_TARGET}x the /health ceiling"),
        "change_feed_p99": ("ms", f"p99 <= {P99_TARGET_MS:.0f} ms"),
    }.items()
}
PASSWORD = "bench-password"


def run(ctx: Context) -> list[dict[str, Any]]:
    from bench import data

    records = _run_backend(
        ctx, "", data.server_sessions(ctx.workdir / "server-load"), ctx.workdir / "server-load"
    )
    ctx.say("  PostgreSQL:")
    try:
        with _postgres() as url:
            from casedesktop.server.db import Sessions, make_engine
            from casedesktop.server.migrate import upgrade_database

            upgrade_database(url)
            records += _run_backend(
                ctx, "_postgres", Sessions(make_engine(url)), ctx.workdir / "server-pg", url
            )
    except NotAvailable as exc:
        ctx.say(f"  not available: {exc}")
        for metric in (
            "create_case_rate",
            "create_case_p99",
            "change_feed_rate",
            "change_feed_p99",
        ):
            unit, target = TARGETS[f"{metric}_postgres"]
            records.append(not_available(NAME, f"{metric}_postgres", unit, target, str(exc)))
    return records


def _run_backend(
    ctx: Context, suffix: str, sessions: Any, server_dir: Path, database_url: str | None = None
) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from bench import data
    from casedesktop.server.models import ChangeLog

    seconds = 1.0 if ctx.quick else 5.0
    warmup = 0.3 if ctx.quick else 1.0
    reps = ctx.reps(3, 1)
    account = None
    emails = [f"load-{i}@bench.example" for i in range(CLIENTS)]
    for email in emails:
        account = data.add_customer(sessions, email, "Load Traders", PASSWORD)
    reporter = data.user_id_of(sessions, emails[0])
    data.seed_server_feed(sessions, account, reporter, 200 if ctx.quick else 2000, 3)
    tokens = [data.issue_token(sessions, email) for email in emails]

    def head() -> int:
        return sessions.run_read(lambda s: s.scalar(select(func.max(ChangeLog.seq)))) or 0

    results: dict[str, list[LoadResult]] = {"health": [], "create_case": [], "change_feed": []}
    server_cpu: dict[str, list[float]] = {phase: [] for phase in results}
    with _server(server_dir, ctx.env(), database_url) as server:
        load = load_average()
        prefix = "/api/v1"

        def auth(n: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[n % CLIENTS]}"}

        def health(_n: int) -> tuple[str, str, bytes, dict[str, str]]:
            return "GET", f"{prefix}/health", b"", {}

        def create_case(n: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "subject": f"Load {n}: printer offline",
                    "description": "It stopped printing after the update.",
                    "severity": "standard",
                    "product": "Payroll",
                }
            ).encode()
            return "POST", f"{prefix}/cases", body, {**auth(n), "Content-Type": "application/json"}

        def change_feed_at(cursor: int):  # noqa: ANN202
            def make(n: int) -> tuple[str, str, bytes, dict[str, str]]:
                return "GET", f"{prefix}/changes?cursor={cursor}&limit=100", b"", auth(n)

            return make

        for i in range(reps):
            for phase in ("health", "create_case", "change_feed"):
                make = {
                    "health": health,
                    "create_case": create_case,
                    "change_feed": change_feed_at(max(0, head() - 20)),
                }[phase]
                run_load(server.url, make, clients=CLIENTS, seconds=warmup)
                cpu0 = proc_cpu_seconds(server.pid)
                result = run_load(server.url, make, clients=CLIENTS, seconds=seconds)
                server_cpu[phase].append(
                    100 * (proc_cpu_seconds(server.pid) - cpu0) / result.seconds
                )
                results[phase].append(result)
            figures = [
                f"{phase} {rs[-1].rate:.0f}/s, p99 {_p(rs[-1], 99):.0f} ms"
                for phase, rs in results.items()
            ]
            ctx.say(f"  rep {i + 1}/{reps}: " + "; ".join(figures))
    sessions.dispose()

    ceiling = Stats.of(r.rate for r in results["health"])
    ceiling_p99 = Stats.of(Stats.of(r.latencies_ms).percentile(99) for r in results["health"])
    records = []
    for phase in ("create_case", "change_feed"):
        runs = results[phase]
        rate = Stats.of(r.rate for r in runs)
        p99 = Stats.of(Stats.of(r.latencies_ms).percentile(99) for r in runs)
        errors = sum(r.errors for r in runs)
        details = {
            "clients": CLIENTS,
            "seconds_per_run": seconds,
            "p50_ms": round(median(Stats.of(r.latencies_ms).percentile(50) for r in runs), 1),
            "health_p50_ms": round(
                median(Stats.of(r.latencies_ms).percentile(50) for r in results["health"]), 1
            ),
            "requests": sum(r.requests for r in runs),
            "errors": errors,
            "first_error": next((r.first_error for r in runs if r.first_error), None),
            "statuses": _sum_statuses(runs),
            "generator_cpu_pct": round(median(r.generator_cpu_pct for r in runs)),
            "server_cpu_pct": round(median(server_cpu[phase])),
            "server_cpu_pct_at_ceiling": round(median(server_cpu["health"])),
            "server_cpu_us_per_request": _cpu_per_request(server_cpu[phase], runs),
            "server_cpu_us_per_request_at_ceiling": _cpu_per_request(
                server_cpu["health"], results["health"]
            ),
            "generator_cpu_pct_at_ceiling": round(
                median(r.generator_cpu_pct for r in results["health"])
            ),
            "load_average_at_start": load,
        }
        ratio = rate.median / ceiling.median
        records.append(
            make_record(
                NAME,
                f"{phase}_rate{suffix}",
                ours=rate,
                peer=ceiling,
                unit="req/s",
                target=TARGETS[f"{phase}_rate{suffix}"][1],
                met=ratio >= RATIO_TARGET and errors == 0,
                peer_name="GET /api/v1/health, same load",
                details=details,
            )
        )
        records.append(
            make_record(
                NAME,
                f"{phase}_p99{suffix}",
                ours=p99,
                peer=ceiling_p99,
                unit="ms",
                target=TARGETS[f"{phase}_p99{suffix}"][1],
                met=p99.median <= P99_TARGET_MS and errors == 0,
                peer_name="GET /api/v1/health, same load",
                details={"see": f"{phase}_rate{suffix}"},
            )
        )
    return records


def _cpu_per_request(cpu_pcts: list[float], runs: list[LoadResult]) -> int:
    """The server's CPU time per answered request (µs), the median over the repetitions."""
    figures = [10_000 * pct / run.rate for pct, run in zip(cpu_pcts, runs, strict=True) if run.rate]
    return round(median(figures)) if figures else 0


def _p(result: LoadResult, q: float) -> float:
    return Stats.of(result.latencies_ms).percentile(q)


def _sum_statuses(runs: list[LoadResult]) -> dict[str, int]:
    total: dict[str, int] = {}
    for run_ in runs:
        for code, n in run_.statuses.items():
            total[str(code)] = total.get(str(code), 0) + n
    return total


def _server(data_dir: Path, env: dict[str, str], database_url: str | None) -> ServerProcess:
    if database_url is None:
        return ServerProcess(data_dir, env)
    return ServerProcess(data_dir, env, database_url)


@contextmanager
def _postgres() -> Iterator[str]:
    """A URL of a fresh database: $CASEDESKTOP_BENCH_POSTGRES_URL's server, or a throw-away
    cluster with PostgreSQL's default (durable) settings; NotAvailable when neither works."""
    given = os.environ.get("CASEDESKTOP_BENCH_POSTGRES_URL")
    if given:
        yield postgres.create_database(given, prefix="casedesktop_bench")
        return
    with ExitStack() as stack:
        try:
            server_url = stack.enter_context(postgres.cluster(durable=True))
        except postgres.Unavailable as exc:
            raise NotAvailable(str(exc)) from exc
        yield postgres.create_database(server_url, prefix="casedesktop_bench")
