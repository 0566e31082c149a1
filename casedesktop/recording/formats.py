"""Codec and container choices: which FFmpeg encoder and muxer options each setting maps to.

Kept apart from the encoder so the settings can validate a codec and a file name before any
thread starts, and so the crash-safety options live in one visible place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from casedesktop.i18n import _


@dataclass(frozen=True)
class CodecSpec:
    """One user-facing codec name and how to drive its FFmpeg encoder."""

    encoder: str
    preset: str
    crf: int
    crf_range: tuple[int, int]
    options: Callable[[str, int], dict[str, str]]
    threads: int = 0  # encoder threads; 0: FFmpeg's default (about 1.5 per core for x264)
    tune: str | None = None  # what `options` adds besides preset and crf, for reports


# x264: preset veryfast with tune zerolatency (no B-frames, no lookahead). Measured at 1080p,
# 15 fps on a 2-core machine, x264's CPU per frame / MB per minute (10 s keyframes) / PSNR:
#   realistic desktop (xpaint.py desktop: a log scrolling 2 lines/s, a form, a pointer; 40 s):
#     veryfast              7.8-9.0 ms  1.29 MB/min  41.9 dB  (lookahead 10, 3 B-frames: +110 MB)
#     veryfast zerolatency  5.6 ms      1.53 MB/min  45.9 dB
#     ultrafast             3.8 ms      7.07 MB/min  52.5 dB  (70 MB in 10 min: cannot fit)
#     ultrafast crf 40      4.2 ms      ~4.5 MB/min  39.5 dB  (blurred text, still too big)
#     superfast zerolat.    4.0-5.0 ms  4.95 MB/min           (diamond search loses scrolling)
#   the record benchmark's moving pattern: veryfast 10.7 ms, veryfast zerolatency 6.2-6.9 ms,
#   ultrafast 3.3-3.9 ms (every variant 0.7-1.8 MB/min there).
# Screen video gains nothing from B-frames, and the lookahead held ~110 MB of frames inside
# x264 (57 MB left at 1080p, ultrafast's 53 MB is no better); zerolatency keeps veryfast's hex
# motion search and subpel refinement, which is what keeps scrolling text small (with diamond
# search the size doubled). Dropping p8x8, weightp, scenecut or 8x8dct changed nothing
# measurable. Two sliced threads: a frame is encoded by both cores when the other is free,
# with no extra frames in flight (one thread cost the same CPU).
_X264_TUNE = "zerolatency"


def _x264(preset: str, crf: int) -> dict[str, str]:
    return {"preset": preset, "crf": str(crf), "tune": _X264_TUNE}


def _vp9(preset: str, crf: int) -> dict[str, str]:
    # "preset" is libvpx's cpu-used in realtime mode (5 slower .. 8 fastest). Measured at 1080p
    # on desktop content: realtime cpu-used 6, crf 45, tune-content screen gave 2.1 MB/min at
    # 18 % of a core; without tune-content the same crf made 6-13 MB/min. b=0 makes crf a
    # constant quality instead of a cap on a default bitrate.
    return {
        "deadline": "realtime",
        "cpu-used": preset,
        "crf": str(crf),
        "b": "0",
        "row-mt": "1",
        "tune-content": "screen",
    }


def _svtav1(preset: str, crf: int) -> dict[str, str]:
    # "preset" is SVT-AV1's 0 (slow) .. 13 (fast); rtc=1 is its low-delay real-time mode
    # (1.75 MB/min at 26 % of a core at 1080p, preset 10, crf 40).
    return {"preset": preset, "crf": str(crf), "svtav1-params": "rtc=1"}


CODECS: dict[str, CodecSpec] = {
    "h264": CodecSpec("libx264", "veryfast", 28, (0, 51), _x264, threads=2, tune=_X264_TUNE),
    "vp9": CodecSpec("libvpx-vp9", "6", 45, (0, 63), _vp9),
    "av1": CodecSpec("libsvtav1", "10", 40, (1, 63), _svtav1),
}

# Fragmented MP4: the header goes first and every fragment is complete when written, so a
# killed process leaves a playable file. Fragments close at each keyframe and at least once a
# second (frag_duration, microseconds); flush_packets pushes each one to the OS at once
# (without it PyAV's 256 KiB write buffer held the first seconds back: a file of 28 bytes).
MP4_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": "1000000",
    "flush_packets": "1",
}
# Matroska writes clusters as it goes; a one-second cluster bounds the loss the same way.
MATROSKA_OPTIONS = {"cluster_time_limit": "1000", "flush_packets": "1"}


@dataclass(frozen=True)
class ContainerSpec:
    format: str
    options: dict[str, str]


def container_for(path: Path, codec: str) -> ContainerSpec:
    """Pick the muxer from the file suffix; raise ValueError with advice if it cannot work."""
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        return ContainerSpec("mp4", dict(MP4_OPTIONS))
    if suffix == ".mkv":
        return ContainerSpec("matroska", dict(MATROSKA_OPTIONS))
    if suffix == ".webm":
        if codec == "h264":
            raise ValueError(_("WebM cannot hold H.264 video; use a .mp4 or .mkv file name."))
        return ContainerSpec("webm", dict(MATROSKA_OPTIONS))
    raise ValueError(_("Cannot record to {name}; use a file name ending in .mp4 or .mkv.").format(name=repr(path.name)))
