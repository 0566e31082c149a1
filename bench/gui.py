"""Starting the GUI children (ours: bench.gui_runner, the peer: bench.bare_window) under Xvfb,
and the seeded profile the list, search and memory benchmarks share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import PYTHON, Context, NotAvailable, last_json_line, run_measured

WINDOW_SETTINGS = (
    "window.ini"  # MainWindow keeps the sort and geometry here; every run starts clean
)


def seeded_profile(ctx: Context, count: int) -> Path:
    """A signed-in profile with `count` cases, made once per run and shared."""
    profiles: dict[int, Path] = ctx._profiles
    if count not in profiles:
        from bench.data import seed_client_profile

        ctx.say(f"  seeding a profile with {count:,} cases ...")
        profiles[count] = seed_client_profile(ctx.workdir / f"profile-{count}", count)
    return profiles[count]


def run_ours(
    ctx: Context,
    mode: str,
    profile: Path,
    options: dict[str, Any] | None = None,
    timeout: float = 300,
) -> dict[str, Any]:
    """One start of the real window; the runner's report plus `start_ms` (process start to the
    case list painted, measured on the parent's clock) and the child's rusage."""
    (profile / WINDOW_SETTINGS).unlink(missing_ok=True)
    cmd = [PYTHON, "-m", "bench.gui_runner", mode, str(profile), json.dumps(options or {})]
    return _run(ctx, cmd, timeout)


def run_bare(ctx: Context, timeout: float = 60) -> dict[str, Any]:
    return _run(ctx, [PYTHON, "-m", "bench.bare_window"], timeout)


def _run(ctx: Context, cmd: list[str], timeout: float) -> dict[str, Any]:
    finished = run_measured(cmd, env=ctx.gui_env(), workdir=ctx.workdir / "gui", timeout=timeout)
    try:
        report = last_json_line(finished.stdout)
    except ValueError:
        raise NotAvailable(
            f"{' '.join(cmd[1:3])} exited {finished.returncode} without a report: "
            f"{finished.stderr.strip()[-800:]}"
        ) from None
    if "error" in report:
        raise NotAvailable(f"{' '.join(cmd[1:3])}: {report['error']}; {finished.stderr[-500:]}")
    report["start_ms"] = (report["t_painted"] - finished.started_at) * 1000
    report["interpreter_ms"] = (report["t_main"] - finished.started_at) * 1000
    report["cpu_s"] = finished.cpu_s
    report["maxrss_kb"] = finished.maxrss_kb
    return report
