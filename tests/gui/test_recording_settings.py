"""The Settings dialog's recording choices (QSettings keys) reach the recorder: frame rate, length,
pointer and countdown; missing or unreadable values keep the defaults."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PySide6.QtCore import QSettings, Qt

from casedesktop.recording import RecordingSettings, Rect
from casedesktop.ui.recording.flow import RecordingFlow
from casedesktop.ui.recording.options import countdown_seconds, recorder_options
from casedesktop.ui.recording.preview import PreviewChoice

SMALL = RecordingSettings(region=Rect(0, 0, 160, 120), fps=10)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


def test_saved_choices_reach_the_recorder_and_the_file(qtbot, settings: QSettings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.setValue("recording/fps", 5)
    settings.setValue("recording/max_seconds", 1)
    settings.setValue("recording/show_cursor", False)
    settings.setValue("recording/countdown", 0)
    settings.sync()
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)  # as the next start reads them
    flow = RecordingFlow(tmp_path / "recordings", reread, base=SMALL)
    flow._count_down(flow._settings(region=Rect(0, 0, 160, 120)))
    assert flow.countdown is None  # 0: no 3, 2, 1
    qtbot.waitUntil(lambda: flow.recorder is not None, timeout=3000)
    used = flow.recorder.settings
    assert (used.fps, used.max_seconds, used.draw_cursor) == (5, 1.0, False)
    qtbot.waitUntil(lambda: flow.preview is not None, timeout=10_000)  # the 1 s limit stops it
    assert flow.preview.result.stop_reason == "time_limit"
    with av.open(str(flow.preview.result.path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 5
        assert sum(1 for _ in container.decode(stream)) == 5  # one second at 5 frames a second
    flow.preview._choose(PreviewChoice.DISCARD)


def test_the_countdown_counts_the_saved_seconds(qtbot, settings: QSettings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.setValue("recording/countdown", 2)
    flow = RecordingFlow(tmp_path / "recordings", settings, base=SMALL)
    flow._count_down(SMALL)
    assert flow.countdown is not None and flow.countdown.label.text() == "2"
    with qtbot.waitSignal(flow.ended, timeout=2000):
        qtbot.keyClick(flow.countdown, Qt.Key.Key_Escape)
    assert flow.recorder is None


def test_missing_or_unreadable_choices_keep_the_defaults(settings: QSettings, tmp_path: Path) -> None:
    assert recorder_options(settings) == {} and countdown_seconds(settings) == 3
    flow = RecordingFlow(tmp_path / "recordings", settings)
    defaults = RecordingSettings()
    made = flow._settings(region=Rect(0, 0, 160, 120))
    assert (made.fps, made.max_seconds, made.draw_cursor) == (defaults.fps, defaults.max_seconds, defaults.draw_cursor)

    settings.setValue("recording/fps", "fast")
    settings.setValue("recording/show_cursor", "maybe")
    settings.setValue("recording/countdown", -4)
    assert recorder_options(settings) == {} and countdown_seconds(settings) == 0
    settings.setValue("recording/fps", 120)  # more than the recorder takes: its most
    settings.setValue("recording/show_cursor", "true")
    settings.setValue("recording/max_seconds", "90")
    assert recorder_options(settings) == {"fps": 30, "max_seconds": 90.0, "draw_cursor": True}
