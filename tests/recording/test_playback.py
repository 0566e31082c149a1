"""The preview's player: real files encoded with PyAV, decoded back, paced by frame times."""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from casedesktop.recording.playback import Player, VideoImage, first_image, fit

FPS = 20


def write_video(path: Path, frames: int, size: tuple[int, int] = (320, 240)) -> Path:
    """Frame i is a flat grey of level 10*i (mod 250), so each decoded frame tells which one it is."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        for i in range(frames):
            image = np.full((size[1], size[0], 3), (10 * i) % 250, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def level(image: VideoImage) -> int:
    return int(np.frombuffer(image.rgb, dtype=np.uint8).mean().round())


def test_fit_keeps_aspect_even_and_never_upscales() -> None:
    assert fit(1920, 1080, 800, 450) == (800, 450)
    assert fit(1366, 768, 800, 450) == (800, 448)
    assert fit(320, 240, 800, 450) == (320, 240)
    assert fit(1001, 3001, 800, 450) == (150, 450)


def test_poster_is_the_first_frame_scaled_into_the_box(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 5, (640, 480))
    poster = first_image(path, (320, 320))
    assert poster is not None and (poster.width, poster.height) == (320, 240)
    assert len(poster.rgb) == 320 * 240 * 3
    assert level(poster) <= 3


def test_plays_every_frame_in_order_at_its_time(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 10)
    shown: list[tuple[float, VideoImage]] = []
    ended = threading.Event()
    errors: list[str | None] = []
    player = Player(path, (800, 450), lambda image: shown.append((time.monotonic(), image)),
                    lambda error: (errors.append(error), ended.set()))
    started = time.monotonic()
    player.play()
    assert ended.wait(10)
    assert errors == [None]
    assert [round(image.time_s * FPS) for _, image in shown] == list(range(10))
    assert [level(image) for _, image in shown] == pytest.approx([10 * i for i in range(10)], abs=3)
    # Paced: the last frame (0.45 s in) is not shown before its time.
    assert shown[-1][0] - started >= 0.4
    assert not player.playing


def test_pause_holds_the_clock_and_play_resumes(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 40)  # 2 s
    shown: list[VideoImage] = []
    ended = threading.Event()
    player = Player(path, (800, 450), shown.append, lambda _error: ended.set())
    player.play()
    time.sleep(0.3)
    player.pause()
    time.sleep(0.2)
    held = len(shown)
    time.sleep(0.5)
    assert 0 < held < 40 and len(shown) <= held + 1  # at most the frame already due
    player.play()
    assert ended.wait(10)
    assert len(shown) == 40
    player.close()


def test_a_damaged_file_ends_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00" * 4096)
    ended: list[str | None] = []
    done = threading.Event()
    player = Player(path, (800, 450), lambda _image: None, lambda error: (ended.append(error), done.set()))
    player.play()
    assert done.wait(10)
    assert ended[0] is not None and "cannot be played" in ended[0]


def test_close_stops_a_playing_player_quickly(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 200)  # 10 s
    shown: list[VideoImage] = []
    player = Player(path, (800, 450), shown.append, lambda _error: None)
    player.play()
    time.sleep(0.2)
    closed_at = time.monotonic()
    player.close()
    assert time.monotonic() - closed_at < 1.0
    count = len(shown)
    time.sleep(0.3)
    assert len(shown) == count < 200


def test_open_hands_over_the_first_frame_without_playing(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 20)
    shown: list[VideoImage] = []
    player = Player(path, (800, 450), shown.append, lambda _error: None)
    player.open()
    deadline = time.monotonic() + 5
    while not shown and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # long enough for several frames, were it playing
    assert [round(image.time_s * FPS) for image in shown] == [0]
    assert not player.playing
    player.close()


def test_seek_shows_the_frame_at_that_time_and_play_goes_on_from_there(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 40)  # 2 s, frame i at i/20 s
    shown: list[VideoImage] = []
    ended = threading.Event()
    player = Player(path, (800, 450), shown.append, lambda _error: ended.set())
    player.seek(1.52)  # between frames 30 (1.50 s) and 31 (1.55 s): frame 30 is on screen then
    deadline = time.monotonic() + 5
    while len(shown) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [round(image.time_s * FPS) for image in shown] == [0, 30]
    assert level(shown[-1]) == pytest.approx((10 * 30) % 250, abs=3)
    player.play()
    assert ended.wait(5)
    assert [round(image.time_s * FPS) for image in shown[2:]] == list(range(31, 40))
    player.seek(0.5)  # after the end, a seek shows that frame again
    deadline = time.monotonic() + 5
    while round(shown[-1].time_s * FPS) != 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert round(shown[-1].time_s * FPS) == 10
    player.close()


def test_seek_past_the_end_shows_the_last_frame_and_ends(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 20)
    shown: list[VideoImage] = []
    ended = threading.Event()
    player = Player(path, (800, 450), shown.append, lambda _error: ended.set())
    player.play()
    player.seek(60.0)
    assert ended.wait(5)
    assert round(shown[-1].time_s * FPS) == 19 and not player.playing
    player.close()
