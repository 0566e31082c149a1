"""Recording settings: one frozen value, validated when made, so threads never see bad input.

Defaults keep a full-length recording (10 minutes, 1080p, 15 fps) inside the 40 MiB attachment
limit. Measured on a 1920x1080 Xvfb with `python -m bench.recording_profile` (a text log
scrolling 2 lines/s, a form field edited each second, a clock, a moving pointer): libx264
veryfast, tune zerolatency, CRF 28 made 1.63 MB/min (16 MB in 10 minutes), 2.71 MB/min with the
log at 10 lines/s (27 MB); veryfast with its lookahead made 1.35 and 2.5 at 1.5x the CPU, and
ultrafast (what ffmpeg's x11grab peer runs) 7.1 MB/min, which would not fit (formats.py has the
table). Keyframes dominate the size of screen video (about 100 kB each for a 1080p screen of
text): with one every 2 s the same content made 4.5 MB/min, which would not fit, hence one every
10 s. Crash safety does not suffer: the file is still written in one-second fragments
(formats.py). The size limit stops busier recordings in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from casedesktop.domain.fields import MAX_ATTACHMENT_BYTES
from casedesktop.i18n import _, format_size
from casedesktop.recording.formats import CODECS

MiB = 1024 * 1024


class Rect(NamedTuple):
    """A rectangle in pixels: screen coordinates for a region, region coordinates for blackouts."""

    left: int
    top: int
    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Rect:
        """Parse "X,Y,W,H" as typed on a command line."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4 or not all(p.lstrip("-").isdigit() for p in parts):
            raise ValueError(_("Expected a rectangle as X,Y,W,H (four integers), got {text}.").format(text=repr(text)))
        rect = cls(*(int(p) for p in parts))
        _check_rect(rect)
        return rect

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def _check_rect(rect: Rect, blackout: bool = False) -> None:
    if rect.width <= 0 or rect.height <= 0:
        message = (_("The blackout region {rect} must have a positive width and height.") if blackout
                   else _("The region {rect} must have a positive width and height."))
        raise ValueError(message.format(rect=tuple(rect)))


@dataclass(frozen=True)
class RecordingSettings:
    """Everything that shapes a recording; pass a new one to change anything."""

    fps: int = 15
    max_width: int = 1920
    codec: str = "h264"
    crf: int | None = None  # None: the codec's default from formats.CODECS
    preset: str | None = None  # None: the codec's default (h264 "veryfast", tune zerolatency)
    max_seconds: float = 600.0
    max_bytes: int = MAX_ATTACHMENT_BYTES
    queue_max_frames: int = 8
    # Five converted 1080p frames (yuv420p, 3 MiB each; one BGRA frame is 8 MiB): 0.17 s of
    # slack at 30 fps, 0.33 s at 15. The queue is the part of the peak RSS that grows when the
    # encoder falls behind: 128 MiB let a recording reach 300 MB, 24 MiB 153 MB at 30 fps on a
    # loaded machine; 12 MiB dropped more frames there (encoder stalls over 0.13 s).
    queue_max_bytes: int = 16 * MiB
    keyframe_interval_s: float = 10.0  # see the module docstring: keyframes dominate the size
    monitor: int = 1  # 0: all monitors together, 1..: one monitor (mss numbering)
    region: Rect | None = None  # screen coordinates; overrides monitor
    blackouts: tuple[Rect, ...] = field(default_factory=tuple)  # region coordinates
    draw_cursor: bool = True

    def __post_init__(self) -> None:
        if self.region is not None:
            object.__setattr__(self, "region", Rect(*self.region))
            _check_rect(self.region)
        object.__setattr__(self, "blackouts", tuple(Rect(*r) for r in self.blackouts))
        for rect in self.blackouts:
            _check_rect(rect, blackout=True)
        if not 1 <= self.fps <= 30:
            raise ValueError(_("The frame rate must be 1 to 30 frames per second, not {fps}.").format(fps=self.fps))
        if self.max_width < 64:
            raise ValueError(_("The video must be at least 64 pixels wide, not {width}.").format(width=self.max_width))
        if self.codec not in CODECS:
            raise ValueError(_("Unknown codec {codec}; choose one of {choices}.").format(
                codec=repr(self.codec), choices=", ".join(CODECS)))
        low, high = CODECS[self.codec].crf_range
        if self.crf is not None and not low <= self.crf <= high:
            raise ValueError(_("The quality setting (crf) for {codec} must be {low} to {high}.").format(
                codec=self.codec, low=low, high=high))
        if self.max_seconds <= 0:
            raise ValueError(_("A recording must last more than 0 seconds."))
        if self.max_bytes < 256 * 1024:
            raise ValueError(_("The size limit must be at least {size}.").format(size=format_size(256 * 1024)))
        if self.queue_max_frames < 1 or self.queue_max_bytes < 1:
            raise ValueError(_("The frame queue needs room for at least one frame."))
        if not 0.1 <= self.keyframe_interval_s <= 60:
            raise ValueError(_("The keyframe interval must be 0.1 to 60 seconds."))
        if self.monitor < 0:
            raise ValueError(_("The monitor must be 0 (all monitors) or a monitor number from 1."))

    @property
    def effective_crf(self) -> int:
        return CODECS[self.codec].crf if self.crf is None else self.crf

    @property
    def effective_preset(self) -> str:
        return CODECS[self.codec].preset if self.preset is None else self.preset

    @property
    def max_frames(self) -> int:
        """Frames in a recording of max_seconds: the time limit counts frames, not wall time."""
        return max(1, round(self.max_seconds * self.fps))

    @property
    def keyframe_interval_frames(self) -> int:
        return max(1, round(self.keyframe_interval_s * self.fps))
