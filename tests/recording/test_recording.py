"""Real recordings of the Xvfb screen (1920x1080x24), decoded the way a player would."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from casedesktop.recording import (
    Failed,
    Paused,
    Progress,
    Recorder,
    RecorderEvent,
    RecorderState,
    RecordingError,
    RecordingSettings,
    Resumed,
    Started,
    Stopped,
    record_to_file,
)
from casedesktop.recording.capture import MssSource
from casedesktop.recording.encoder import EncoderThread
from casedesktop.recording.settings import Rect

from .helpers import decode, ffprobe_frames

SMALL = Rect(0, 0, 640, 480)


class Events:
    """Collects events from the worker threads."""

    def __init__(self) -> None:
        self.items: list[RecorderEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: RecorderEvent) -> None:
        with self._lock:
            self.items.append(event)

    def types(self) -> list[type]:
        with self._lock:
            return [type(e) for e in self.items]


def test_full_screen_1080p_three_seconds(tmp_path: Path, paint) -> None:
    paint("desktop")
    out = tmp_path / "full.mp4"
    recorder = Recorder(RecordingSettings(), out)
    recorder.start()
    time.sleep(3.0)
    result = recorder.stop()

    assert result.stop_reason == "user" and result.error is None
    assert (result.width, result.height) == (1920, 1080)
    # The encoder keeps up: no frame dropped for a full queue. A tick the capture thread wakes too
    # late for (a busy CI host) is dropped and counted as late; the benchmark measures those.
    assert result.frames_dropped - result.frames_dropped_late == 0
    assert result.frames_encoded + result.frames_dropped_late == pytest.approx(45, abs=4)  # ±10 %
    assert result.bytes == out.stat().st_size
    decoded = decode(out)
    assert (decoded.width, decoded.height) == (1920, 1080)
    assert len(decoded.frames) == result.frames_encoded
    assert ffprobe_frames(out) == (1920, 1080, result.frames_encoded)
    assert abs(decoded.duration_s - result.duration_s) < 0.1
    # the painted desktop is in the video, not a black screen
    assert decoded.frames[-1].mean() > 50


def test_pause_leaves_no_gap(tmp_path: Path, paint) -> None:
    paint("box", tuple(SMALL))
    events = Events()
    out = tmp_path / "paused.mp4"
    recorder = Recorder(RecordingSettings(region=SMALL), out, events)
    recorder.start()
    time.sleep(1.0)
    recorder.pause()
    assert recorder.status().state is RecorderState.PAUSED
    frozen = recorder.status().elapsed_s
    time.sleep(1.0)
    assert recorder.status().elapsed_s == pytest.approx(frozen, abs=0.01)
    recorder.resume()
    time.sleep(1.0)
    result = recorder.stop()

    assert result.duration_s == pytest.approx(2.0, abs=0.2)
    assert 27 <= result.frames_encoded <= 33
    decoded = decode(out)
    assert decoded.duration_s == pytest.approx(2.0, abs=0.2)
    steps = {b - a for a, b in zip(decoded.pts, decoded.pts[1:], strict=False)}
    assert len(steps) == 1, f"frames are not evenly spaced: {sorted(steps)}"
    kinds = events.types()
    assert kinds[0] is Started and kinds[-1] is Stopped
    assert kinds.index(Paused) < kinds.index(Resumed)
    assert Progress in kinds


def test_region_has_the_region_size_and_time_limit_counts_frames(tmp_path: Path, paint) -> None:
    region = Rect(100, 50, 401, 301)  # odd sizes lose one column and row
    paint("box", tuple(region))
    out = tmp_path / "region.mkv"
    result = record_to_file(out, seconds=1.0, fps=10, region=region, progress=None)
    assert result.stop_reason == "time_limit"
    assert result.frames_encoded == 10 and result.duration_s == pytest.approx(1.0)
    assert ffprobe_frames(out) == (400, 300, 10)


def test_wide_region_is_scaled_to_max_width(tmp_path: Path, wide_display: str) -> None:
    out = tmp_path / "wide.mp4"
    recorder = Recorder(RecordingSettings(region=Rect(0, 0, 2560, 1000), max_seconds=0.5), out)
    recorder.start()
    result = recorder.wait(10)
    assert result is not None and result.stop_reason == "time_limit"
    decoded = decode(out)
    assert (decoded.width, decoded.height) == (1920, 750)
    assert len(decoded.frames) == result.frames_encoded > 0


def test_blackout_region_is_black_and_the_rest_is_not(tmp_path: Path, paint) -> None:
    paint("desktop", tuple(SMALL))
    secret = Rect(100, 100, 200, 150)
    out = tmp_path / "private.mp4"
    settings = RecordingSettings(region=SMALL, blackouts=[secret], max_seconds=1.0)
    recorder = Recorder(settings, out)
    recorder.start()
    assert recorder.wait(10) is not None
    for image in decode(out).frames[::5]:
        inside = image[secret.top + 4 : secret.bottom - 4, secret.left + 4 : secret.right - 4]
        assert inside.max() < 24, "the blackout region shows content"
        outside = image.copy()
        outside[secret.top : secret.bottom, secret.left : secret.right] = 0
        assert outside.mean() > 40


def test_limits_stop_before_the_file_is_too_big(tmp_path: Path, paint) -> None:
    area = SMALL
    paint("noise", tuple(area))
    out = tmp_path / "big.mp4"
    max_bytes = 300_000
    events = Events()
    settings = RecordingSettings(region=area, max_bytes=max_bytes, max_seconds=20)
    recorder = Recorder(settings, out, events)
    recorder.start()
    result = recorder.wait(20)
    assert result is not None
    assert result.stop_reason == "size_limit"
    assert result.duration_s < 15, "noise should fill 300 kB in a few seconds"
    assert out.stat().st_size == result.bytes < max_bytes
    assert len(decode(out).frames) == result.frames_encoded > 0
    assert events.types()[-1] is Stopped
    assert recorder.status().state is RecorderState.STOPPED


class SlowEncoderThread(EncoderThread):
    """An encoder that needs 0.25 s a frame: capture at 15 fps must drop, not pile up."""

    def encode(self, image: np.ndarray, pts: int) -> None:
        time.sleep(0.25)
        super().encode(image, pts)


class SlowRecorder(Recorder):
    encoder_thread_class = SlowEncoderThread


@pytest.mark.parametrize(
    ("max_frames", "max_bytes_in_frames"), [(4, 100), (100, 2.5)], ids=["by-frames", "by-bytes"]
)
def test_slow_encoder_drops_frames_and_the_queue_stays_bounded(
    tmp_path: Path, max_frames: int, max_bytes_in_frames: float
) -> None:
    frame_bytes = SMALL.width * SMALL.height * 3 // 2  # queued converted, as yuv420p
    max_bytes = int(frame_bytes * max_bytes_in_frames)
    settings = RecordingSettings(
        region=SMALL, queue_max_frames=max_frames, queue_max_bytes=max_bytes
    )
    recorder = SlowRecorder(settings, tmp_path / "slow.mp4")
    recorder.start()
    time.sleep(1.0)
    result = recorder.stop()
    assert result.frames_dropped > result.frames_dropped_late  # some found the queue full
    assert result.queue_peak_frames <= min(max_frames, max_bytes // frame_bytes)
    assert result.queue_peak_bytes <= max_bytes
    # every frame was either encoded, dropped, or still queued at stop (at most the bound)
    ticks = round(result.duration_s * settings.fps)
    assert ticks - result.frames_encoded - result.frames_dropped <= settings.queue_max_frames + 1
    assert result.frames_encoded == len(decode(tmp_path / "slow.mp4").frames)


@pytest.mark.parametrize(("codec", "name"), [("vp9", "v.webm"), ("av1", "a.mkv")])
def test_other_codecs(tmp_path: Path, paint, codec: str, name: str) -> None:
    paint("box", (0, 0, 320, 240))
    out = tmp_path / name
    result = record_to_file(out, 1.0, 15, region=(0, 0, 320, 240), codec=codec, progress=None)
    assert result.frames_encoded == 15 and result.error is None
    assert ffprobe_frames(out) == (320, 240, 15)


def test_headless_prints_progress(tmp_path: Path, paint) -> None:
    paint("box", tuple(SMALL))
    err = io.StringIO()
    result = record_to_file(tmp_path / "h.mp4", 1.2, 15, region="0,0,640,480", progress=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("Recording 640x480 at 15 fps")
    assert lines[-1].startswith("Saved ") and "18 frames" in lines[-1]
    assert result.stop_reason == "time_limit"


def test_cursor_is_in_the_picture_on_linux() -> None:
    # Xvfb shows its default "X" cursor in the middle of the screen
    around = Rect(940, 520, 40, 40)
    with_cursor = MssSource(RecordingSettings(region=around, draw_cursor=True))
    without = MssSource(RecordingSettings(region=around, draw_cursor=False))
    try:
        assert not np.array_equal(with_cursor.grab(), without.grab())
    finally:
        with_cursor.close()
        without.close()


@pytest.mark.parametrize(
    ("kwargs", "name", "message"),
    [
        ({}, "x.avi", "ending in .mp4 or .mkv"),
        ({}, "missing/x.mp4", "does not exist"),
        ({"monitor": 7}, "x.mp4", "Monitor 7 does not exist"),
        ({"region": (5000, 5000, 100, 100)}, "x.mp4", "outside the screen"),
    ],
)
def test_start_refuses_with_a_clear_message(tmp_path: Path, kwargs, name, message) -> None:
    recorder = Recorder(RecordingSettings(**kwargs), tmp_path / name)
    with pytest.raises(RecordingError, match=message):
        recorder.start()
    assert recorder.state is RecorderState.FAILED
    assert recorder.wait(1) is None
    with pytest.raises(RuntimeError, match="did not start"):
        recorder.stop()


class FailingSource(MssSource):
    def __init__(self, settings: RecordingSettings) -> None:
        super().__init__(settings)
        self.grabs = 0

    def grab(self) -> np.ndarray:
        self.grabs += 1
        if self.grabs > 10:
            raise OSError("X connection lost")
        return super().grab()


class CaptureFailsRecorder(Recorder):
    def _open_source(self) -> FailingSource:
        return FailingSource(self.settings)


class BrokenEncoderThread(EncoderThread):
    def encode(self, image: np.ndarray, pts: int) -> None:
        if self.frames_encoded >= 8:
            raise OSError("No space left on device")
        super().encode(image, pts)


class EncoderFailsRecorder(Recorder):
    encoder_thread_class = BrokenEncoderThread


@pytest.mark.parametrize(
    ("recorder_class", "message"),
    [
        (CaptureFailsRecorder, "screen could not be captured (X connection lost)"),
        (EncoderFailsRecorder, "could not be written (No space left on device)"),
    ],
)
def test_a_failing_thread_ends_with_failed_and_a_playable_file(
    tmp_path: Path, paint, recorder_class: type[Recorder], message: str
) -> None:
    paint("box", tuple(SMALL))
    events = Events()
    out = tmp_path / "fail.mp4"
    recorder = recorder_class(RecordingSettings(region=SMALL), out, events)
    recorder.start()
    result = recorder.wait(10)
    assert result is not None and result.stop_reason == "error"
    assert recorder.status().state is RecorderState.FAILED
    failed = events.items[-1]
    assert isinstance(failed, Failed) and message in failed.message
    assert failed.message.endswith(".") and failed.message.count(". ") == 0  # one sentence
    assert failed.result == result and result.frames_encoded > 0
    assert len(decode(out).frames) == result.frames_encoded
    assert recorder.stop() == result  # stop after the fact just reports


def test_recorder_is_used_once_and_stop_needs_start(tmp_path: Path) -> None:
    recorder = Recorder(RecordingSettings(region=SMALL, max_seconds=0.2), tmp_path / "once.mp4")
    with pytest.raises(RuntimeError):
        recorder.stop()
    recorder.start()
    with pytest.raises(RuntimeError):
        recorder.start()
    assert recorder.wait(10) is not None


def test_instant_stop_still_leaves_a_one_frame_video(tmp_path: Path) -> None:
    out = tmp_path / "instant.mp4"
    recorder = Recorder(RecordingSettings(region=SMALL), out)
    assert recorder.status().state is RecorderState.IDLE
    recorder.start()
    assert recorder.status().state is RecorderState.RECORDING
    result = recorder.stop()
    assert result.frames_encoded >= 1 and result.bytes > 0
    assert len(decode(out).frames) == result.frames_encoded
    assert recorder.status().state is RecorderState.STOPPED
