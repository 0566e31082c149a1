"""Fixtures for recording tests: moving content on the Xvfb screen and decoding helpers.

pytest-xvfb starts the display (1920x1080x24 from pyproject's xvfb_* settings); content is
painted by xpaint.py through libX11 and ctypes, so no X client packages are needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

XPAINT = Path(__file__).with_name("xpaint.py")


@dataclass
class Decoded:
    width: int
    height: int
    frames: list[np.ndarray]  # rgb24, height x width x 3
    pts: list[int]
    time_base: Fraction
    duration_s: float


def decode(path: Path) -> Decoded:
    """Decode every frame with PyAV, as a player would."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames, pts = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            pts.append(frame.pts)
        tb = stream.time_base
        duration = float(stream.duration * tb) if stream.duration else 0.0
        if not duration and container.duration:
            duration = container.duration / 1_000_000
        return Decoded(stream.width, stream.height, frames, pts, tb, duration)


def ffprobe_frames(path: Path) -> tuple[int, int, int]:
    """(width, height, frames counted by decoding) according to ffprobe."""
    out = subprocess.run(
        [
            "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", str(path),
        ],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    width, height, frames = out.strip().split(",")[:3]
    return int(width), int(height), int(frames)


@pytest.fixture
def paint() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start xpaint.py on the current display; every painter is killed after the test."""
    procs: list[subprocess.Popen] = []

    def start(mode: str = "desktop", rect: tuple[int, int, int, int] = (0, 0, 1920, 1080),
              fps: int = 30) -> subprocess.Popen:  # fmt: skip
        args = [sys.executable, str(XPAINT), mode, *map(str, rect), str(fps)]
        proc = subprocess.Popen(args, env=dict(os.environ))
        procs.append(proc)
        time.sleep(0.3)  # first paint on screen
        assert proc.poll() is None, "xpaint.py could not draw on the display"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def wide_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A second Xvfb, 2560x1440, for captures wider than max_width; DISPLAY points at it."""
    from pyvirtualdisplay import Display

    display = Display(size=(2560, 1440), color_depth=24, manage_global_env=False)
    display.start()
    try:
        monkeypatch.setenv("DISPLAY", display.new_display_var)
        yield display.new_display_var
    finally:
        display.stop()
