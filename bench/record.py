"""record: `casedesktop record` of a moving pattern on Xvfb, 1920x1080, 15 and 30 fps, 20 s.

A private Xvfb (1920x1080x24) shows testkit.xpaint's `pattern` (sliding bars, a bouncing box,
a changing line of text) painted 30 times a second by its own process, whose CPU counts for
neither side.
Ours: `python -m casedesktop record --out F.mp4 --seconds 20 --fps F` (the CLI verb; the product's
default codec settings: libx264, its own preset, tune and CRF, see casedesktop.recording.formats).
Peer: `ffmpeg -f x11grab` of the same display, size and rate for the same time, libx264 preset
ultrafast with our CRF and our keyframe interval, yuv420p.
Both are measured from outside the same way: CPU time and peak RSS of the process from wait4
(CPU % = CPU time / the process's wall time, so start-up and finishing the file count); the
steady-state CPU % (sampled from /proc between 2.5 s after the start and 1 s before the end)
is in the details. Dropped frames: ours from its JSON summary; the file's frame count from
ffprobe for both.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
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
from testkit import xpaint

NAME = "record"
TITLE = "screen recording at 1080p, 15 and 30 fps, vs ffmpeg x11grab + libx264 ultrafast"
RATES = (15, 30)
CPU_RATIO_TARGET = 1.5
RSS_TARGET_MB = 150.0
TARGETS: dict[str, tuple[str, str]] = {}
for _fps in RATES:
    TARGETS[f"dropped_{_fps}fps"] = ("frames", "0 dropped")
    TARGETS[f"cpu_{_fps}fps"] = ("% of a core", f"CPU <= {CPU_RATIO_TARGET}x ffmpeg's")
    TARGETS[f"peak_rss_{_fps}fps"] = ("MB", f"peak RSS <= {RSS_TARGET_MB:.0f} MB")


class CpuSampler:
    """Samples a process's CPU time every 0.2 s while it lives (steady-state CPU %)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self.t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()

    def _run(self, pid: int) -> None:
        while True:
            try:
                self.samples.append((time.monotonic(), proc_cpu_seconds(pid)))
            except (OSError, IndexError, ValueError):
                return
            time.sleep(0.2)

    def steady_percent(self) -> float | None:
        if self._thread is not None:
            self._thread.join(2)
        if len(self.samples) < 3:
            return None
        end = self.samples[-1][0]
        window = [s for s in self.samples if self.t0 + 2.5 <= s[0] <= end - 1.0]
        if len(window) < 2 or window[-1][0] - window[0][0] < 0.5:
            return None
        (ta, ca), (tb, cb) = window[0], window[-1]
        return 100 * (cb - ca) / (tb - ta)


def per_minute(mb: float | None, seconds: float) -> float | None:
    """A file's size as MB per minute of video (what the attachment limit is checked against)."""
    return None if mb is None else round(mb * 60 / seconds, 2)


def frame_count(path: Path) -> int | None:
    if not path.exists() or shutil.which("ffprobe") is None:
        return None
    answer = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=nb_read_packets",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    try:
        return int(answer.stdout.strip().splitlines()[0].strip(","))
    except (ValueError, IndexError):
        return None


@contextlib.contextmanager
def painting(command: list[str], env: dict[str, str], settle_s: float = 1.0) -> Iterator[None]:
    """Run a program that paints moving content for as long as the block runs."""
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    time.sleep(settle_s)
    if process.poll() is not None:
        raise NotAvailable(f"the pattern painter failed: {process.stderr.read().decode()[-300:]}")
    try:
        yield
    finally:
        process.kill()
        process.wait()
        process.stderr.close()


def moving_pattern(ctx: Context) -> contextlib.AbstractContextManager[None]:
    return painting(xpaint.command("pattern", xpaint.FULL_HD, 30), ctx.env(DISPLAY=ctx.display))


