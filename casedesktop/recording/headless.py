"""Record without a GUI: the body of `casedesktop record --out FILE [--seconds N] ...`.

Prints one progress line a second to stderr, stops cleanly on Ctrl+C or SIGTERM, and
returns the result so the CLI can choose its exit code (non-zero when `result.error`).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from casedesktop.recording.events import (
    Failed,
    Progress,
    RecorderEvent,
    RecordingError,
    RecordingResult,
    Started,
    Stopped,
)
from casedesktop.recording.platform_check import check_capture_available
from casedesktop.recording.recorder import Recorder
from casedesktop.recording.settings import RecordingSettings, Rect


def record_to_file(
    out: Path,
    seconds: float,
    fps: int = 15,
    region: Rect | tuple[int, int, int, int] | str | None = None,
    monitor: int = 1,
    codec: str = "h264",
    *,
    progress: TextIO | None = sys.stderr,
) -> RecordingResult:
    """Record `seconds` of the screen (a region "X,Y,W,H" or a monitor) into `out`.

    Raises RecordingError (one sentence for the user) if recording cannot start, and
    ValueError for settings out of range.
    """
    if isinstance(region, str):
        region = Rect.parse(region)
    settings = RecordingSettings(
        fps=fps,
        max_seconds=seconds,
        region=Rect(*region) if region else None,
        monitor=monitor,
        codec=codec,
    )
    availability = check_capture_available()
    if not availability.ok:
        raise RecordingError(availability.message)

    def say(text: str) -> None:
        if progress is not None:
            print(text, file=progress, flush=True)

    def on_event(event: RecorderEvent) -> None:
        if isinstance(event, Started):
            say(
                f"Recording {event.width}x{event.height} at {event.fps} fps to {event.path} "
                "(Ctrl+C stops)"
            )
            asked = settings.region
            if asked is not None and (event.width, event.height) != (asked.width, asked.height):
                say(
                    f"Note: the region {asked.width}x{asked.height} at {asked.left},{asked.top} is recorded as "
                    f"{event.width}x{event.height}: clipped to the screen, rounded to even sizes (the video "
                    f"format needs them) or scaled down to at most {settings.max_width} pixels wide."
                )
        elif isinstance(event, Progress):
            say(
                f"{event.elapsed_s:7.1f} s {event.bytes / 1e6:8.2f} MB "
                f"{event.frames_dropped:5d} dropped"
            )
        elif isinstance(event, Stopped):
            r = event.result
            say(
                f"Saved {r.path}: {r.duration_s:.1f} s, {r.frames_encoded} frames, "
                f"{r.bytes / 1e6:.2f} MB, {r.frames_dropped} dropped ({r.stop_reason})"
            )
        elif isinstance(event, Failed):
            say(event.message)

    recorder = Recorder(settings, Path(out), on_event)
    with _stop_on_sigterm(recorder):
        recorder.start()
        try:
            while (result := recorder.wait(0.5)) is None:
                pass
        except KeyboardInterrupt:
            result = recorder.stop()
    return result


@contextlib.contextmanager
def _stop_on_sigterm(recorder: Recorder) -> Iterator[None]:
    """Let `kill` end a headless recording with a finished file (only the main thread can)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: recorder.request_stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
