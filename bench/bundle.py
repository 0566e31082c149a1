"""The frozen bundle against the venv: cold start to the painted case list, and its size.

Both start the same way a user does (`casedesktop --profile DIR` on a seeded, signed-in profile)
with CASEDESKTOP_FIRST_PAINT_FILE set: the window writes the moment of its first paint
(time.monotonic, shared by every process on Linux) and exits. Ours is the bundle, the peer the
venv's `casedesktop` script, alternating, same profile, same display.
Needs a built bundle: `./dev package` (or CASEDESKTOP_BUNDLE=FOLDER).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Context, Stats, load_average, make_record, not_available
from bench.gui import seeded_profile

NAME = "bundle"
TITLE = "the frozen bundle: cold start to the painted list against the venv's (and its size)"
START_TARGET = 1.2  # the bundle <= 1.2x the venv
SIZE_TARGET_MB = 250.0  # asserted by tests/bundle; reported here beside the start
TARGETS = {"cold_start": ("ms", f"bundle start <= {START_TARGET}x venv")}
ROOT = Path(__file__).resolve().parents[1]


def bundle_folder() -> Path:
    return Path(os.environ.get("CASEDESKTOP_BUNDLE") or ROOT / "dist" / "casedesktop")


def start_ms(ctx: Context, command: list[str], profile: Path, probe: Path) -> float:
    probe.unlink(missing_ok=True)
    env = ctx.gui_env()
    env["CASEDESKTOP_FIRST_PAINT_FILE"] = str(probe)
    started = time.monotonic()
    done = subprocess.run([*command, "--profile", str(profile)], env=env, capture_output=True, text=True,
                          timeout=120)
    if not probe.exists():
        raise RuntimeError(f"{command[0]} never painted (exit {done.returncode}): {done.stderr[-2000:]}")
    return (float(probe.read_text()) - started) * 1000


def run(ctx: Context) -> list[dict[str, Any]]:
    folder = bundle_folder()
    executable = folder / "casedesktop"
    venv_script = Path(sys.executable).with_name("casedesktop")
    target = TARGETS["cold_start"][1]
    if not executable.is_file() or not sys.platform.startswith("linux"):
        reason = f"no Linux bundle at {folder}: run ./dev package first"
        return [not_available(NAME, "cold_start", "ms", target, reason, "venv casedesktop")]
    profile = seeded_profile(ctx, 5_000 if ctx.quick else 100_000)
    probe = ctx.workdir / "first-paint.txt"
    reps = ctx.reps(7, 2)
    load = load_average()
    ctx.say("  warm-up start of each (not counted)")
    start_ms(ctx, [str(executable)], profile, probe)
    start_ms(ctx, [str(venv_script)], profile, probe)
    ours: list[float] = []
    peer: list[float] = []
    for i in range(reps):
        for who in (("ours", "peer") if i % 2 == 0 else ("peer", "ours")):
            if who == "ours":
                ours.append(start_ms(ctx, [str(executable)], profile, probe))
            else:
                peer.append(start_ms(ctx, [str(venv_script)], profile, probe))
        ctx.say(f"  rep {i + 1}/{reps}: bundle {ours[-1]:.0f} ms, venv {peer[-1]:.0f} ms")
    ours_stats, peer_stats = Stats.of(ours), Stats.of(peer)
    ratio = ours_stats.median / peer_stats.median
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    return [
        make_record(NAME, "cold_start", ours=ours_stats, peer=peer_stats, unit="ms", target=target,
                    met=ratio <= START_TARGET, peer_name="venv casedesktop",
                    details={"cases": 5_000 if ctx.quick else 100_000, "load_average": load,
                             "bundle_mb": round(size_mb, 1), "bundle_files": len(files),
                             "bundle_size_met": size_mb <= SIZE_TARGET_MB}),
    ]
