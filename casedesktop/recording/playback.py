"""Plays a recording back for the preview: decoded with PyAV, paced by each frame's time.

The recordings are silent screen videos, so a player is a paced decode loop; the window shows the
frames it hands over. Runs on its own thread so the GUI never waits on the decoder. Using PyAV
(already here for encoding) keeps a second FFmpeg and Qt Multimedia's QML stack out of the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from casedesktop.i18n import _


@dataclass(frozen=True)
class VideoImage:
    """One decoded frame as packed RGB24 rows, and its time in seconds from the start."""

    time_s: float
    width: int
    height: int
    rgb: bytes


def fit(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The largest even size of the same aspect ratio inside the box (never upscaled)."""
    scale = min(box_w / width, box_h / height, 1.0)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def first_image(path: Path, box: tuple[int, int]) -> VideoImage | None:
    """The first frame (the poster), or None if the file holds no decodable video."""
    with av.open(str(path)) as container:
        for image in _images(container, box):
            return image
    return None


def _images(container: av.container.InputContainer, box: tuple[int, int]):  # noqa: ANN202 - generator
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    base = stream.time_base
    for frame in container.decode(stream):
        w, h = fit(frame.width, frame.height, *box)
        rgb = frame.reformat(width=w, height=h, format="rgb24")
        seconds = float(frame.pts * base) if frame.pts is not None and base else 0.0
        yield VideoImage(seconds, w, h, bytes(rgb.planes[0]) if rgb.planes[0].line_size == w * 3
                         else _packed(rgb, w, h))


def _packed(frame: av.VideoFrame, w: int, h: int) -> bytes:
    """RGB rows without the decoder's line padding."""
    plane = frame.planes[0]
    data = bytes(plane)
    return b"".join(data[y * plane.line_size:y * plane.line_size + w * 3] for y in range(h))


class Player:
    """Decodes `path` on a thread and calls `on_image` at each frame's time, `on_end` at the end.

    `play()` starts or resumes (from the start after the end), `pause()` holds the clock, `close()`
    stops the thread and releases the file. Callbacks run on the player's thread.
    """

    def __init__(self, path: Path, box: tuple[int, int], on_image: Callable[[VideoImage], None],
                 on_end: Callable[[str | None], None]):
        self.path = Path(path)
        self.box = box
        self._on_image = on_image
        self._on_end = on_end
        self._running = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def playing(self) -> bool:
        return self._running.is_set() and self._thread is not None and self._thread.is_alive()

    def play(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="recording-playback", daemon=True)
            self._running.set()
            self._thread.start()
        else:
            self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def close(self) -> None:
        self._closed.set()
        self._running.set()  # wake a paused loop so it can see the close
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        error: str | None = None
        try:
            with av.open(str(self.path)) as container:
                started = time.monotonic()
                for image in _images(container, self.box):
                    if not self._running.is_set():
                        paused_at = time.monotonic()
                        self._running.wait()
                        started += time.monotonic() - paused_at
                    if self._closed.is_set():
                        return
                    delay = started + image.time_s - time.monotonic()
                    if delay > 0 and self._closed.wait(delay):
                        return
                    self._on_image(image)
        except (av.error.FFmpegError, OSError, IndexError) as exc:
            error = _("The recording cannot be played: {error}").format(error=exc)
        if not self._closed.is_set():
            self._running.clear()
            self._on_end(error)
