"""The recorder's widget flow on the real Xvfb display: count down, record, pause, stop, preview,
then attach, discard or record again; Esc cancels the countdown; an off-screen area is refused."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

from casedesktop.i18n import format_size
from casedesktop.recording import CaptureAvailability, RecorderState, RecordingSettings, Rect
from casedesktop.ui.recording import flow as recording_flow
from casedesktop.ui.recording.flow import RecordingFlow, leftover_recordings
from casedesktop.ui.recording.preview import PreviewChoice

SMALL = RecordingSettings(region=Rect(0, 0, 320, 240), fps=10)


@pytest.fixture
def flow(qtbot, tmp_path: Path, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(recording_flow.QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    journey = RecordingFlow(tmp_path / "recordings", settings, countdown_seconds=1, base=SMALL)
    journey.warnings = warnings
    return journey


def record_once(qtbot, flow: RecordingFlow) -> Path:  # noqa: ANN001
    flow._count_down(SMALL)
    qtbot.waitUntil(lambda: flow.bar is not None and flow.bar.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= 5, timeout=5000)
    flow.bar.pause_button.click()
    qtbot.waitUntil(lambda: flow.bar.pause_button.text() == "Resume", timeout=2000)
    assert "PAUSED" in flow.bar.cue.text()
    flow.bar.pause_button.click()
    qtbot.waitUntil(lambda: flow.bar.pause_button.text() == "Pause", timeout=2000)
    assert "left)" in flow.bar.time.text() and " of " in flow.bar.size.text()
    qtbot.mouseClick(flow.bar.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.preview is not None and flow.preview.isVisible(), timeout=10_000)
    return Path(flow.preview.result.path)


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_record_preview_attach(qtbot, flow: RecordingFlow) -> None:
    path = record_once(qtbot, flow)
    assert flow.preview.result.width == 320 and flow.preview.result.height == 240
    assert format_size(flow.preview.result.bytes) in flow.preview.info.text()  # "87 KB", as every size reads
    preview = flow.preview
    qtbot.waitUntil(lambda: preview.playback.frames_shown == 1, timeout=5000)  # the first frame, before Play
    assert not preview.playback.picture.pixmap().isNull()
    preview.playback.play_button.click()
    assert preview.playback.play_button.text() == "Pause"
    frames = decoded_frames(path)
    qtbot.waitUntil(lambda: preview.playback.frames_shown == frames, timeout=10_000)  # the first, then the rest
    qtbot.waitUntil(lambda: preview.playback.play_button.text() == "Play", timeout=5000)  # back at the end
    with qtbot.waitSignal(flow.recorded, timeout=5000) as attached:
        flow.preview.attach_button.click()
    assert attached.args == [path]
    assert path.exists() and decoded_frames(path) >= 5


def test_discard_deletes_and_record_again_starts_over(qtbot, flow: RecordingFlow, monkeypatch) -> None:
    first = record_once(qtbot, flow)
    restarted: list[object] = []
    monkeypatch.setattr(flow, "begin", lambda target=None: restarted.append(target))
    flow.preview.again_button.click()
    assert not first.exists() and restarted == [None]

    flow.preview = None
    second = record_once(qtbot, flow)
    with qtbot.waitSignal(flow.ended, timeout=5000):
        flow.preview._choose(PreviewChoice.DISCARD)  # as "Discard…" does once confirmed
    assert not second.exists()
    assert leftover_recordings(flow.recordings_dir) == []


def test_closing_the_preview_keeps_the_file_for_next_time(qtbot, flow: RecordingFlow) -> None:
    path = record_once(qtbot, flow)
    with qtbot.waitSignal(flow.ended, timeout=5000):
        flow.preview.reject()
    assert flow.preview.choice is None
    assert leftover_recordings(flow.recordings_dir) == [path]


def test_escape_cancels_the_countdown(qtbot, flow: RecordingFlow) -> None:
    flow.countdown_seconds = 3
    flow._count_down(SMALL)
    with qtbot.waitSignal(flow.ended, timeout=2000):
        qtbot.keyClick(flow.countdown, Qt.Key.Key_Escape)
    qtbot.wait(1500)
    assert flow.recorder is None
    assert leftover_recordings(flow.recordings_dir) == []


def test_an_area_off_the_screen_is_refused_with_a_message(qtbot, flow: RecordingFlow) -> None:
    with qtbot.waitSignal(flow.ended, timeout=2000):
        flow._count_down(RecordingSettings(region=Rect(5000, 5000, 320, 240)))
    assert flow.recorder is None
    assert "not on the screen" in flow.warnings[0]


def test_the_time_limit_stops_the_recording_by_itself(qtbot, flow: RecordingFlow) -> None:
    short = RecordingSettings(region=Rect(0, 0, 160, 120), fps=10, max_seconds=1.0)
    flow._count_down(short)
    qtbot.waitUntil(lambda: flow.preview is not None and flow.preview.isVisible(), timeout=10_000)
    assert flow.preview.result.stop_reason == "time_limit"
    assert "time limit" in flow.preview.info.text()
    flow.preview._choose(PreviewChoice.DISCARD)


def test_private_areas_are_black_in_the_video(qtbot, flow: RecordingFlow, yellow_corner) -> None:  # noqa: ANN001
    qtbot.wait(200)
    flow.private_areas = [Rect(40, 40, 100, 80)]  # screen coordinates, as drawn by the user
    settings = flow._settings(region=Rect(20, 20, 240, 180))
    assert settings.blackouts == (Rect(20, 20, 100, 80),)  # moved into the region's coordinates
    flow._count_down(settings)
    qtbot.waitUntil(lambda: flow.bar is not None, timeout=5000)
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= 5, timeout=5000)
    flow.bar.stop_button.click()
    qtbot.waitUntil(lambda: flow.preview is not None, timeout=10_000)
    with av.open(str(flow.preview.result.path)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    hidden, shown = frame[60, 70], frame[150, 200]
    assert max(hidden) < 30, hidden  # black where the private area is
    assert shown[0] > 200 and shown[1] > 150 and shown[2] < 60, shown  # the yellow window elsewhere
    flow.preview._choose(PreviewChoice.DISCARD)


def test_pause_during_an_area_recording_pauses_it(qtbot, flow: RecordingFlow, monkeypatch) -> None:  # noqa: ANN001
    """Record screen → an area drawn on the overlay → Pause: paused, still recording, no preview."""
    # Xvfb's screen is black, which the real check rightly refuses; the recorder itself is real.
    monkeypatch.setattr(recording_flow, "check_capture_available", lambda: CaptureAvailability(True, "ok"))
    flow.begin("region")
    qtbot.waitUntil(lambda: flow.picker is not None, timeout=2000)
    picker = flow.picker
    qtbot.waitExposed(picker)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseMove(picker, QPoint(330, 250))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(330, 250))
    assert flow.bar is None  # releasing leaves the area to adjust; Enter records it
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.bar is not None and flow.bar.isVisible(), timeout=8000)
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= 3, timeout=5000)
    qtbot.mouseClick(flow.bar.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.recorder.status().state is RecorderState.PAUSED, timeout=3000)
    qtbot.wait(1300)  # two blinks of the cue: nothing moves under the pointer
    assert flow.recorder.status().state is RecorderState.PAUSED and flow.preview is None
    qtbot.mouseClick(flow.bar.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.recorder.status().state is RecorderState.RECORDING, timeout=3000)
    qtbot.mouseClick(flow.bar.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: flow.preview is not None, timeout=10_000)
    assert flow.preview.result.width == 320 and flow.preview.result.height == 240
    flow.preview._choose(PreviewChoice.DISCARD)


def test_on_wayland_the_area_is_drawn_on_the_portals_picture(qtbot, flow: RecordingFlow, monkeypatch,  # noqa: ANN001
                                                               tmp_path: Path) -> None:
    """Qt cannot photograph a Wayland screen: the picker shows the desktop portal's picture
    (fetched off the GUI thread), and a refusal there says why instead of drawing on black."""
    from casedesktop.recording import RecordingError, portal
    from casedesktop.recording.screenshot import write_png

    taken = tmp_path / "portal.png"
    write_png(bytes([40, 80, 120]) * (1920 * 1080), 1920, 1080, taken)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setattr(portal, "screenshot", lambda timeout=30.0: taken)
    # No portal here to ask whether recording works (tests/wayland asks a real one).
    monkeypatch.setattr(recording_flow, "check_capture_available", lambda: CaptureAvailability(True, "ok"))
    flow.begin("region")
    qtbot.waitUntil(lambda: flow.picker is not None, timeout=5000)
    assert flow.picker.picture.toImage().pixelColor(500, 500).name() == "#285078"
    flow.picker.cancel()

    def refuse(timeout: float = 30.0) -> Path:
        raise RecordingError("You cancelled the screenshot in the desktop's dialog.")

    monkeypatch.setattr(portal, "screenshot", refuse)
    flow.picker = None
    flow.begin("region")
    qtbot.waitUntil(lambda: bool(flow.warnings), timeout=5000)
    assert flow.warnings == ["You cancelled the screenshot in the desktop's dialog."] and flow.picker is None
