"""The recording bar stays wholly on the screen it records, keeps a fixed layout, can be dragged,
and is not the only way to stop: Esc on it, the window's Record action (Stop while recording) and
the tray menu stop too."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import av
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication

from casedesktop.domain import Role
from casedesktop.recording import RecorderState, RecorderStatus, RecordingSettings, Rect
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.ui.mainwindow.actions import RECORD_TEXT, STOP_TEXT
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.recording import flow as recording_flow
from casedesktop.ui.recording.controls import MARGIN, RecordingControlBar, bar_position
from casedesktop.ui.recording.preview import PreviewChoice
from casedesktop.ui.session import ProfileSession

SMALL = RecordingSettings(region=Rect(0, 0, 320, 240), fps=10)
ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)


@pytest.mark.parametrize("available", [
    QRect(0, 0, 1920, 1040),  # 1920x1080 with a panel
    QRect(0, 27, 1366, 741),  # 1366x768 with a top bar
    QRect(0, 0, 960, 540),  # 1920x1080 at 200 %: Qt's logical pixels
    QRect(0, 0, 683, 384),  # 1366x768 at 200 %
    QRect(1920, 0, 1366, 768),  # a second monitor to the right
])
def test_position_keeps_the_whole_bar_on_the_screen(available: QRect) -> None:
    for size in (QSize(419, 44), QSize(469, 44), QSize(700, 44)):
        where = bar_position(size, available)
        assert available.contains(QRect(where, size)) or size.width() > available.width()
        assert where.x() >= available.left() and where.y() >= available.top()
        dragged = bar_position(size, available, QPoint(available.right() + 500, available.bottom() + 500))
        assert available.contains(QRect(dragged, size)) or size.width() > available.width()
    # The default place is the bottom centre, inside the margin: far from the title bars' buttons.
    assert bar_position(QSize(400, 40), QRect(0, 0, 1920, 1040)) == QPoint(760, 1040 - 40 - MARGIN)


def status(state: RecorderState, elapsed: float, size: int) -> RecorderStatus:
    return RecorderStatus(state=state, elapsed_s=elapsed, frames_encoded=1, frames_dropped=0, bytes=size)


def test_bar_is_on_screen_with_a_layout_that_never_moves(qtbot) -> None:  # noqa: ANN001
    bar = RecordingControlBar(600, 42_000_000)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert screen.contains(bar.frameGeometry())
    layout = [w.geometry() for w in (bar.cue, bar.time, bar.size, bar.pause_button, bar.stop_button)]
    size = bar.geometry().size()
    for state, elapsed, written in ((RecorderState.RECORDING, 5, 100_000), (RecorderState.PAUSED, 599, 41_900_000),
                                    (RecorderState.RECORDING, 3599, 41_999_999)):
        bar.show_status(status(state, elapsed, written))
        for _ in range(3):
            bar._toggle_cue()
            qtbot.wait(10)
            assert [w.geometry() for w in (bar.cue, bar.time, bar.size, bar.pause_button, bar.stop_button)] == layout
        assert bar.geometry().size() == size and screen.contains(bar.frameGeometry())
    assert bar.pause_button.text() == "Pause" and bar.cue.text() == "REC"


def test_esc_on_the_bar_stops(qtbot) -> None:  # noqa: ANN001
    bar = RecordingControlBar(600, 42_000_000)
    qtbot.addWidget(bar)
    bar.show()
    with qtbot.waitSignal(bar.stopRequested, timeout=1000):
        qtbot.keyClick(bar, Qt.Key.Key_Escape)


def test_dragging_moves_the_bar_but_not_off_the_screen(qtbot) -> None:  # noqa: ANN001
    bar = RecordingControlBar(600, 42_000_000)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    start = bar.pos()
    grab = QPointF(5, 5)

    def send(kind: QMouseEvent.Type, global_point: QPoint) -> None:
        event = QMouseEvent(kind, grab, QPointF(global_point), Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(bar, event)

    origin = start + QPoint(5, 5)
    send(QMouseEvent.Type.MouseButtonPress, origin)
    send(QMouseEvent.Type.MouseMove, origin + QPoint(-300, -200))
    assert bar.pos() == start + QPoint(-300, -200)
    send(QMouseEvent.Type.MouseMove, origin + QPoint(5000, 5000))
    send(QMouseEvent.Type.MouseButtonRelease, origin + QPoint(5000, 5000))
    assert QGuiApplication.primaryScreen().availableGeometry().contains(bar.frameGeometry())


@pytest.fixture
def window(qtbot, profile_dir: Path):  # noqa: ANN001
    db = open_cache(profile_dir)
    main = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
    db.close()


def test_record_action_turns_into_stop_and_the_tray_menu_stops(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    flow = recording_flow.RecordingFlow(window.profile_dir / "recordings", QSettings(), window, countdown_seconds=0,
                                        base=SMALL)
    flow.recordingChanged.connect(window._show_recording)
    flow.ended.connect(window._recording_ended)
    window.recording = flow
    flow._count_down(SMALL)
    qtbot.waitUntil(lambda: flow.recording, timeout=5000)
    assert window.record_action.text() == STOP_TEXT
    assert window.notifier.stop_recording_action.isVisible()
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= 3, timeout=5000)
    window.notifier.stop_recording_action.trigger()  # the tray's Stop
    qtbot.waitUntil(lambda: flow.preview is not None and flow.preview.isVisible(), timeout=10_000)
    assert window.record_action.text() == RECORD_TEXT
    assert not window.notifier.stop_recording_action.isVisible()
    with qtbot.waitSignal(flow.ended, timeout=5000):
        flow.preview._choose(PreviewChoice.DISCARD)


def test_record_action_stops_a_recording_under_way(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    flow = recording_flow.RecordingFlow(window.profile_dir / "recordings", QSettings(), window, countdown_seconds=0,
                                        base=SMALL)
    flow.recordingChanged.connect(window._show_recording)
    window.recording = flow
    flow._count_down(SMALL)
    qtbot.waitUntil(lambda: flow.recording, timeout=5000)
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= 3, timeout=5000)
    window.record_action.trigger()
    qtbot.waitUntil(lambda: flow.preview is not None and flow.preview.isVisible(), timeout=10_000)
    assert flow.preview.result.stop_reason == "user"
    flow.preview._choose(PreviewChoice.DISCARD)


def test_the_buttons_have_plain_accessible_names_and_the_keyboard_stops(qtbot) -> None:  # noqa: ANN001
    bar = RecordingControlBar(600, 42_000_000)
    qtbot.addWidget(bar)
    bar.show()
    assert bar.stop_button.accessibleName() == "Stop recording"
    assert bar.pause_button.accessibleName() == "Pause recording"
    bar.show_status(status(RecorderState.PAUSED, 5, 1000))
    assert bar.pause_button.accessibleName() == "Resume recording"
    names = [w.accessibleName() for w in (bar, bar.cue, bar.time, bar.size, bar.pause_button, bar.stop_button)]
    assert all(re.fullmatch(r"[\w ]+", name) for name in names), names  # words only, no glyphs
    # A window of its own (not a tool window), so Alt+Tab reaches it; then Stop has the keyboard.
    assert not bar.windowFlags() & Qt.WindowType.Tool & ~Qt.WindowType.Window
    bar.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.stop_button, timeout=5000)
    with qtbot.waitSignal(bar.stopRequested, timeout=1000):
        qtbot.keyClick(bar.stop_button, Qt.Key.Key_Space)
    with qtbot.waitSignal(bar.stopRequested, timeout=1000):
        qtbot.keyClick(bar, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def test_the_bar_starts_beside_the_recorded_area(qtbot) -> None:  # noqa: ANN001
    screen = QGuiApplication.primaryScreen()
    for captured in (QRect(0, 0, 320, 240), QRect(400, 700, 800, 300), QRect(0, 0, 1900, 1000)):
        bar = RecordingControlBar(600, 42_000_000, screen, captured)
        qtbot.addWidget(bar)
        assert not bar.frameGeometry().intersects(captured), captured
        assert screen.availableGeometry().contains(bar.frameGeometry())
    whole = RecordingControlBar(600, 42_000_000, screen, screen.geometry())  # no room beside it
    qtbot.addWidget(whole)
    assert whole.frameGeometry().bottom() == screen.availableGeometry().bottom() - MARGIN  # bottom centre


def test_the_bar_over_the_recorded_area_is_black_in_the_video(qtbot, tmp_path: Path, yellow_corner) -> None:  # noqa: ANN001
    flow = recording_flow.RecordingFlow(tmp_path / "recordings", QSettings(str(tmp_path / "ui.ini"),
                                        QSettings.Format.IniFormat), countdown_seconds=0, base=SMALL)
    flow._count_down(SMALL)
    qtbot.waitUntil(lambda: flow.bar is not None and flow.bar.isVisible(), timeout=5000)
    bar = flow.bar
    assert not bar.frameGeometry().intersects(QRect(0, 0, 320, 240))  # beside the area at first
    bar.move(20, 100)  # dragged over it

    def bar_on_screen() -> bool:
        shown = QGuiApplication.primaryScreen().grabWindow(0).toImage().pixelColor(bar.x() + 40, bar.y() + 20)
        return shown.getRgb()[:3] != (255, 200, 0) and shown.lightness() > 40

    qtbot.waitUntil(bar_on_screen, timeout=3000)  # the screen shows the bar there, over the yellow
    frames_then = flow.recorder.status().frames_encoded
    qtbot.waitUntil(lambda: flow.recorder.status().frames_encoded >= frames_then + 5, timeout=5000)
    bar.stop_button.click()
    qtbot.waitUntil(lambda: flow.preview is not None, timeout=10_000)
    with av.open(str(flow.preview.result.path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    first, last = frames[0], frames[-1]
    assert first[120, 60][0] > 200 and first[120, 60][2] < 60  # yellow: the bar was not there yet
    assert max(last[120, 60]) < 30, last[120, 60]  # black where the bar is: not the bar, not yellow
    assert last[20, 60][0] > 200 and last[20, 60][2] < 60  # the rest is recorded as before
    flow.preview._choose(PreviewChoice.DISCARD)
