"""The capture thread: grabs the screen on a steady clock and hands frames to the encoder.

It owns its mss instance (mss objects must not cross threads), never waits on the encoder
(a full queue means the frame is dropped and counted) and numbers frames by clock tick, so
late or dropped frames keep true timing and a pause leaves no gap in the video. Given a
`convert` function (the recorder passes the encoder's FrameConverter), it queues converted
frames: a third of the memory of a BGRA image, and the conversion runs beside the encoder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from casedesktop.recording.cursor import CursorOverlay, mss_draws_cursor
from casedesktop.recording.framequeue import CapturedFrame, FrameQueue
from casedesktop.recording.geometry import (
    CaptureArea,
    blackout_slices,
    resolve_area,
    screen_to_region,
)
from casedesktop.recording.settings import RecordingSettings, Rect

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    """Something that grabs BGRA frames of one screen area; made inside the capture thread."""

    area: CaptureArea

    def grab(self) -> np.ndarray: ...

    def close(self) -> None: ...


class MssSource:
    """Grabs the configured monitor or region with mss, adding the pointer where mss cannot."""

    def __init__(self, settings: RecordingSettings) -> None:
        import mss  # imported here: only the capture thread needs it

        if mss_draws_cursor():
            self._sct = mss.MSS(with_cursor=settings.draw_cursor)
        else:
            self._sct = mss.MSS()
        try:
            self.area = resolve_area(self._sct.monitors, settings)
        except BaseException:
            self._sct.close()
            raise
        r = self.area.rect
        self._monitor = {"left": r.left, "top": r.top, "width": r.width, "height": r.height}
        draw_own = settings.draw_cursor and not mss_draws_cursor()
        self._overlay = CursorOverlay(*r) if draw_own else None

    def grab(self) -> np.ndarray:
        shot = self._sct.grab(self._monitor)
        # mss hands over a fresh bytearray per grab, so the array can own it without a copy.
        image = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        if self._overlay is not None:
            self._overlay.draw(image)
        return image

    def close(self) -> None:
        self._sct.close()


class CaptureThread(threading.Thread):
    """Grab, black out, number and queue frames until stopped or the time limit is reached."""

    def __init__(
        self,
        settings: RecordingSettings,
        queue: FrameQueue,
        source_factory: Callable[[], FrameSource],
        on_time_limit: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        super().__init__(name="casedesktop-capture", daemon=True)
        self._settings = settings
        self._queue = queue
        self._source_factory = source_factory
        self._on_time_limit = on_time_limit
        self._on_error = on_error
        self._cond = threading.Condition()
        self._go = False
        self._paused = False
        self._stopping = False
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.frame_size: tuple[int, int] = (0, 0)  # (width, height) in pixels, set when ready
        self.frames_queued = 0
        self.frames_dropped = 0
        self.frames_late = 0  # of those dropped: ticks this thread woke too late for
        self.next_pts = 0  # tick number the next frame will get: frames of video so far
        # Set before begin(): BGRA image -> what the encoder takes; used on this thread only.
        self.convert: Callable[[np.ndarray], Any] | None = None
        self._item_bytes = 0  # size of the last queued item, to skip work on a full queue
        # Screen areas to black out that may move while recording (the app's own control bar):
        # replaced whole from other threads, turned into slices here when they change.
        self._hidden: tuple[Rect, ...] = ()
        self._hidden_seen: tuple[Rect, ...] = ()
        self._hidden_slices: list[tuple[slice, slice]] = []
        self._area: CaptureArea | None = None

    # Control, called from other threads -------------------------------------------------

    def begin(self) -> None:
        """Start grabbing (the thread waits after its first test grab until told to begin)."""
        self._set(go=True)

    def pause(self) -> None:
        self._set(paused=True)

    def resume(self) -> None:
        self._set(paused=False)

    def stop(self) -> None:
        self._set(stopping=True)

    def hide(self, rects: tuple[Rect, ...]) -> None:
        """Black out these screen rectangles from the next frame on (replacing the last ones)."""
        self._hidden = tuple(rects)

    def _set(self, **flags: bool) -> None:
        with self._cond:
            for name, value in flags.items():
                setattr(self, f"_{name}", value)
            self._cond.notify_all()

    # The thread ------------------------------------------------------------------------

    def run(self) -> None:
        source: FrameSource | None = None
        started = False
        try:
            source = self._source_factory()
            first = source.grab()  # proves capture works and learns the size in pixels
            self._set_size(source.area, first)
            del first  # 8 MB at 1080p, held for the whole recording otherwise
            self.ready.set()
            with self._cond:
                while not (self._go or self._stopping):
                    self._cond.wait()
            started = True
            self._loop(source)
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            if started:
                log.exception("Screen capture failed")
                self._on_error(exc)
        finally:
            self._queue.close()
            if source is not None:
                try:
                    source.close()
                except Exception:
                    log.exception("Closing the screen grabber failed")

    def _set_size(self, area: CaptureArea, image: np.ndarray) -> None:
        height, width = image.shape[:2]
        self.frame_size = (width, height)
        self._area = area
        self._blackouts = blackout_slices(self._settings.blackouts, area, width, height)
        self._hidden_seen = ()
        self._hidden_slices = []

    def _loop(self, source: FrameSource) -> None:
        period = 1.0 / self._settings.fps
        max_frames = self._settings.max_frames
        # Frame 0 is taken whatever happens next, so even an instant stop leaves a real video.
        origin: float | None = time.monotonic()  # clock time of tick `base`; None while paused
        base = 0
        self._grab_one(source, 0)
        self.next_pts = 1
        while True:
            with self._cond:
                if self._paused and not self._stopping:
                    origin = None
                    while self._paused and not self._stopping:
                        self._cond.wait()
                if self._stopping:
                    return
                now = time.monotonic()
                if origin is None:
                    origin, base = now, self.next_pts
                due = origin + (self.next_pts - base) * period
                if now < due:
                    self._cond.wait(due - now)  # wakes early for pause or stop
                    continue
            # whole ticks we were too late for (none counted past the time limit)
            missed = min(int((now - due) / period), max_frames - self.next_pts)
            if missed:
                log.debug(
                    "Capture woke %.0f ms late: %d frame(s) dropped", (now - due) * 1e3, missed
                )
                self.frames_dropped += missed
                self.frames_late += missed
                self.next_pts += missed
            if self.next_pts >= max_frames:
                self._on_time_limit()
                return
            self._grab_one(source, self.next_pts)
            self.next_pts += 1

    def _grab_one(self, source: FrameSource, pts: int) -> None:
        if not self._queue.has_room(self._item_bytes):
            # the encoder is behind: drop this tick without grabbing or converting it
            if not self._stopping:
                self.frames_dropped += 1
            return
        image = source.grab()
        if (image.shape[1], image.shape[0]) != self.frame_size:
            self._set_size(source.area, image)  # the screen changed scale or size
        hidden = self._hidden
        if hidden != self._hidden_seen and self._area is not None:
            self._hidden_seen = hidden
            self._hidden_slices = blackout_slices(screen_to_region(hidden, self._area), self._area, *self.frame_size)
        for rows, cols in (*self._blackouts, *self._hidden_slices):
            image[rows, cols, :3] = 0
        item = CapturedFrame(pts, image if self.convert is None else self.convert(image))
        self._item_bytes = item.nbytes
        if self._queue.offer(item):
            self.frames_queued += 1
        elif not self._stopping:
            self.frames_dropped += 1