def our_command(ctx: Context) -> list[str]:
    """The CLI verb when it is there, else the headless API it wraps."""
    probe = subprocess.run(
        [PYTHON, "-m", "casedesktop", "record", "--help"],
        env=ctx.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode == 0 and "--fps" in probe.stdout:
        return [PYTHON, "-m", "casedesktop", "record"]
    try:
        import casedesktop.recording.headless  # noqa: F401
    except ImportError as exc:
        raise NotAvailable(f"neither `casedesktop record` nor recording.headless: {exc}") from exc
    raise NotAvailable(
        "`casedesktop record` is missing (the CLI verb is needed for an "
        f"out-of-process measurement): {probe.stderr.strip()[-300:]}"
    )


def run(ctx: Context) -> list[dict[str, Any]]:
    if shutil.which("ffmpeg") is None:
        raise NotAvailable("ffmpeg is not installed (Debian package ffmpeg)")
    from casedesktop.recording.formats import CODECS
    from casedesktop.recording.settings import RecordingSettings

    spec = CODECS["h264"]
    keyint_s = getattr(RecordingSettings, "keyframe_interval_s", None)
    seconds = 2 if ctx.quick else 20
    reps = ctx.reps(3, 1)
    command = our_command(ctx)
    out_dir = ctx.workdir / "record"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = ctx.env(DISPLAY=ctx.display)
    load = load_average()
    results: dict[int, dict[str, list[dict[str, Any]]]] = {}
    with moving_pattern(ctx):
        for fps in RATES:
            results[fps] = {"ours": [], "peer": []}
            for i in range(reps):
                for who in ("ours", "peer") if i % 2 == 0 else ("peer", "ours"):
                    out = out_dir / f"{who}-{fps}-{i}.mp4"
                    sampler = CpuSampler()
                    if who == "ours":
                        cmd = [
                            *command,
                            "--out",
                            str(out),
                            "--seconds",
                            str(seconds),
                            "--fps",
                            str(fps),
                            "--json",
                        ]
                    else:
                        cmd = [
                            "ffmpeg",
                            "-nostdin",
                            "-v",
                            "error",
                            "-y",
                            "-f",
                            "x11grab",
                            "-framerate",
                            str(fps),
                            "-video_size",
                            "1920x1080",
                            "-i",
                            ctx.display,
                            "-t",
                            str(seconds),
                            "-c:v",
                            "libx264",
                            "-preset",
                            "ultrafast",
                            "-crf",
                            str(spec.crf),
                            *(["-g", str(round(keyint_s * fps))] if keyint_s else []),
                            "-pix_fmt",
                            "yuv420p",
                            str(out),
                        ]
                    done = run_measured(
                        cmd,
                        env=env,
                        workdir=out_dir,
                        timeout=seconds + 120,
                        on_started=sampler.start,
                    )
                    if done.returncode != 0:
                        raise RuntimeError(
                            f"{who} at {fps} fps exited {done.returncode}: "
                            f"{(done.stderr or done.stdout).strip()[-600:]}"
                        )
                    summary = json.loads(done.stdout) if who == "ours" else {}
                    frames = frame_count(out)
                    expected = fps * seconds
                    results[fps][who].append(
                        {
                            "cpu_pct": 100 * done.cpu_s / done.wall_s,
                            "steady_cpu_pct": sampler.steady_percent(),
                            "cpu_s": done.cpu_s,
                            "wall_s": done.wall_s,
                            "rss_mb": done.maxrss_kb / 1024,
                            "dropped": summary.get(
                                "frames_dropped", max(0, expected - (frames or 0))
                            ),
                            "frames_in_file": frames,
                            "expected_frames": expected,
                            "mb": out.stat().st_size / 1e6 if out.exists() else None,
                            "stop_reason": summary.get("stop_reason"),
                            # of the dropped: ticks the capture thread woke too late for
                            # (the machine was busy); the rest found the encoder's queue full
                            "dropped_late": summary.get("frames_dropped_late"),
                        }
                    )
                    out.unlink(missing_ok=True)
                ours_r, peer_r = results[fps]["ours"][-1], results[fps]["peer"][-1]
                ctx.say(
                    f"  {fps} fps rep {i + 1}/{reps}: ours {ours_r['cpu_pct']:.0f} % CPU, "
                    f"{ours_r['rss_mb']:.0f} MB, {ours_r['dropped']} dropped; ffmpeg "
                    f"{peer_r['cpu_pct']:.0f} % CPU, {peer_r['rss_mb']:.0f} MB"
                )

    records = []
    for fps in RATES:
        ours, peer = results[fps]["ours"], results[fps]["peer"]
        common = {
            "fps": fps,
            "seconds": seconds,
            "size": "1920x1080",
            "ours_codec": f"{spec.encoder} preset {spec.preset}"
            + (f" tune {spec.tune}" if getattr(spec, "tune", None) else "")
            + f" crf {spec.crf}",
            "peer_codec": f"libx264 preset ultrafast crf {spec.crf}",
            "keyframe_interval_s": keyint_s,
            "load_average_at_start": load,
        }

        def values(rows: list[dict[str, Any]], key: str) -> list[float]:
            return [r[key] for r in rows if r[key] is not None]

        def med(rows: list[dict[str, Any]], key: str) -> float | None:
            found = values(rows, key)
            return round(median(found), 2) if found else None

        dropped = Stats.of(values(ours, "dropped"))
        records.append(
            make_record(
                NAME,
                f"dropped_{fps}fps",
                ours=dropped,
                peer=Stats.of(values(peer, "dropped")),
                unit="frames",
                target=TARGETS[f"dropped_{fps}fps"][1],
                met=dropped.max == 0,
                ratio=None,
                figure="max",
                peer_name="ffmpeg x11grab (frames missing from its file)",
                details={
                    **common,
                    "ours_frames_in_file": values(ours, "frames_in_file"),
                    "peer_frames_in_file": values(peer, "frames_in_file"),
                    "expected_frames": fps * seconds,
                    "ours_stop_reasons": sorted({str(r["stop_reason"]) for r in ours}),
                    "ours_dropped": values(ours, "dropped"),
                    "ours_dropped_late": values(ours, "dropped_late"),
                },
            )
        )
        cpu, peer_cpu = Stats.of(values(ours, "cpu_pct")), Stats.of(values(peer, "cpu_pct"))
        ratio = cpu.median / peer_cpu.median
        records.append(
            make_record(
                NAME,
                f"cpu_{fps}fps",
                ours=cpu,
                peer=peer_cpu,
                unit="% of a core",
                target=TARGETS[f"cpu_{fps}fps"][1],
                met=ratio <= CPU_RATIO_TARGET,
                peer_name="ffmpeg x11grab libx264 ultrafast",
                details={
                    **common,
                    "ours_steady_cpu_pct": med(ours, "steady_cpu_pct"),
                    "peer_steady_cpu_pct": med(peer, "steady_cpu_pct"),
                    "ours_cpu_s": med(ours, "cpu_s"),
                    "peer_cpu_s": med(peer, "cpu_s"),
                    "ours_wall_s": med(ours, "wall_s"),
                    "peer_wall_s": med(peer, "wall_s"),
                    "ours_mb": med(ours, "mb"),
                    "peer_mb": med(peer, "mb"),
                    "ours_mb_per_min": per_minute(med(ours, "mb"), seconds),
                    "peer_mb_per_min": per_minute(med(peer, "mb"), seconds),
                },
            )
        )
        rss, peer_rss = Stats.of(values(ours, "rss_mb")), Stats.of(values(peer, "rss_mb"))
        records.append(
            make_record(
                NAME,
                f"peak_rss_{fps}fps",
                ours=rss,
                peer=peer_rss,
                unit="MB",
                target=TARGETS[f"peak_rss_{fps}fps"][1],
                met=rss.median <= RSS_TARGET_MB,
                peer_name="ffmpeg x11grab",
                details=common,
            )
        )
    return records
