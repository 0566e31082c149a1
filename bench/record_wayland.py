"""record_wayland: `casedesktop record` at 1080p15 on a headless Wayland desktop vs on X11.

The same moving pattern (testkit/wayland/pattern.py: a bar sweeping the screen, repainted 30
times a second, a Qt window) is recorded twice on this machine, 20 s at 15 fps:
Ours: on the headless sway session of testkit.wayland, where the recorder asks the desktop portal
for the screen and reads its PipeWire stream through GStreamer (`gst-launch-1.0`, a child of the
recorder whose CPU time is counted with it: wait4 of the recorder includes its reaped children).
Peer: the X11 path, the same command on a private Xvfb (mss grabs).
CPU % = CPU time / wall time of the recorder process (and, on Wayland, its GStreamer child); the
desktop's own work (sway, PipeWire, the portal; Xvfb) is in the details, measured from /proc
over the same run. Dropped frames: from the JSON summary. Both sides are encoded by the same
encoder with the same settings, so the difference is the capture path.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from statistics import median
from typing import Any

from bench.common import (
    PYTHON,
    Context,
    NotAvailable,
    Stats,
    load_average,
    make_record,
    proc_cpu_seconds,
    run_measured,
)
from bench.record import frame_count, painting

NAME = "record_wayland"
TITLE = "screen recording at 1080p15 on Wayland (portal + PipeWire) vs X11 (mss on Xvfb)"
FPS = 15
CPU_RATIO_TARGET = 1.5
TARGETS = {
    "dropped_wayland": ("frames", "0 dropped"),
    "cpu_wayland": ("% of a core", f"CPU <= {CPU_RATIO_TARGET}x the X11 path's"),
}
PATTERN = Path(__file__).resolve().parents[1] / "testkit" / "wayland" / "pattern.py"
WAYLAND_DESKTOP = ("sway", "pipewire", "wireplumber", "xdg-desktop-portal")


def desktop_cpu_seconds(names: tuple[str, ...], environ_marker: str | None = None) -> float:
    """CPU time so far of the processes whose program name starts with one of `names`."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            program = Path((entry / "cmdline").read_bytes().split(b"\0")[0].decode()).name
            if program.startswith(names) and (
                environ_marker is None or environ_marker.encode() in (entry / "environ").read_bytes()
            ):
                total += proc_cpu_seconds(entry.name)
    return total


def pattern_on(env: dict[str, str]) -> contextlib.AbstractContextManager[None]:
    return painting([PYTHON, str(PATTERN)], env, settle_s=1.5)


def record_once(env: dict[str, str], out: Path, seconds: float, workdir: Path,
                desktop: tuple[tuple[str, ...], str | None]) -> dict[str, Any]:
    before = desktop_cpu_seconds(*desktop)
    done = run_measured(
        [PYTHON, "-m", "casedesktop", "record", "--out", str(out), "--seconds", str(seconds),
         "--fps", str(FPS), "--json"],
        env=env, workdir=workdir, timeout=seconds + 120,
    )
    desktop_s = desktop_cpu_seconds(*desktop) - before
    if done.returncode != 0:
        raise RuntimeError(f"recording exited {done.returncode}: {(done.stderr or done.stdout).strip()[-600:]}")
    summary = json.loads(done.stdout)
    row = {
        "cpu_pct": 100 * done.cpu_s / done.wall_s,
        "desktop_cpu_pct": 100 * desktop_s / done.wall_s,
        "rss_mb": done.maxrss_kb / 1024,
        "dropped": summary["frames_dropped"],
        "frames_in_file": frame_count(out),
        "mb": out.stat().st_size / 1e6,
    }
    out.unlink(missing_ok=True)
    return row


def run(ctx: Context) -> list[dict[str, Any]]:
    if not sys.platform.startswith("linux"):
        raise NotAvailable("a Wayland desktop runs on Linux only")
    from testkit.wayland import WaylandSession, missing_parts

    missing = missing_parts()
    if missing:
        raise NotAvailable("the headless Wayland session needs: " + ", ".join(missing) + " (./dev test installs them)")
    seconds = 2 if ctx.quick else 20
    reps = ctx.reps(3, 1)
    workdir = ctx.workdir / "record_wayland"
    workdir.mkdir(parents=True, exist_ok=True)
    load = load_average()
    rows: dict[str, list[dict[str, Any]]] = {"wayland": [], "x11": []}
    x11_env = ctx.env(DISPLAY=ctx.display, QT_QPA_PLATFORM="xcb")
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        x11_env.pop(name, None)
    with WaylandSession() as session:
        wayland_env = session.environ(XDG_STATE_HOME=str(workdir / "state"), PYTHONPYCACHEPREFIX=x11_env["PYTHONPYCACHEPREFIX"])
        marker = f"XDG_RUNTIME_DIR={session.env['XDG_RUNTIME_DIR']}"
        with pattern_on(session.environ(QT_QPA_PLATFORM="wayland")), pattern_on(x11_env):
            for i in range(reps):
                for side in ("wayland", "x11") if i % 2 == 0 else ("x11", "wayland"):
                    if side == "wayland":
                        row = record_once(wayland_env, workdir / f"w{i}.mp4", seconds, workdir,
                                          (WAYLAND_DESKTOP, marker))
                    else:
                        row = record_once(x11_env, workdir / f"x{i}.mp4", seconds, workdir, (("Xvfb",), None))
                    rows[side].append(row)
                w, x = rows["wayland"][-1], rows["x11"][-1]
                ctx.say(f"  rep {i + 1}/{reps}: Wayland {w['cpu_pct']:.0f} % CPU (+{w['desktop_cpu_pct']:.0f} % "
                        f"desktop), {w['dropped']} dropped; X11 {x['cpu_pct']:.0f} % (+{x['desktop_cpu_pct']:.0f} % "
                        f"Xvfb), {x['dropped']} dropped")

    def values(side: str, key: str) -> list[float]:
        return [r[key] for r in rows[side] if r[key] is not None]

    def med(side: str, key: str) -> float | None:
        found = values(side, key)
        return round(median(found), 2) if found else None

    common = {"fps": FPS, "seconds": seconds, "size": "1920x1080", "load_average_at_start": load,
              "wayland_frames_in_file": values("wayland", "frames_in_file"),
              "x11_frames_in_file": values("x11", "frames_in_file"), "expected_frames": FPS * seconds}
    dropped = Stats.of(values("wayland", "dropped"))
    cpu, peer_cpu = Stats.of(values("wayland", "cpu_pct")), Stats.of(values("x11", "cpu_pct"))
    return [
        make_record(NAME, "dropped_wayland", ours=dropped, peer=Stats.of(values("x11", "dropped")), unit="frames",
                    target=TARGETS["dropped_wayland"][1], met=dropped.max == 0, ratio=None, figure="max",
                    peer_name="the X11 path (mss on Xvfb)", details=common),
        make_record(NAME, "cpu_wayland", ours=cpu, peer=peer_cpu, unit="% of a core",
                    target=TARGETS["cpu_wayland"][1], met=cpu.median / peer_cpu.median <= CPU_RATIO_TARGET,
                    peer_name="the X11 path (mss on Xvfb)",
                    details={**common, "wayland_desktop_cpu_pct": med("wayland", "desktop_cpu_pct"),
                             "xvfb_cpu_pct": med("x11", "desktop_cpu_pct"),
                             "wayland_rss_mb": med("wayland", "rss_mb"), "x11_rss_mb": med("x11", "rss_mb"),
                             "wayland_mb": med("wayland", "mb"), "x11_mb": med("x11", "mb")}),
    ]
