"""Describe a recording file found on disk (one left by a crash, or not yet attached)."""

from __future__ import annotations

from pathlib import Path

import av

from casedesktop.recording.events import RecordingResult


def describe_recording(path: Path) -> RecordingResult | None:
    """Decode the file's video stream; None when nothing in it plays."""
    frames = 0
    last_time = 0.0
    width = height = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            for frame in container.decode(stream):
                frames += 1
                if frame.time is not None:
                    last_time = max(last_time, frame.time)
            rate = float(stream.average_rate or stream.guessed_rate or 0)
    except (av.error.FFmpegError, IndexError, OSError):
        if frames == 0:
            return None
        rate = 0.0
    if frames == 0:
        return None
    duration = frames / rate if rate else last_time
    return RecordingResult(
        path=path, duration_s=duration, frames_encoded=frames, frames_dropped=0,
        bytes=path.stat().st_size, stop_reason="error", width=width, height=height,
    )
