"""memory: resident memory of the window with 100,000 cases, the list scrolled end to end.

Ours: bench.gui_runner memory starts the real app on the seeded profile, then scrolls the case
table from the first row to the last in steps of one model page (128 rows, about five screens),
repainting after each step synchronously, so every page of rows really comes from SQLite through
the lazy model and is painted; then it reads VmRSS (and the peak, VmHWM) from /proc/self/status.
(A screen at a time gives the same memory but took 2.5 min per pass at 100,000 rows, each deeper
page costing more: the model pages with OFFSET.)
Peer: the bare PySide6 window's VmRSS once it has painted.
"""

from __future__ import annotations

from statistics import median
from typing import Any

from bench.common import Context, Stats, load_average, make_record
from bench.gui import run_bare, run_ours, seeded_profile

NAME = "memory"
TITLE = "resident memory with 100,000 cases scrolled end to end vs a bare window"
EXTRA_MB = 150.0
PAGE_ROWS = 128  # casedesktop.ui.caselist.model.PAGE_SIZE
TARGETS = {"rss_scrolled": ("MB", f"<= bare + {EXTRA_MB:.0f} MB")}


def run(ctx: Context) -> list[dict[str, Any]]:
    count = 5_000 if ctx.quick else 100_000
    reps = ctx.reps(3, 1)
    profile = seeded_profile(ctx, count)
    load = load_average()
    ours: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    for i in range(reps):
        ours.append(run_ours(ctx, "memory", profile, {"step_rows": PAGE_ROWS}, timeout=600))
        bare.append(run_bare(ctx))
        ctx.say(
            f"  rep {i + 1}/{reps}: ours {ours[-1]['VmRSS'] / 1024:.0f} MB after "
            f"{ours[-1]['scroll_steps']} steps, bare {bare[-1]['VmRSS'] / 1024:.0f} MB"
        )
    rss = Stats.of(r["VmRSS"] / 1024 for r in ours)
    peer = Stats.of(r["VmRSS"] / 1024 for r in bare)
    excess = rss.median - peer.median
    return [
        make_record(
            NAME,
            "rss_scrolled",
            ours=rss,
            peer=peer,
            unit="MB",
            target=TARGETS["rss_scrolled"][1],
            met=excess <= EXTRA_MB,
            peer_name="bare PySide6 window",
            details={
                "cases": count,
                "excess_over_bare_mb": round(excess, 1),
                "ours_peak_mb": round(median(r["VmHWM"] / 1024 for r in ours), 1),
                "ours_rss_at_first_paint_mb": round(
                    median(r["rss_first_paint_kb"] / 1024 for r in ours), 1
                ),
                # The rest of the window and sync load right after the first paint (ui/main.py):
                # the memory of a started window, before any scrolling.
                "ours_rss_when_started_mb": round(
                    median(r["rss_ready_kb"] / 1024 for r in ours), 1
                ),
                "peer_peak_mb": round(median(r["VmHWM"] / 1024 for r in bare), 1),
                "scroll_steps": ours[0]["scroll_steps"],
                "scroll_s": round(median(r["scroll_s"] for r in ours), 2),
                "ms_per_step": round(
                    1000 * median(r["scroll_s"] / r["scroll_steps"] for r in ours), 1
                ),
                "rows_per_step": ours[0]["step_rows"],
                "rows_per_screen": ours[0]["screen_rows"],
                "last_visible_row": ours[0]["last_visible_row"],
                "rows_fetched": ours[0]["rows_fetched"],
                "rows_in_memory_at_end": ours[0]["rows_in_memory"],
                "load_average_at_start": load,
            },
        )
    ]
