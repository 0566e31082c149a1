"""The user's recording choices, saved by the Settings dialog in the window's QSettings.

Read when a recording starts, so a change applies to the next one. A key never saved, or one that
cannot be read (an ini file edited by hand), leaves the default in place; a number out of range is
brought to the nearest value the recorder takes, rather than refusing to record.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

FPS_KEY = "recording/fps"
MAX_SECONDS_KEY = "recording/max_seconds"
SHOW_CURSOR_KEY = "recording/show_cursor"
COUNTDOWN_KEY = "recording/countdown"
DEFAULT_COUNTDOWN = 3  # seconds of 3, 2, 1 before the first frame
MAX_COUNTDOWN = 10
FPS_RANGE = (1, 30)  # what RecordingSettings accepts
MAX_SECONDS_RANGE = (1.0, 24 * 3600.0)


def _number(settings: QSettings, key: str, low: float, high: float) -> float | None:
    value = settings.value(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(max(number, low), high)


def _flag(settings: QSettings, key: str) -> bool | None:
    """QSettings gives a bool back from native stores and "true"/"false" from ini files."""
    value = settings.value(key)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def recorder_options(settings: QSettings) -> dict[str, object]:
    """The saved choices as `RecordingSettings` fields; only those saved, so defaults stay."""
    options: dict[str, object] = {}
    fps = _number(settings, FPS_KEY, *FPS_RANGE)
    if fps is not None:
        options["fps"] = round(fps)
    max_seconds = _number(settings, MAX_SECONDS_KEY, *MAX_SECONDS_RANGE)
    if max_seconds is not None:
        options["max_seconds"] = max_seconds
    cursor = _flag(settings, SHOW_CURSOR_KEY)
    if cursor is not None:
        options["draw_cursor"] = cursor
    return options


def countdown_seconds(settings: QSettings) -> int:
    """Seconds to count down before recording; 0 records at once."""
    seconds = _number(settings, COUNTDOWN_KEY, 0, MAX_COUNTDOWN)
    return DEFAULT_COUNTDOWN if seconds is None else round(seconds)
