"""The preview on a real encoded file: the first frame shows before Play, the seek bar spans the
recording and shows the moment chosen, dropped frames are told in plain words only when they
matter, it names the case the video goes to, and Discard asks first."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from casedesktop.recording import RecordingResult
from casedesktop.ui.recording.preview import PreviewChoice, RecordingPreview

FPS = 10
FRAMES = 25  # 2.5 s


def colour_of(i: int) -> tuple[int, int, int]:
    """Frame i's flat colour: red rises with i, so a decoded frame tells which one it is."""
    return (40 + 8 * i, 160, 90)


@pytest.fixture
def video(tmp_path: Path) -> RecordingResult:
    path = tmp_path / "recording-20261205-101500.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), colour_of(i), np.uint8), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return RecordingResult(path=path, duration_s=FRAMES / FPS, frames_encoded=FRAMES, frames_dropped=0,
                           bytes=path.stat().st_size, stop_reason="user", width=320, height=240)


def open_preview(qtbot, result: RecordingResult, destination: str = "") -> RecordingPreview:  # noqa: ANN001
    preview = RecordingPreview(result, None, destination)
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitExposed(preview)
    return preview


def shown_colour(preview: RecordingPreview) -> QColor:
    image = preview.playback.picture.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def near(colour: QColor, rgb: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(colour.getRgb()[:3], rgb, strict=True))


def answer_next_question(button: QMessageBox.StandardButton) -> list[str]:
    """Press `button` in the next message box once it shows; the list gets its text."""
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    return seen


def test_the_first_frame_shows_before_play_and_the_seek_bar_spans_the_recording(qtbot, video) -> None:  # noqa: ANN001
    preview = open_preview(qtbot, video, "CS-1042: Printer offline")
    view = preview.playback
    qtbot.waitUntil(lambda: near(shown_colour(preview), colour_of(0)), timeout=5000)  # not black: frame 0
    assert view.play_button.text() == "Play" and not view.player.playing
    assert view.slider.minimum() == 0 and view.slider.maximum() == 2500  # milliseconds
    assert view.position.text() == "0:00 / 0:02"
    assert preview.destination.text() == "Will be attached to CS-1042: Printer offline"
    assert preview.choppy.isHidden()

    view.slider.setValue(1530)  # as a drag or a key does: shows that moment, still paused
    qtbot.waitUntil(lambda: near(shown_colour(preview), colour_of(15)), timeout=5000)
    assert view.position.text() == "0:01 / 0:02" and not view.player.playing

    view.play_button.click()  # plays on from there to the end
    qtbot.waitUntil(lambda: near(shown_colour(preview), colour_of(FRAMES - 1)), timeout=5000)
    qtbot.waitUntil(lambda: view.play_button.text() == "Play", timeout=3000)
    assert view.slider.value() == 2400 and view.position.text() == "0:02 / 0:02"


def test_discard_asks_first(qtbot, video) -> None:  # noqa: ANN001
    preview = open_preview(qtbot, video)
    assert preview.destination.text() == "Will be attached to your new case"
    asked = answer_next_question(QMessageBox.StandardButton.Cancel)
    preview.discard_button.click()
    assert asked == ["Discard this 0:02 recording? It cannot be brought back."]
    assert preview.isVisible() and preview.choice is None and video.path.exists()

    answer_next_question(QMessageBox.StandardButton.Discard)
    with qtbot.waitSignal(preview.finished, timeout=3000):
        preview.discard_button.click()
    assert preview.choice is PreviewChoice.DISCARD


@pytest.mark.parametrize(("dropped", "says"), [
    (0, ""),
    (1, ""),  # one frame of 26: nobody sees it, so nothing is said
    (12, "The video is slightly choppy: the computer was busy while recording."),
])
def test_dropped_frames_are_told_in_plain_words_only_when_many(qtbot, video, dropped: int, says: str) -> None:  # noqa: ANN001
    result = replace(video, frames_dropped=dropped)
    preview = open_preview(qtbot, result)
    assert preview.choppy.text() == says and preview.choppy.isVisible() == bool(says)
    assert "skipped" not in preview.info.text()


def test_a_file_that_does_not_play_says_so(qtbot, tmp_path: Path, video) -> None:  # noqa: ANN001
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 4096)
    result = replace(video, path=broken)
    preview = open_preview(qtbot, result)
    view = preview.playback
    qtbot.waitUntil(lambda: "cannot be played" in view.picture.text(), timeout=5000)
    assert not view.play_button.isEnabled() and not view.slider.isEnabled()
    assert preview.attach_button.isEnabled()  # the choice stays the user's

