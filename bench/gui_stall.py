"""gui_stall: how late the window's event loop runs while the first sync of N cases comes in
(N = 100,000; 2,000 with --quick) and a user clicks about, vs the same user on a cache that already holds them.

Why: sync runs on its own thread, but it shares the GIL and the cache with the GUI thread; a
first sync that stores a feed page while the user opens a case must not freeze the window.

Set-up (not timed): a server database filled in bulk with N cases and 3N replies of one customer
account (as the pull benchmark does), served by `python -m casedesktop.server serve`; a fresh
profile signed in to it with `sign_in`.
Ours: the real window in a child process under Xvfb (bench/gui_stall_runner.py), started as the
app starts it, `Session(profile, sync_interval=...)` then `session.start()`, so the sync worker
starts its first sync of all N cases. From the window's first paint until the window has been
told that first sync finished (plus 0.5 s for the refresh that news triggers), a scripted user
acts through the widgets every 300-500 ms: selects another row (the case opens), and every few
seconds switches a status tab, sends a reply, types a search term or clears it. A PreciseTimer
firing every 5 ms records how late each timeout came (actual interval - 5 ms).
Peer: the same child, window and script (same seed) on that profile once it holds the N cases,
sync idle after its start-up pass (it only sends the user's own replies), for as long as ours
measured (at most PEER_MAX_S): what the user's actions alone cost the event loop.
Figures: p99 lateness of each (ours against the target, and ours/peer); p50, max, the samples,
the sync's time and what the user did are in the record's details. So are the longest stalls
(`details.ours.stalls`), each with the timed calls that overlap it (window slots, the feed
page's request, parsing and storing, garbage collections), the CPU time and run-queue wait of
every thread during it, and where the other threads stood: enough to tell work on the GUI
thread from the GIL held elsewhere and from a machine short of CPU.

$CASEDESKTOP_BENCH_GUI_STALL_CASES sets N (e.g. 20000 for a medium run).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.common import (
    PYTHON,
    Context,
    NotAvailable,
    ServerProcess,
    Stats,
    last_json_line,
    load_average,
    make_record,
    run_measured,
)

NAME = "gui_stall"
TITLE = "event-loop lateness during the first sync of N cases vs the same user on a synced cache"
P99_TARGET_MS = 50.0
TARGETS = {
    "lateness_p99": ("ms", f"p99 <= {P99_TARGET_MS:.0f} ms while the first sync runs"),
}
PASSWORD = "bench-password"
EMAIL = "stall@bench.example"
REPLIES = 3  # per case, as in the pull benchmark
PEER_MAX_S = 120.0
PEER_MIN_S = 3.0
SEED = 20250101
CASES_ENV = "CASEDESKTOP_BENCH_GUI_STALL_CASES"


def run(ctx: Context) -> list[dict[str, Any]]:
    from bench import data
    from casedesktop.store.database import open_cache
    from casedesktop.sync.credentials import TokenStore
    from casedesktop.sync.sign_in import sign_in

    cases = int(os.environ.get(CASES_ENV) or (2_000 if ctx.quick else 100_000))
    server_dir = ctx.workdir / "gui-stall-server"
    profile = ctx.workdir / "gui-stall-profile"
    entries = data.seed_feed_server(server_dir, EMAIL, "Stall Traders", PASSWORD, cases, REPLIES, ctx.say)
    # Generous: the first sync of 100,000 cases takes minutes, and a busy machine more.
    watchdog_s = 120 if ctx.quick else max(600, cases / 100)

    with ServerProcess(server_dir, ctx.env()) as server:
        db = open_cache(profile)
        try:
            sign_in(db, TokenStore(f"profile:{profile}"), server.url, EMAIL, PASSWORD)
        finally:
            db.close()
        load = load_average()
        options = {"seed": SEED, "sync_interval": 3600, "watchdog_s": watchdog_s}
        ctx.say(f"  ours: the first sync of {cases:,} cases with the user at work ...")
        ours = _child(ctx, "first_sync", profile, options, watchdog_s + 60)
        if ours.get("cases_in_cache") != cases:
            raise RuntimeError(
                f"the first sync left {ours.get('cases_in_cache')} cases in the cache, "
                f"expected {cases}"
            )
        _say(ctx, "ours", ours)
        duration = min(PEER_MAX_S, max(PEER_MIN_S, ours["lateness"]["seconds"]))
        ctx.say(f"  peer: the same user for {duration:.0f} s on the synced cache, sync idle ...")
        peer = _child(
            ctx, "synced", profile, {**options, "duration_s": duration}, watchdog_s + duration
        )
        _say(ctx, "peer", peer)

    ours_late, peer_late = ours["lateness"], peer["lateness"]
    ours_p99 = Stats.of([ours_late["p99_ms"]])
    peer_p99 = Stats.of([peer_late["p99_ms"]])
    ratio = ours_late["p99_ms"] / peer_late["p99_ms"] if peer_late["p99_ms"] > 0 else None
    return [
        make_record(
            NAME,
            "lateness_p99",
            ours=ours_p99,
            peer=peer_p99,
            unit="ms",
            target=TARGETS["lateness_p99"][1],
            met=ours_late["p99_ms"] <= P99_TARGET_MS,
            ratio=ratio,
            peer_name="same user, synced cache, sync idle",
            details={
                "cases": cases,
                "replies_on_server": cases * REPLIES,
                "feed_entries": entries,
                "tick_ms": 5,
                "first_sync_s": ours.get("first_pass_s"),
                "ours": _details(ours),
                "peer": _details(peer),
                "load_average_at_start": load,
            },
        )
    ]


def _child(
    ctx: Context, mode: str, profile: Path, options: dict[str, Any], timeout: float
) -> dict[str, Any]:
    (profile / "window.ini").unlink(missing_ok=True)  # every run starts with the default layout
    cmd = [PYTHON, "-m", "bench.gui_stall_runner", mode, str(profile), json.dumps(options)]
    finished = run_measured(
        cmd, env=ctx.gui_env(), workdir=ctx.workdir / "gui-stall", timeout=timeout
    )
    try:
        report = last_json_line(finished.stdout)
    except ValueError:
        raise NotAvailable(
            f"gui_stall_runner {mode} exited {finished.returncode} without a report: "
            f"{finished.stderr.strip()[-800:]}"
        ) from None
    if "error" in report:
        raise RuntimeError(f"gui_stall_runner {mode}: {report['error']}; {finished.stderr[-800:]}")
    report["cpu_s"] = round(finished.cpu_s, 1)
    report["wall_s"] = round(finished.wall_s, 1)
    report["maxrss_kb"] = finished.maxrss_kb
    return report


def _details(report: dict[str, Any]) -> dict[str, Any]:
    """What the record keeps of a child's report."""
    keys = (
        "lateness",
        "user",
        "first_pass_s",
        "measure_start_s",
        "cases_at_start",
        "cases_in_cache",
        "replies_in_cache",
        "stalls",
        "timed_calls",
        "gc",
        "cpu_s",
        "wall_s",
        "maxrss_kb",
    )
    return {key: report.get(key) for key in keys}


def _say(ctx: Context, who: str, report: dict[str, Any]) -> None:
    late, user = report["lateness"], report.get("user", {})
    ctx.say(
        f"  {who}: lateness p50 {late['p50_ms']:.1f} ms, p99 {late['p99_ms']:.1f} ms, "
        f"max {late['max_ms']:.0f} ms over {late['samples']:,} ticks ({late['seconds']:.1f} s); "
        f"first pass {report.get('first_pass_s')} s; {user.get('cases_opened', 0)} cases "
        f"opened, {user.get('replies_sent', 0)} replies sent, {user.get('tab_switches', 0)} "
        f"tab switches, {user.get('keystrokes', 0)} keystrokes"
    )
    for stall in report.get("stalls", [])[:3]:
        ctx.say(
            f"    stall {stall['late_ms']:.0f} ms at {stall['at_s']} s: CPU ms {stall['cpu_ms']}, "
            f"waited for a CPU ms {stall['waited_for_cpu_ms']}, during {stall['during'][:3]}"
        )
