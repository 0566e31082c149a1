"""The user's preferences in the profile's settings file: their keys, defaults and limits in one
place, so the Settings dialog that writes them and the code that reads them never disagree.

Values come back from QSettings as strings in an INI file; every reader here converts and clamps,
so a hand-edited or older file never breaks the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from casedesktop.i18n import N_

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from casedesktop.recording.settings import RecordingSettings

LANGUAGE_KEY = "general/language"
THEME_KEY = "general/theme"
NOTIFICATIONS_KEY = "notifications/enabled"
RECORDING_FPS_KEY = "recording/fps"
RECORDING_MAX_MINUTES_KEY = "recording/max_minutes"
RECORDING_CURSOR_KEY = "recording/show_cursor"
RECORDING_COUNTDOWN_KEY = "recording/countdown_seconds"

SYSTEM = "system"
# Language codes with their names as their speakers write them (never translated: a user who
# cannot read the current language still finds their own). "system" follows the environment.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"), ("de", "Deutsch"), ("es", "Español"), ("fr", "Français"))
THEMES: tuple[tuple[str, str], ...] = ((SYSTEM, N_("System")), ("light", N_("Light")), ("dark", N_("Dark")))

# The language choice this process started with (main.py sets it): a later choice waits for a restart.
started_language: str | None = None

FPS_RANGE = (1, 30)  # what RecordingSettings accepts
MAX_MINUTES_RANGE = (1, 30)  # longer recordings reach the attachment size limit first
COUNTDOWN_RANGE = (1, 10)


def _text(settings: QSettings, key: str, choices: tuple[tuple[str, str], ...]) -> str:
    value = str(settings.value(key, SYSTEM) or SYSTEM)
    return value if value in {code for code, _name in choices} else SYSTEM


def _int(settings: QSettings, key: str, default: int, limits: tuple[int, int]) -> int:
    try:
        value = int(settings.value(key, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, limits[0]), limits[1])


def _bool(settings: QSettings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")


def language(settings: QSettings) -> str:
    """The chosen language code, or "system" (the environment's, as `i18n.install()` finds it)."""
    return _text(settings, LANGUAGE_KEY, LANGUAGES)


def color_scheme(settings: QSettings) -> str:
    """"system", "light" or "dark"."""
    return _text(settings, THEME_KEY, THEMES)


def notifications_enabled(settings: QSettings) -> bool:
    """Desktop notifications for news on the user's cases (on unless turned off)."""
    return _bool(settings, NOTIFICATIONS_KEY, True)


@dataclass(frozen=True)
class RecordingDefaults:
    """What a new recording starts with, as chosen in Settings."""

    fps: int = 15
    max_minutes: int = 10
    show_cursor: bool = True
    countdown_seconds: int = 3

    @property
    def max_seconds(self) -> float:
        return self.max_minutes * 60.0

    def recorder_fields(self) -> dict[str, object]:
        """These defaults as `RecordingSettings` fields."""
        return {"fps": self.fps, "max_seconds": self.max_seconds, "draw_cursor": self.show_cursor}

    def apply_to(self, base: RecordingSettings | None = None) -> RecordingSettings:
        """`base` (the built-in settings when None) with these defaults in it."""
        from dataclasses import replace

        from casedesktop.recording.settings import RecordingSettings

        return replace(base or RecordingSettings(), **self.recorder_fields())


def recording_defaults(settings: QSettings) -> RecordingDefaults:
    """The recording defaults stored under "recording/…", clamped to what a recording accepts."""
    built_in = RecordingDefaults()
    return RecordingDefaults(
        fps=_int(settings, RECORDING_FPS_KEY, built_in.fps, FPS_RANGE),
        max_minutes=_int(settings, RECORDING_MAX_MINUTES_KEY, built_in.max_minutes, MAX_MINUTES_RANGE),
        show_cursor=_bool(settings, RECORDING_CURSOR_KEY, built_in.show_cursor),
        countdown_seconds=_int(settings, RECORDING_COUNTDOWN_KEY, built_in.countdown_seconds, COUNTDOWN_RANGE),
    )


def recording_overrides(settings: QSettings) -> dict[str, object]:
    """The `RecordingSettings` fields the user chose in Settings, and only those: a field never
    chosen keeps the recording's base (the built-in defaults, or a caller's own)."""
    keys = {"fps": RECORDING_FPS_KEY, "max_seconds": RECORDING_MAX_MINUTES_KEY, "draw_cursor": RECORDING_CURSOR_KEY}
    chosen = recording_defaults(settings).recorder_fields()
    return {field: chosen[field] for field, key in keys.items() if settings.contains(key)}


def save_recording_defaults(settings: QSettings, defaults: RecordingDefaults) -> None:
    settings.setValue(RECORDING_FPS_KEY, defaults.fps)
    settings.setValue(RECORDING_MAX_MINUTES_KEY, defaults.max_minutes)
    settings.setValue(RECORDING_CURSOR_KEY, defaults.show_cursor)
    settings.setValue(RECORDING_COUNTDOWN_KEY, defaults.countdown_seconds)
