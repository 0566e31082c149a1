"""Measure the recorder at full screen: fps, drops, CPU, memory and MB per minute.

Not a benchmark of `python -m bench` (it measures in-process). Run on an X display, e.g. a
1920x1080 Xvfb:

    DISPLAY=:77 .venv/bin/python -m bench.recording_profile --seconds 60 --peer

It paints a pattern in a separate process (its CPU is not counted) with testkit/xpaint.py:
`desktop` (a realistic support recording: text windows, a scrolling log, a pointer), `noise`,
`box`, or `pattern` (the record benchmark's moving pattern); records with
the given settings (the product's defaults unless told), and with --peer records the same
screen with `ffmpeg -f x11grab` and the same preset and CRF for a ratio measured in the same
run. MB/min is what sizes the default maximum length against the attachment limit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from casedesktop.recording import Recorder, RecordingSettings
from casedesktop.recording.formats import CODECS
from testkit import xpaint


@contextlib.contextmanager
def painting(mode: str, lines_per_s: float) -> Iterator[None]:
    proc = subprocess.Popen(xpaint.command(mode, xpaint.FULL_HD, 30, lines_per_s))
    time.sleep(0.5)
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def ours(args: argparse.Namespace, out: Path) -> dict[str, float]:
    settings = RecordingSettings(
        fps=args.fps,
        codec=args.codec,
        preset=args.preset,
        crf=args.crf,
        max_seconds=args.seconds,
        max_bytes=1 << 40,
        max_width=args.max_width,
        keyframe_interval_s=args.keyint,
    )
    recorder = Recorder(settings, out)
    cpu0, t0 = time.process_time(), time.monotonic()
    recorder.start()
    result = recorder.wait()
    assert result is not None
    cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
    return {
        "frames": result.frames_encoded,
        "dropped": result.frames_dropped,
        "fps": result.frames_encoded / result.duration_s,
        "cpu_pct": 100 * cpu / wall,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mb_per_min": result.bytes / 1e6 / (result.duration_s / 60),
        "queue_peak_frames": result.queue_peak_frames,
    }


def peer(args: argparse.Namespace, out: Path) -> dict[str, float]:
    cmd = [
        "ffmpeg", "-v", "error", "-y", "-f", "x11grab", "-framerate", str(args.fps),
        "-video_size", "1920x1080", "-i", os.environ["DISPLAY"], "-t", str(args.seconds),
        "-c:v", "libx264", "-preset", args.preset or CODECS["h264"].preset,
        "-crf", str(args.crf or CODECS["h264"].crf),
        "-g", str(round(args.keyint * args.fps)),
        "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, check=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "cpu_pct": 100 * cpu / wall,
        "rss_mb": after.ru_maxrss / 1024,
        "mb_per_min": out.stat().st_size / 1e6 / (args.seconds / 60),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--codec", default="h264")
    parser.add_argument("--preset")
    parser.add_argument("--crf", type=int)
    parser.add_argument("--max-width", type=int, default=1920)
    parser.add_argument("--keyint", type=float, default=RecordingSettings.keyframe_interval_s)
    parser.add_argument("--pattern", default="desktop", choices=["desktop", "noise", "box", "pattern"])
    parser.add_argument("--lines-per-s", type=float, default=2.0)
    parser.add_argument("--peer", action="store_true", help="also measure ffmpeg x11grab")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, painting(args.pattern, args.lines_per_s):
        mine = ours(args, Path(tmp) / "ours.mp4")
        print("casedesktop:", " ".join(f"{k}={v:.2f}" for k, v in mine.items()))
        if args.peer:
            theirs = peer(args, Path(tmp) / "peer.mp4")
            print("ffmpeg x11grab:", " ".join(f"{k}={v:.2f}" for k, v in theirs.items()))
            print(f"CPU ratio ours/peer: {mine['cpu_pct'] / theirs['cpu_pct']:.2f}")


if __name__ == "__main__":
    main()
