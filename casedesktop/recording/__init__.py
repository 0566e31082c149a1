"""Screen recording: capture with mss, encode with PyAV into a playable file. No Qt here.

Typical use::

    recorder = Recorder(RecordingSettings(region=Rect(0, 0, 1280, 720)), "bug.mp4", on_event)
    recorder.start()
    ...
    result = recorder.stop()

Check `check_capture_available()` first and show its reason and advice when it is not ok.
"""

from casedesktop.recording.events import (
    Failed,
    Paused,
    Progress,
    RecorderEvent,
    RecorderState,
    RecorderStatus,
    RecordingError,
    RecordingResult,
    Resumed,
    Started,
    Stopped,
    StopReason,
)
from casedesktop.recording.headless import record_to_file
from casedesktop.recording.platform_check import CaptureAvailability, check_capture_available
from casedesktop.recording.recorder import Recorder
from casedesktop.recording.settings import RecordingSettings, Rect

__all__ = [
    "CaptureAvailability",
    "Failed",
    "Paused",
    "Progress",
    "Rect",
    "RecorderEvent",
    "RecorderState",
    "RecorderStatus",
    "Recorder",
    "RecordingError",
    "RecordingResult",
    "RecordingSettings",
    "Resumed",
    "Started",
    "StopReason",
    "Stopped",
    "check_capture_available",
    "record_to_file",
]
