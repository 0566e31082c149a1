"""Decides, before each frame is encoded, whether the file could still end under max_bytes.

The file on disk lags behind the encoder (frames inside x264, a fragment not yet written,
the index written at close), so the check adds a reserve for all of that, sized from the
packets seen so far: the frames still inside the encoder, the next frame, one keyframe
(the biggest packets) and the container's own bookkeeping.
"""

from __future__ import annotations

FIXED_OVERHEAD = 64 * 1024  # header, index at close, muxer buffers
OVERHEAD_PER_SECOND = 1024  # fragment/cluster headers: a few hundred bytes per second measured
SAFETY = 1.5  # the next frames may be busier than the recent average


class SizeBudget:
    """Tracks packet sizes and answers "may I encode one more frame?"."""

    def __init__(self, max_bytes: int, fps: int) -> None:
        self.max_bytes = max_bytes
        self.fps = fps
        self.packet_bytes = 0
        self.packets = 0
        self._avg = 0.0  # recent mean size of non-key packets (exponential, over ~2 s)
        self._deltas = 0
        self._last_key = 0

    def observe(self, size: int, keyframe: bool) -> None:
        self.packet_bytes += size
        self.packets += 1
        if keyframe:
            self._last_key = size
            if not self._deltas:
                self._avg = size  # nothing better known yet: assume the worst
            return
        self._deltas += 1
        alpha = min(1.0, 1.0 / (2 * self.fps))
        self._avg = size if self._deltas == 1 else self._avg + alpha * (size - self._avg)

    def projected(self, file_bytes: int, pending_frames: int) -> float:
        """The final size if we stopped after one more frame."""
        seconds = self.packets / self.fps
        written = max(
            file_bytes, self.packet_bytes + FIXED_OVERHEAD + OVERHEAD_PER_SECOND * seconds
        )
        in_flight = (pending_frames + 1) * self._avg * SAFETY + self._last_key
        return written + in_flight

    def allows_another_frame(self, file_bytes: int, pending_frames: int) -> bool:
        return self.projected(file_bytes, pending_frames) <= self.max_bytes
