"""Decoding helpers: check recordings the way a player (PyAV) and ffprobe see them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


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
