"""Screen frames on Wayland: the portal's PipeWire stream, read through GStreamer.

The desktop portal (`portal.py`) shares one monitor as a PipeWire stream. GStreamer's
`pipewiresrc` is the maintained reader of such streams; it runs as a `gst-launch-1.0` child
process that converts frames to BGRx at the stream's size, asks the compositor for no more frames a second
than the recording keeps, and writes them, whole and back to back, into a pipe. A reader thread keeps the newest
frame; `grab()` hands out a copy of it, cropped to the area the user chose.

PipeWire sends a frame only when the screen changes (on wlroots not even a first one for a still
screen, which the portal's Screenshot then gives): `grab()` repeats the newest frame, and the capture clock keeps the video's timing as it
does with mss. The child process dies with the pipe or the session, so a crash leaves nothing
behind but the recording's own file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import shutil
import subprocess
import sys
import threading

import numpy as np

from casedesktop.i18n import N_, _
from casedesktop.recording import portal
from casedesktop.recording.events import RecordingError
from casedesktop.recording.geometry import CaptureArea, resolve_area
from casedesktop.recording.settings import RecordingSettings

log = logging.getLogger(__name__)

FIRST_FRAME_TIMEOUT_S = 10.0
STILL_SCREEN_WAIT_S = 1.0  # no first frame by then: the screen is still (see _picture_of_a_still_screen)
PIPE_BYTES = 1024 * 1024  # Linux's default ceiling for an unprivileged pipe (/proc/sys/fs/pipe-max-size)
GSTREAMER_ADVICE = N_(
    "Install GStreamer's PipeWire plugin and tools (Debian/Ubuntu: gstreamer1.0-pipewire gstreamer1.0-tools; "
    "Fedora: gstreamer1-plugins-base-tools pipewire-gstreamer), then record again."
)


def gstreamer_missing() -> str | None:
    """What is missing to read PipeWire streams, for the user; None when all is there."""
    launch, inspect = shutil.which("gst-launch-1.0"), shutil.which("gst-inspect-1.0")
    if launch is None or inspect is None:
        return _("GStreamer's command-line tools are not installed.")
    found = subprocess.run(
        [inspect, "pipewiresrc"], env=child_environment(), capture_output=True, timeout=10, check=False
    )
    if found.returncode != 0:
        return _("GStreamer's PipeWire plugin (pipewiresrc) is not installed.")
    return None


def child_environment() -> dict[str, str]:
    """The environment for the system's GStreamer: a frozen app's own library path taken out."""
    env = dict(os.environ)
    if getattr(sys, "frozen", False):  # PyInstaller points the loader at the bundle's libraries
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


class PipeWireSource:
    """A FrameSource for Wayland: the portal's monitor stream, cropped to the chosen area."""

    def __init__(self, settings: RecordingSettings, tokens: portal.RestoreTokens | None = None) -> None:
        missing = gstreamer_missing()
        if missing:
            raise RecordingError(f"{missing} {_(GSTREAMER_ADVICE)}")
        self._tokens = tokens if tokens is not None else portal.default_restore_tokens()
        self._cast = portal.start_screencast(self._tokens.load(), cursor=settings.draw_cursor)
        try:
            self._tokens.save(self._cast.restore_token)
            stream = self._cast.streams[0]
            width, height = stream.size
            if width < 2 or height < 2:
                raise RecordingError(_("The desktop shared a screen without saying its size."))
            x, y = stream.position
            monitor = {"left": x, "top": y, "width": width, "height": height}
            # The portal's dialog chose the monitor: the area is that monitor or a region on it.
            self.area: CaptureArea = resolve_area([monitor, monitor], dataclasses.replace(settings, monitor=1))
            r = self.area.rect
            self._rows = slice(r.top - y, r.top - y + r.height)
            self._cols = slice(r.left - x, r.left - x + r.width)
            self._size = (width, height)
            self._position = (x, y)
            self._newest: np.ndarray | None = None
            self._cond = threading.Condition()
            self._ended: str | None = None
            self._process = self._launch(stream.node_id, settings.fps)
            self._reader = threading.Thread(target=self._read, name="casedesktop-pipewire", daemon=True)
            self._reader.start()
        except BaseException:
            self._cast.close()
            raise

    def _launch(self, node_id: int, fps: int) -> subprocess.Popen:
        width, height = self._size
        read_end, write_end = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # Linux: fewer, larger hand-overs per frame
            fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        # Frames come back through a pipe of their own: stdout stays free for GStreamer's messages.
        pipeline = [
            "pipewiresrc", f"fd={self._cast.fd}", f"path={node_id}", "do-timestamp=true", "!",
            f"video/x-raw,max-framerate={fps}/1", "!",  # the compositor sends no more than recorded
            "videoconvert", "!", "videoscale", "!",
            f"video/x-raw,format=BGRx,width={width},height={height}", "!",
            "fdsink", f"fd={write_end}", "sync=false",
        ]
        try:
            process = subprocess.Popen(
                ["gst-launch-1.0", "-q", *pipeline],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                pass_fds=(write_end, self._cast.fd), env=child_environment(),
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb", buffering=0)
        return process

    def _read(self) -> None:
        """Read whole frames off the pipe; keep only the newest."""
        width, height = self._size
        frame_bytes = width * height * 4
        try:
            while True:
                buffer = np.empty(frame_bytes, dtype=np.uint8)  # not zero-filled: every byte is read into
                view, got = memoryview(buffer), 0
                while got < frame_bytes:
                    n = self._pipe.readinto(view[got:])
                    if not n:
                        raise EOFError
                    got += n
                frame = buffer.reshape(height, width, 4)
                with self._cond:
                    self._newest = frame
                    self._cond.notify_all()
        except (EOFError, OSError, ValueError):
            pass
        with self._cond:
            self._ended = self._stderr_tail() or _("the screen stream ended")
            self._cond.notify_all()

    def _stderr_tail(self) -> str:
        with contextlib.suppress(Exception):
            self._process.wait(timeout=2)
            return self._process.stderr.read().decode(errors="replace").strip()[-300:]
        return ""

    def grab(self) -> np.ndarray:
        """A copy of the newest frame, cropped (the caller may draw on it)."""
        with self._cond:
            self._cond.wait_for(lambda: self._newest is not None or self._ended, STILL_SCREEN_WAIT_S)
        if self._newest is None and not self._ended:
            self._picture_of_a_still_screen()
        with self._cond:
            self._cond.wait_for(lambda: self._newest is not None or self._ended, FIRST_FRAME_TIMEOUT_S)
            if self._ended:  # the user stopped sharing, or GStreamer failed
                raise RecordingError(
                    _("The screen stream from the desktop stopped ({error}).").format(error=self._ended)
                )
            if self._newest is None:
                raise RecordingError(
                    _("The desktop shared the screen but sent no picture within {seconds} seconds.").format(
                        seconds=int(FIRST_FRAME_TIMEOUT_S))
                )
            newest = self._newest
        return np.array(newest[self._rows, self._cols])

    def _picture_of_a_still_screen(self) -> None:
        """wlroots' screen copy sends a new stream's first frame only when something on the screen
        changes, so a still screen gives no picture at all: take the first one from the portal's
        Screenshot instead (the stream's frames take over at the first change). If the picture
        does not match the stream (another size, a scaled screen), wait for the stream after all."""
        from casedesktop.recording.screenshot import portal_picture

        try:
            picture = portal_picture()
        except Exception:  # noqa: BLE001 - the stream may still answer: the caller waits on
            log.warning("No first picture from the screenshot portal either", exc_info=True)
            return
        x, y = self._position
        width, height = self._size
        part = picture[y:y + height, x:x + width]
        if part.shape[:2] != (height, width):
            log.warning("The screenshot portal's picture (%s) does not cover the stream", picture.shape)
            return
        with self._cond:
            if self._newest is None:
                self._newest = np.ascontiguousarray(part)
                self._cond.notify_all()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        if self._process.returncode is None:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(OSError):
            self._pipe.close()
        self._cast.close()
