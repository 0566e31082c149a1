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

from casedesktop.i18n import _, format_size
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
            say(_("Recording {width}x{height} at {fps} fps to {path} (Ctrl+C stops)").format(
                width=event.width, height=event.height, fps=event.fps, path=event.path))
            asked = settings.region
            if asked is not None and (event.width, event.height) != (asked.width, asked.height):
                say(_(
                    "Note: the region {asked_width}x{asked_height} at {left},{top} is recorded as {width}x{height}: "
                    "clipped to the screen, rounded to even sizes (the video format needs them) or scaled down to "
                    "at most {max_width} pixels wide."
                ).format(asked_width=asked.width, asked_height=asked.height, left=asked.left, top=asked.top,
                         width=event.width, height=event.height, max_width=settings.max_width))
        elif isinstance(event, Progress):
            say(_("{seconds} s {size} {dropped} dropped").format(
                seconds=f"{event.elapsed_s:7.1f}", size=f"{format_size(event.bytes):>11}",
                dropped=f"{event.frames_dropped:5d}"))
        elif isinstance(event, Stopped):
            r = event.result
            say(_("Saved {path}: {seconds} s, {frames} frames, {size}, {dropped} dropped ({reason})").format(
                path=r.path, seconds=f"{r.duration_s:.1f}", frames=r.frames_encoded,
                size=format_size(r.bytes), dropped=r.frames_dropped, reason=r.stop_reason))
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
