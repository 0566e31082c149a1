"""The Settings dialog's recording choices (its keys in `ui/preferences.py`) reach the recorder:
frame rate, length, pointer and countdown; missing or unreadable values keep the defaults."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PySide6.QtCore import QSettings, Qt

from casedesktop.recording import RecordingSettings, Rect
from casedesktop.ui import preferences
from casedesktop.ui.recording.flow import RecordingFlow
from casedesktop.ui.recording.preview import PreviewChoice

SMALL = RecordingSettings(region=Rect(0, 0, 160, 120), fps=10)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def saved(settings: QSettings, fps: int, minutes: int, cursor: bool, countdown: int) -> QSettings:
    """The choices as the Settings dialog saves them, read back as the next start reads them."""
    preferences.save_recording_defaults(settings, preferences.RecordingDefaults(fps, minutes, cursor, countdown))
    settings.sync()
    return QSettings(settings.fileName(), QSettings.Format.IniFormat)


def test_saved_choices_reach_the_recorder_and_the_file(qtbot, settings: QSettings, tmp_path: Path) -> None:  # noqa: ANN001
    reread = saved(settings, fps=5, minutes=1, cursor=False, countdown=1)
    flow = RecordingFlow(tmp_path / "recordings", reread, base=SMALL, countdown_seconds=0)
    flow._count_down(flow._settings(region=Rect(0, 0, 160, 120)))
    qtbot.waitUntil(lambda: flow.recorder is not None, timeout=3000)
    used = flow.recorder.settings
    assert (used.fps, used.max_seconds, used.draw_cursor) == (5, 60.0, False)
    qtbot.wait(1200)
    flow.stop()
    qtbot.waitUntil(lambda: flow.preview is not None, timeout=10_000)
    with av.open(str(flow.preview.result.path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 5
        assert 4 <= sum(1 for _ in container.decode(stream)) <= 9  # about a second at 5 frames a second
    flow.preview._choose(PreviewChoice.DISCARD)


def test_the_countdown_counts_the_saved_seconds(qtbot, settings: QSettings, tmp_path: Path) -> None:  # noqa: ANN001
    flow = RecordingFlow(tmp_path / "recordings", saved(settings, fps=10, minutes=1, cursor=True, countdown=2),
                         base=SMALL)
    flow._count_down(SMALL)
    assert flow.countdown is not None and flow.countdown.label.text() == "2"
    with qtbot.waitSignal(flow.ended, timeout=2000):
        qtbot.keyClick(flow.countdown, Qt.Key.Key_Escape)
    assert flow.recorder is None


def test_missing_or_unreadable_choices_keep_the_defaults(settings: QSettings, tmp_path: Path) -> None:
    assert preferences.recording_overrides(settings) == {}
    assert preferences.recording_defaults(settings).countdown_seconds == 3
    flow = RecordingFlow(tmp_path / "recordings", settings)
    defaults = RecordingSettings()
    made = flow._settings(region=Rect(0, 0, 160, 120))
    assert (made.fps, made.max_seconds, made.draw_cursor) == (defaults.fps, defaults.max_seconds, defaults.draw_cursor)

    settings.setValue(preferences.RECORDING_FPS_KEY, "fast")
    settings.setValue(preferences.RECORDING_COUNTDOWN_KEY, -4)
    assert preferences.recording_overrides(settings) == {"fps": 15}  # unreadable: the default
    assert preferences.recording_defaults(settings).countdown_seconds == 1  # the shortest Settings offers
    settings.setValue(preferences.RECORDING_FPS_KEY, 120)  # more than the recorder takes: its most
    settings.setValue(preferences.RECORDING_CURSOR_KEY, "true")
    settings.setValue(preferences.RECORDING_MAX_MINUTES_KEY, "90")  # longer than a file may be: the longest
    assert preferences.recording_overrides(settings) == {"fps": 30, "max_seconds": 30 * 60.0, "draw_cursor": True}
