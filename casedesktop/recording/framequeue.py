"""The hand-off between capture and encoder, bounded by frame count AND bytes.

A queue bounded only by time grew to 2-4 GB at high frame rates (measured), so
`offer` never blocks and refuses a frame when either bound is reached: the capture thread
counts it as dropped and memory stays flat however slow the encoder is.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import av


def image_bytes(image: np.ndarray | av.VideoFrame) -> int:
    """Memory held by a grabbed BGRA array or a converted frame (the sum of its planes)."""
    if isinstance(image, np.ndarray):
        return int(image.nbytes)
    return sum(int(plane.buffer_size) for plane in image.planes)


@dataclass(frozen=True)
class CapturedFrame:
    """One grabbed image and its tick number on the capture clock: a BGRA array (height x
    width x 4), or the yuv420p frame the capture thread already converted it to."""

    pts: int
    image: np.ndarray | av.VideoFrame
    nbytes: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nbytes", image_bytes(self.image))


class FrameQueue:
    """Single producer, single consumer; `close` tells the consumer nothing more will come."""

    def __init__(self, max_frames: int, max_bytes: int) -> None:
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self._items: deque[CapturedFrame] = deque()
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()
        self.peak_frames = 0
        self.peak_bytes = 0

    def offer(self, frame: CapturedFrame) -> bool:
        """Add a frame if both bounds allow it; never waits. An empty queue takes any one frame,
        so a single image larger than max_bytes still flows (memory stays at one frame)."""
        with self._cond:
            if self._closed:
                return False
            full = (
                len(self._items) >= self.max_frames or self._bytes + frame.nbytes > self.max_bytes
            )
            if full and self._items:
                return False
            self._items.append(frame)
            self._bytes += frame.nbytes
            self.peak_frames = max(self.peak_frames, len(self._items))
            self.peak_bytes = max(self.peak_bytes, self._bytes)
            self._cond.notify()
            return True

    def has_room(self, nbytes: int) -> bool:
        """Whether `offer` would take a frame of `nbytes` now (and, with one producer, until
        it offers): lets the producer skip work on a frame that would be dropped anyway."""
        with self._cond:
            if self._closed:
                return False
            if not self._items:
                return True
            return len(self._items) < self.max_frames and self._bytes + nbytes <= self.max_bytes

    def get(self, timeout: float) -> CapturedFrame | None:
        """The oldest frame, or None after `timeout` seconds or once closed and empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            if not self._items:
                return None
            frame = self._items.popleft()
            self._bytes -= frame.nbytes
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def clear(self) -> int:
        """Discard what is queued (after a stop the encoder will not use it); return how many."""
        with self._cond:
            count = len(self._items)
            self._items.clear()
            self._bytes = 0
            return count

    @property
    def finished(self) -> bool:
        """Closed by the producer and fully consumed."""
        with self._cond:
            return self._closed and not self._items

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    @property
    def nbytes(self) -> int:
        with self._cond:
            return self._bytes
