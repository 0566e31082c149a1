"""What a recorder tells the outside world: events, status snapshots, results and its error.

Plain frozen dataclasses so `ui/` can relay them as Qt signals and tests can compare them;
nothing here knows about threads or Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

StopReason = Literal["user", "time_limit", "size_limit", "error"]


class RecordingError(Exception):
    """A recording could not start; the message is one sentence a user can act on."""


class RecorderState(StrEnum):
    IDLE = "idle"
    RECORDING = "recording"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True)
class RecordingResult:
    """The finished file and how it went; `stop_reason` says why it ended."""

    path: Path
    duration_s: float
    frames_encoded: int
    frames_dropped: int
    bytes: int
    stop_reason: StopReason
    width: int = 0
    height: int = 0
    error: str | None = None
    queue_peak_frames: int = 0
    queue_peak_bytes: int = 0
    # Of frames_dropped, the ticks the capture thread woke too late for (the machine was busy);
    # the others found the encoder's queue full.
    frames_dropped_late: int = 0


@dataclass(frozen=True)
class RecorderStatus:
    """A snapshot for a UI to poll; elapsed time excludes pauses."""

    state: RecorderState
    elapsed_s: float
    bytes: int
    frames_encoded: int
    frames_dropped: int


@dataclass(frozen=True)
class Started:
    path: Path
    width: int
    height: int
    fps: int


@dataclass(frozen=True)
class Progress:
    """Sent about once a second while recording, so a UI can show time and size growing."""

    elapsed_s: float
    bytes: int
    frames_encoded: int
    frames_dropped: int


@dataclass(frozen=True)
class Paused:
    elapsed_s: float


@dataclass(frozen=True)
class Resumed:
    elapsed_s: float


@dataclass(frozen=True)
class Stopped:
    result: RecordingResult


@dataclass(frozen=True)
class Failed:
    """Recording ended by an error; `result` describes the partial file when one was saved."""

    message: str
    result: RecordingResult | None = None


RecorderEvent = Started | Progress | Paused | Resumed | Stopped | Failed
