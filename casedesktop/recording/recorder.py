"""The Recorder: one recording's life from start to a finished file, behind five calls.

It wires the capture thread to the encoder thread through a bounded queue, keeps the state
(idle -> recording <-> paused -> stopped | failed), and publishes events through one plain
callback. Callbacks run on whichever thread noticed the change (mostly the worker threads):
a UI must hand them to its own thread and must not block in them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from casedesktop.i18n import _
from casedesktop.recording import portal
from casedesktop.recording.capture import CaptureThread, FrameSource, MssSource
from casedesktop.recording.encoder import EncoderThread, FrameConverter, VideoEncoder
from casedesktop.recording.events import (
    Failed,
    Paused,
    Progress,
    RecorderEvent,
    RecorderState,
    RecorderStatus,
    RecordingError,
    RecordingResult,
    Resumed,
    Started,
    Stopped,
    StopReason,
)
from casedesktop.recording.formats import container_for
from casedesktop.recording.framequeue import FrameQueue
from casedesktop.recording.geometry import output_size
from casedesktop.recording.settings import RecordingSettings, Rect

log = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0
PORTAL_START_TIMEOUT_S = 130.0  # the portal's own dialog waits for the user (120 s), then the first frame


class _ActiveClock:
    """Seconds spent recording, not counting pauses."""

    def __init__(self) -> None:
        self._total = 0.0
        self._since: float | None = None

    def run(self) -> None:
        if self._since is None:
            self._since = time.monotonic()

    def hold(self) -> None:
        if self._since is not None:
            self._total += time.monotonic() - self._since
            self._since = None

    def elapsed(self) -> float:
        running = 0.0 if self._since is None else time.monotonic() - self._since
        return self._total + running


class Recorder:
    """Records the screen into `output_path` (.mp4 or .mkv) as `settings` describe.

    A Recorder records once: start(), any number of pause()/resume(), then stop(), or a
    time or size limit stops it by itself. Problems found before recording begins raise
    RecordingError from start(); later ones end the recording with a Failed event.
    """

    encoder_thread_class: type[EncoderThread] = EncoderThread

    def __init__(
        self,
        settings: RecordingSettings,
        output_path: Path | str,
        on_event: Callable[[RecorderEvent], None] | None = None,
    ) -> None:
        self.settings = settings
        self.output_path = Path(output_path)
        self._on_event = on_event
        self._lock = threading.RLock()
        self._state = RecorderState.IDLE
        self._started = False
        self._clock = _ActiveClock()
        self._stop_reason: StopReason | None = None
        self._error: str | None = None
        self._result: RecordingResult | None = None
        self._done = threading.Event()
        self._queue: FrameQueue | None = None
        self._capture: CaptureThread | None = None
        self._encoding: EncoderThread | None = None
        self._hidden: tuple[Rect, ...] = ()

    # Public API ------------------------------------------------------------------------

    def start(self) -> None:
        """Begin recording; returns once frames are flowing or raises RecordingError."""
        with self._lock:
            if self._started:
                raise RuntimeError(
                    "A Recorder records once; create a new one for the next recording."
                )
            self._started = True
        try:
            self._start()
        except BaseException:
            with self._lock:
                self._state = RecorderState.FAILED
            self._done.set()  # nothing will run: wait() and stop() must not hang
            raise

    def pause(self) -> None:
        """Stop adding frames; the video will continue seamlessly after resume()."""
        with self._lock:
            if self._state is not RecorderState.RECORDING or self._stop_reason:
                return
            self._state = RecorderState.PAUSED
            self._clock.hold()
            assert self._capture is not None
            self._capture.pause()
            elapsed = self._clock.elapsed()
        self._publish(Paused(elapsed))

    def resume(self) -> None:
        with self._lock:
            if self._state is not RecorderState.PAUSED or self._stop_reason:
                return
            self._state = RecorderState.RECORDING
            self._clock.run()
            assert self._capture is not None
            self._capture.resume()
            elapsed = self._clock.elapsed()
        self._publish(Resumed(elapsed))

    def hide_areas(self, rects: Sequence[Rect]) -> None:
        """Black out these screen rectangles (screen coordinates, like `settings.region`) from the
        next frame on, replacing the last ones: for windows that move while recording, such as a
        control bar over the recorded area. Private areas chosen beforehand are `blackouts`."""
        with self._lock:
            self._hidden = tuple(Rect(*r) for r in rects)
            capture = self._capture
        if capture is not None:
            capture.hide(self._hidden)

    def request_stop(self, reason: StopReason = "user") -> None:
        """Ask the recording to end without waiting; a Stopped or Failed event follows."""
        with self._lock:
            if self._stop_reason is None and self._state in (
                RecorderState.RECORDING,
                RecorderState.PAUSED,
            ):
                self._stop_reason = reason
            capture = self._capture
        if capture is not None:
            capture.stop()

    def stop(self, timeout: float | None = 30.0) -> RecordingResult:
        """End the recording, wait until the file is finished and describe it."""
        if not self._started:
            raise RuntimeError("stop() called before start().")
        self.request_stop("user")
        if self._result is not None:
            return self._result
        if self._done.is_set():
            raise RuntimeError(_("The recording did not start, so there is nothing to stop."))
        if threading.current_thread() in (self._capture, self._encoding):
            raise RuntimeError("stop() cannot wait inside an event callback; use request_stop().")
        if not self._done.wait(timeout):
            raise TimeoutError(_("The recording did not finish within {seconds} seconds.").format(seconds=timeout))
        assert self._result is not None
        return self._result

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """Wait until the recording has ended by itself (limits, errors) or been stopped."""
        self._done.wait(timeout)
        return self._result

    def status(self) -> RecorderStatus:
        """A consistent snapshot; cheap enough to poll from a UI timer."""
        with self._lock:
            state = self._state
            if self._result is not None:
                r = self._result
                return RecorderStatus(
                    state, r.duration_s, r.bytes, r.frames_encoded, r.frames_dropped
                )
            elapsed = min(self._clock.elapsed(), self.settings.max_seconds)
        encoding, capture = self._encoding, self._capture
        return RecorderStatus(
            state,
            elapsed,
            encoding.bytes_written if encoding else 0,
            encoding.frames_encoded if encoding else 0,
            capture.frames_dropped if capture else 0,
        )

    @property
    def state(self) -> RecorderState:
        return self._state

    # Seams for tests and other platforms -----------------------------------------------

    def _open_source(self) -> FrameSource:
        """Made inside the capture thread, which then owns it: on Wayland the desktop portal's
        stream (the portal may ask the user first), elsewhere mss."""
        if portal.session_is_wayland():
            from casedesktop.recording.pipewire import PipeWireSource

            return PipeWireSource(self.settings)
        return MssSource(self.settings)

    def _open_encoder(self, size: tuple[int, int]) -> VideoEncoder:
        return VideoEncoder(self.output_path, self.settings, size)

    # Start-up --------------------------------------------------------------------------

    def _start(self) -> None:
        self._check_output()
        s = self.settings
        queue = FrameQueue(s.queue_max_frames, s.queue_max_bytes)
        capture = CaptureThread(
            s, queue, self._open_source, self._on_time_limit, self._on_capture_error
        )
        with self._lock:
            self._queue, self._capture = queue, capture
            capture.hide(self._hidden)
        capture.start()
        timeout = PORTAL_START_TIMEOUT_S if portal.session_is_wayland() else START_TIMEOUT_S
        if not capture.ready.wait(timeout):
            capture.stop()
            raise RecordingError(
                _("The screen did not answer within {seconds} seconds; check that the display is available and try "
                  "again.").format(seconds=f"{timeout:.0f}")
            )
        if capture.error is not None:
            capture.join()
            raise RecordingError(_capture_problem(capture.error)) from capture.error
        size = output_size(*capture.frame_size, s.max_width)
        try:
            encoder = self._open_encoder(size)
        except Exception as exc:
            capture.stop()
            capture.join()
            raise RecordingError(
                _("Could not create the video file {path} ({error}); check that the folder is writable and has free "
                  "space.").format(path=self.output_path, error=exc)
            ) from exc
        encoding = self.encoder_thread_class(
            encoder, queue, s, self._on_size_limit, self._on_tick, self._on_done
        )
        capture.convert = FrameConverter(encoder.width, encoder.height)
        with self._lock:
            self._encoding = encoding
            self._state = RecorderState.RECORDING
            self._clock.run()
        self._publish(Started(self.output_path, size[0], size[1], s.fps))
        encoding.start()
        capture.begin()

    def _check_output(self) -> None:
        try:
            container_for(self.output_path, self.settings.codec)
        except ValueError as exc:
            raise RecordingError(str(exc)) from exc
        folder = self.output_path.parent
        if not folder.is_dir():
            raise RecordingError(
                _("The folder {folder} does not exist; choose another place to save.").format(folder=folder)
            )
        if not os.access(folder, os.W_OK):
            raise RecordingError(
                _("Cannot write to the folder {folder}; choose another place to save.").format(folder=folder)
            )

    # Called from the worker threads ----------------------------------------------------

    def _on_time_limit(self) -> None:
        self.request_stop("time_limit")

    def _on_size_limit(self) -> None:
        self.request_stop("size_limit")

    def _on_capture_error(self, exc: BaseException) -> None:
        with self._lock:
            self._error = self._error or (
                _("Recording stopped because the screen could not be captured ({error}); the video up to that "
                  "moment was saved.").format(error=exc)
            )
        self.request_stop("error")

    def _on_tick(self) -> None:
        if self._state is RecorderState.RECORDING and self._stop_reason is None:
            st = self.status()
            self._publish(Progress(st.elapsed_s, st.bytes, st.frames_encoded, st.frames_dropped))

    def _on_done(self, error: BaseException | None) -> None:
        """Last act of the encoder thread, after the file is closed: settle and report."""
        capture, encoding, queue = self._capture, self._encoding, self._queue
        assert capture is not None and encoding is not None and queue is not None
        if error is not None:
            with self._lock:
                self._error = self._error or (
                    _("Recording stopped because the video could not be written ({error}); check free disk space "
                      "and try again.").format(error=error)
                )
        self.request_stop("error" if self._error else "user")
        capture.join(timeout=5.0)
        with self._lock:
            self._clock.hold()
            reason: StopReason = "error" if self._error else (self._stop_reason or "user")
            encoder = encoding.encoder
            result = RecordingResult(
                path=self.output_path,
                duration_s=(encoder.last_pts + 1) / self.settings.fps,
                frames_encoded=encoder.frames_in,
                frames_dropped=capture.frames_dropped,
                bytes=encoder.file_bytes,
                stop_reason=reason,
                width=encoder.width,
                height=encoder.height,
                error=self._error,
                queue_peak_frames=queue.peak_frames,
                queue_peak_bytes=queue.peak_bytes,
                frames_dropped_late=capture.frames_late,
            )
            self._result = result
            self._state = RecorderState.FAILED if self._error else RecorderState.STOPPED
        try:
            if self._error:
                self._publish(Failed(self._error, result))
            else:
                self._publish(Stopped(result))
        finally:
            self._done.set()

    def _publish(self, event: RecorderEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("A recorder event handler failed on %r", event)


def _capture_problem(exc: BaseException) -> str:
    """Explain a failed first grab, using the platform check's advice when it knows more."""
    if isinstance(exc, RecordingError):
        return str(exc)  # already a specific message (monitor or region not on the screen)
    from casedesktop.recording.platform_check import check_capture_available

    availability = check_capture_available()
    if not availability.ok:
        return availability.message
    return _("The screen could not be captured ({error}); check the display settings and try again.").format(error=exc)
