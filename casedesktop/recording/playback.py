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
    for frame in container.decode(stream):
        yield _to_image(frame, box)


def _seconds(frame: av.VideoFrame) -> float:
    """The frame's time from the start of the video (0 when the file does not say)."""
    return float(frame.time) if frame.time is not None else 0.0


def _to_image(frame: av.VideoFrame, box: tuple[int, int]) -> VideoImage:
    w, h = fit(frame.width, frame.height, *box)
    rgb = frame.reformat(width=w, height=h, format="rgb24")
    return VideoImage(_seconds(frame), w, h, bytes(rgb.planes[0]) if rgb.planes[0].line_size == w * 3
                      else _packed(rgb, w, h))


def _packed(frame: av.VideoFrame, w: int, h: int) -> bytes:
    """RGB rows without the decoder's line padding."""
    plane = frame.planes[0]
    data = bytes(plane)
    return b"".join(data[y * plane.line_size:y * plane.line_size + w * 3] for y in range(h))


class Player:
    """Decodes `path` on its own thread: shows the first frame as soon as it is opened, then plays
    paced by each frame's time, pauses, and seeks (to the frame showing at a time).

    `open()` starts the thread and hands over the first frame (the poster); `play()` starts or
    resumes (from the start after the end); `pause()` holds the clock; `seek(seconds)` shows the
    frame at that time and plays on from there when playing (only the latest of several quick
    seeks is decoded); `close()` stops the thread and releases the file. `on_image` and `on_end`
    run on the player's thread.
    """

    def __init__(self, path: Path, box: tuple[int, int], on_image: Callable[[VideoImage], None],
                 on_end: Callable[[str | None], None]):
        self.path = Path(path)
        self.box = box
        self._on_image = on_image
        self._on_end = on_end
        self._cond = threading.Condition()
        self._want_play = False
        self._seek_to: float | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def playing(self) -> bool:
        return self._want_play and self._thread is not None and self._thread.is_alive()

    def open(self) -> None:
        """Start decoding: the first frame is handed over at once, then the player waits."""
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="recording-playback", daemon=True)
                self._thread.start()

    def play(self) -> None:
        with self._cond:
            self._want_play = True
            self._cond.notify_all()
        self.open()

    def pause(self) -> None:
        with self._cond:
            self._want_play = False
            self._cond.notify_all()

    def seek(self, seconds: float) -> None:
        with self._cond:
            self._seek_to = max(0.0, seconds)
            self._cond.notify_all()
        self.open()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    # The thread ------------------------------------------------------------------------

    def _run(self) -> None:
        error: str | None = None
        try:
            with av.open(str(self.path)) as container:
                self._loop(container)
        except (av.error.FFmpegError, OSError, IndexError) as exc:
            error = _("The recording cannot be played: {error}").format(error=exc)
            with self._cond:
                self._want_play = False
                closed = self._closed
            if not closed:
                self._on_end(error)

    def _loop(self, container: av.container.InputContainer) -> None:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = container.decode(stream)
        shown = next(frames, None)
        if shown is None:
            raise IndexError(_("it holds no video"))
        self._on_image(self._image(shown))  # the poster, before anyone presses Play
        pending = next(frames, None)  # the next frame to show; None at the end
        origin = 0.0  # clock time of the video's time 0 while playing
        clock_running = False
        while True:
            with self._cond:
                while not self._closed and self._seek_to is None and not self._want_play:
                    clock_running = False
                    self._cond.wait()
                if self._closed:
                    return
                seek, self._seek_to = self._seek_to, None
                if seek is None and pending is None:  # Play after the end: from the start
                    seek = 0.0
            if seek is not None:
                frames, shown, pending = self._seek(container, stream, seek)
                self._on_image(self._image(shown))
                origin = time.monotonic() - _seconds(shown)
                if pending is None:
                    self._ended()
                continue
            if not clock_running:  # starting or resuming: the clock goes on from the frame shown
                origin = time.monotonic() - _seconds(shown)
                clock_running = True
            with self._cond:
                delay = origin + _seconds(pending) - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)  # a pause, a seek or close wakes it early
                    continue  # and the loop looks again at what it should do
            self._on_image(self._image(pending))
            shown, pending = pending, next(frames, None)
            if pending is None:
                self._ended()

    def _ended(self) -> None:
        with self._cond:
            self._want_play = False
            closed = self._closed
        if not closed:
            self._on_end(None)

    def _seek(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream,
              seconds: float):  # noqa: ANN202 - (frames iterator, frame shown, next frame or None)
        """Jump to the keyframe before `seconds`, then decode on to the frame showing at that time."""
        base = stream.time_base
        container.seek(int(seconds / base) if base else 0, stream=stream, backward=True)
        frames = container.decode(stream)
        shown = next(frames, None)
        if shown is None:  # nothing after the seek point: show the start instead
            container.seek(0, stream=stream)
            frames = container.decode(stream)
            shown = next(frames)
        pending = next(frames, None)
        while pending is not None and _seconds(pending) <= seconds + 1e-6:
            shown, pending = pending, next(frames, None)
        return frames, shown, pending

    def _image(self, frame: av.VideoFrame) -> VideoImage:
        return _to_image(frame, self.box)
