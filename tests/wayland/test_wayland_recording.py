"""Recording on a real Wayland desktop: the portal's ScreenCast, PipeWire, GStreamer, our encoder.

The session's screen shows a bright bar sweeping across a dark background (testkit/wayland/
pattern.py); a recording of it must show the bar, and the bar must move from frame to frame.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from casedesktop.recording import (
    Recorder,
    RecordingSettings,
    Stopped,
    check_capture_available,
    portal,
)
from testkit.wayland import WaylandSession

BAR_RED = 200  # the bar is (250, 200, 40) on (20, 20, 60): red above this is the bar


def decode(path: Path) -> list[np.ndarray]:
    """Every frame of a video as RGB, decoded as a player would."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def bar_positions(frames: list[np.ndarray]) -> list[int]:
    """Where the bar's left edge is in each frame's middle row (-1 when it is not in view)."""
    positions = []
    for frame in frames:
        row = frame[frame.shape[0] // 2, :, 0]
        bright = np.flatnonzero(row > BAR_RED)
        positions.append(int(bright[0]) if bright.size else -1)
    return positions


def record(session: WaylandSession, out: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "casedesktop", "record", "--out", str(out), "--json", *args],
        env=env or session.environ(), capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, f"{done.stderr}\n--- the session's log:\n{session.log_tail()}"
    return json.loads(done.stdout)


def test_record_cli_on_wayland_shows_the_moving_screen(wayland_session: WaylandSession, tmp_path: Path) -> None:
    summary = record(wayland_session, tmp_path / "wayland.mp4", "--seconds", "3",
                     env=wayland_session.environ(XDG_STATE_HOME=str(tmp_path / "state")))
    assert (summary["width"], summary["height"]) == (1920, 1080)
    assert summary["error"] is None and summary["stop_reason"] == "time_limit"
    frames = decode(tmp_path / "wayland.mp4")
    assert len(frames) >= 40  # 3 s at 15 fps, a few may be dropped on a busy machine
    assert all(frame.mean() > 15 for frame in frames)  # not black: the background is (20, 20, 60)
    positions = bar_positions(frames)
    assert sum(p >= 0 for p in positions) > len(positions) // 2  # the bar is seen
    assert len({p for p in positions if p >= 0}) >= 10  # and it moves: not one frame repeated
    # The portal's restore token was kept, so the next recording asks the user nothing.
    token = (tmp_path / "state" / "CaseDesktop" / "screencast-restore-token").read_text()
    assert len(token) >= 8


def test_a_region_crops_the_stream(wayland_session: WaylandSession, tmp_path: Path) -> None:
    summary = record(wayland_session, tmp_path / "region.mp4", "--seconds", "2", "--region", "320,200,800,400")
    assert (summary["width"], summary["height"]) == (800, 400)
    frames = decode(tmp_path / "region.mp4")
    assert frames[0].shape[:2] == (400, 800)
    seen = [p for p in bar_positions(frames) if p >= 0]
    # The bar sweeps the whole screen; inside an 800-pixel region it shows on some frames, moving.
    assert len(set(seen)) >= 3


def test_pause_leaves_no_gap_and_the_file_is_fragmented(on_wayland: WaylandSession, tmp_path: Path) -> None:
    """The Recorder in this process: pause, resume, stop, as the window drives it."""
    events = []
    out = tmp_path / "paused.mp4"
    recorder = Recorder(RecordingSettings(fps=15, max_seconds=30), out, events.append)
    recorder.start()
    time.sleep(1.0)
    recorder.pause()
    time.sleep(1.5)
    recorder.resume()
    time.sleep(1.0)
    result = recorder.stop()
    assert result.error is None and any(isinstance(e, Stopped) for e in events)
    assert 1.6 <= result.duration_s <= 2.6  # the paused 1.5 s are not in the video
    assert len({p for p in bar_positions(decode(out)) if p >= 0}) >= 8
    assert b"moof" in out.read_bytes()  # fragments: playable even if the app had crashed


def test_the_restore_token_is_kept_and_sent_back(on_wayland: WaylandSession, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The user approves once: the portal's token is saved and handed back the next time."""
    sent: list[str | None] = []
    real_start = portal.start_screencast

    def start_and_note(restore_token: str | None = None, **kwargs: object) -> portal.ScreenCast:
        sent.append(restore_token)
        return real_start(restore_token, **kwargs)

    monkeypatch.setattr(portal, "start_screencast", start_and_note)
    tokens = portal.default_restore_tokens()
    assert tokens.load() is None
    for n in range(2):
        recorder = Recorder(RecordingSettings(fps=10, max_seconds=1), tmp_path / f"{n}.mp4")
        recorder.start()
        result = recorder.wait(20)
        assert result is not None and result.error is None
    assert sent[0] is None and sent[1] and len(sent) == 2
    assert tokens.load()  # the portal's answer to the second request, kept for the third


def test_capture_check_names_the_portal(on_wayland: WaylandSession, monkeypatch: pytest.MonkeyPatch) -> None:
    availability = check_capture_available()
    assert availability.ok and "portal" in availability.reason
    monkeypatch.setenv("PATH", "/nonexistent")  # no GStreamer tools
    availability = check_capture_available()
    assert not availability.ok and "GStreamer" in availability.reason
    assert "gstreamer1.0-pipewire" in availability.advice


def test_a_region_off_the_shared_screen_is_refused_in_words(wayland_session: WaylandSession, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "casedesktop", "record", "--out", str(tmp_path / "off.mp4"), "--seconds", "1",
         "--region", "5000,5000,100,100"],
        env=wayland_session.environ(), capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert "outside the screen" in done.stderr


def test_a_still_screen_records_again_and_again(wayland_session: WaylandSession, tmp_path: Path) -> None:  # noqa: ARG001
    """wlroots sends a new stream's first frame only when the screen changes: on a still screen
    every recording after the first would wait forever. The portal's Screenshot gives the first
    picture instead."""
    with WaylandSession() as still:  # nothing moves on this one
        for n in range(2):
            summary = record(still, tmp_path / f"still-{n}.mp4", "--seconds", "1")
            assert summary["error"] is None and summary["frames_written"] >= 10
