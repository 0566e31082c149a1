"""The encoder side: BGRA frames in, a growing, always-playable video file out.

`VideoEncoder` owns the PyAV container; `EncoderThread` feeds it from the frame queue, keeps
the file under its size limit and reports progress. Frames arrive numbered by capture tick, so
the stream's time base is 1/fps and a frame's number is its pts: drops keep real timing and
pauses (which stop the numbering) leave no gap. `FrameConverter` turns a BGRA screen image into
the encoder's yuv420p frame; the recorder runs it on the capture thread, so the queue holds
frames of 1.5 bytes a pixel instead of 4 and the two threads share the work.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from casedesktop.recording.formats import CODECS, container_for
from casedesktop.recording.framequeue import FrameQueue
from casedesktop.recording.limits import SizeBudget
from casedesktop.recording.settings import RecordingSettings

log = logging.getLogger(__name__)

# Tag and convert as BT.709 limited range, what players assume for HD video; swscale's
# default matrix (BT.601) would shift colours slightly in every player.
_BT709 = 1
_LIMITED_RANGE = 1


class FrameConverter:
    """BGRA images (any size) to yuv420p frames of one output size, in one libswscale call.

    The swscale context is kept from frame to frame: `VideoFrame.reformat` made a new one per
    frame (0.4-0.7 ms of set-up and a thread pool each time). One thread: the conversion of a
    1080p frame is ~3 ms either way, and the other core is encoding meanwhile. Use one converter
    from one thread only.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._reformatter = VideoReformatter()

    def __call__(self, image: np.ndarray) -> av.VideoFrame:
        source = av.VideoFrame.from_numpy_buffer(image, format="bgra")  # no copy
        return self._reformatter.reformat(
            source,
            self.width,
            self.height,
            "yuv420p",
            interpolation="AREA",
            dst_colorspace="ITU709",
            dst_color_range="MPEG",
            threads=1,
        )


class VideoEncoder:
    """One output file: opened at construction, finished by `close` (safe to call twice)."""

    def __init__(self, path: Path, settings: RecordingSettings, size: tuple[int, int]) -> None:
        spec = CODECS[settings.codec]
        container_spec = container_for(path, settings.codec)
        self.path = path
        self.width, self.height = size
        self.fps = settings.fps
        self._time_base = Fraction(1, settings.fps)
        if spec.encoder == "libsvtav1":
            os.environ.setdefault("SVT_LOG", "1")  # errors only: SVT prints a banner otherwise
        self._container = av.open(
            str(path),
            mode="w",
            format=container_spec.format,
            container_options=container_spec.options,
        )
        try:
            stream = self._container.add_stream(
                spec.encoder,
                rate=settings.fps,
                options=spec.options(settings.effective_preset, settings.effective_crf),
            )
            stream.width, stream.height = self.width, self.height
            stream.pix_fmt = "yuv420p"
            ctx = stream.codec_context
            ctx.time_base = self._time_base
            ctx.gop_size = settings.keyframe_interval_frames
            if spec.threads:
                ctx.thread_count = spec.threads
            ctx.colorspace = ctx.color_primaries = ctx.color_trc = _BT709
            ctx.color_range = _LIMITED_RANGE
            self._stream = stream
            # Open the codec and write the header now, before capture begins: done lazily on
            # the first frame it held the GIL long enough (libvpx ~60 ms) to make capture miss
            # a tick.
            self._container.start_encoding()
        except BaseException:
            self._container.close()
            raise
        self._convert = FrameConverter(self.width, self.height)
        self.frames_in = 0
        self.packets_out = 0
        self.last_pts = -1
        self._closed = False
        self.on_packet: Callable[[int, bool], None] | None = None  # (size, keyframe)

    def encode(self, image: np.ndarray | av.VideoFrame, pts: int) -> None:
        """Encode one image shown from `pts` (in frames) until the next one: a BGRA array, or
        a frame already converted by a FrameConverter of this encoder's size."""
        if pts <= self.last_pts:
            return  # never feed the muxer a time that goes backwards
        if isinstance(image, np.ndarray):
            frame = self._convert(image)
        elif (image.width, image.height) != (self.width, self.height):
            raise ValueError(
                f"A {image.width}x{image.height} frame for a {self.width}x{self.height} video."
            )
        else:
            frame = image
        frame.pts = pts
        frame.time_base = self._time_base
        frame.duration = 1
        self.last_pts = pts
        self.frames_in += 1
        self._mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush what the encoder still holds and write the container's trailer."""
        if self._closed:
            return
        self._closed = True
        try:
            self._mux(self._stream.encode(None))
        finally:
            self._container.close()

    @property
    def pending_frames(self) -> int:
        """Frames given to the encoder that have not come out as packets yet."""
        return self.frames_in - self.packets_out

    @property
    def file_bytes(self) -> int:
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def _mux(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            self.packets_out += 1
            if self.on_packet is not None:
                self.on_packet(packet.size, packet.is_keyframe)
            self._container.mux(packet)


class EncoderThread(threading.Thread):
    """Drain the queue into the encoder until capture is done or a limit or error stops it.

    It calls `on_size_limit` once the next frame could push the file past max_bytes,
    `on_tick` about once a second, and `on_done(error)` last of all, after the file is
    closed (error is None when the file was finished cleanly).
    """

    TICK_S = 1.0

    def __init__(
        self,
        encoder: VideoEncoder,
        queue: FrameQueue,
        settings: RecordingSettings,
        on_size_limit: Callable[[], None],
        on_tick: Callable[[], None],
        on_done: Callable[[BaseException | None], None],
    ) -> None:
        super().__init__(name="casedesktop-encoder", daemon=True)
        self.encoder = encoder
        self._queue = queue
        self._budget = SizeBudget(settings.max_bytes, settings.fps)
        encoder.on_packet = self._budget.observe
        self._on_size_limit = on_size_limit
        self._on_tick = on_tick
        self._on_done = on_done
        self.frames_encoded = 0

    def run(self) -> None:
        error: BaseException | None = None
        try:
            self._drain()
        except BaseException as exc:
            log.exception("Video encoding failed")
            error = exc
        finally:
            self._queue.close()
            self._queue.clear()
            try:
                self.encoder.close()
            except BaseException as exc:
                log.exception("Finishing the video file failed")
                error = error or exc
            self._on_done(error)

    def _drain(self) -> None:
        next_tick = time.monotonic() + self.TICK_S
        while True:
            item = self._queue.get(timeout=0.2)
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + self.TICK_S
                self._on_tick()
            if item is None:
                if self._queue.finished:
                    return
                continue
            if not self._budget.allows_another_frame(
                self.encoder.file_bytes, self.encoder.pending_frames
            ):
                self._on_size_limit()
                return
            self.encode(item.image, item.pts)
            del item  # x264 has copied it: do not hold a frame while waiting for the next

    def encode(self, image: np.ndarray | av.VideoFrame, pts: int) -> None:
        """One frame into the file; a seam tests use to slow the encoder down."""
        self.encoder.encode(image, pts)
        self.frames_encoded = self.encoder.frames_in

    @property
    def bytes_written(self) -> int:
        """What is on disk, or what the muxer has been given if the disk lags behind."""
        return max(self.encoder.file_bytes, self._budget.packet_bytes)
