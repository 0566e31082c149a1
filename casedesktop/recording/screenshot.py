"""One still picture of the screen, written as a PNG that carries nothing but pixels.

The area follows the recorder's rules (`geometry.resolve_area`: a monitor by mss number, or a
region clipped to the screen; unlike a video's, its sides keep every pixel), so `casedesktop screenshot`
and `casedesktop record` take the same `--monitor` and `--region` and refuse the same mistakes
with the same words. mss grabs on X11, Windows and macOS. A Wayland session shows programs no
pixels (XWayland's X display only the windows of X11 programs), so there the desktop portal takes
the picture of the whole screen (`portal.screenshot`) and the part asked for is cut out of it.

The PNG has only IHDR, IDAT and IEND chunks (mss writes no text, time or colour-profile chunk),
so a screenshot attached to a case tells nothing about the machine beyond what it shows. It is
written to a temporary file beside the target and renamed, so a crash never leaves half a PNG.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import mss
import mss.tools
import numpy as np
from mss.exception import ScreenShotError

from casedesktop.i18n import _
from casedesktop.recording import portal
from casedesktop.recording.events import RecordingError
from casedesktop.recording.geometry import CaptureArea, resolve_area
from casedesktop.recording.platform_check import check_capture_available
from casedesktop.recording.settings import RecordingSettings, Rect


def write_png(rgb: bytes, width: int, height: int, path: Path) -> None:
    """Write packed RGB bytes (width*height*3) as a PNG with no metadata chunks, atomically."""
    if width <= 0 or height <= 0 or len(rgb) != width * height * 3:
        raise ValueError(f"expected {width}x{height} RGB pixels ({width * height * 3} bytes), got {len(rgb)} bytes")
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        mss.tools.to_png(rgb, (width, height), output=temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_bgra_png(image: np.ndarray, path: Path) -> None:
    """Write a BGRA image (height x width x 4, as `grab` returns it) with `write_png`."""
    height, width = image.shape[:2]
    write_png(np.ascontiguousarray(image[..., 2::-1]).tobytes(), width, height, path)


def grab(monitor: int = 1, region: Rect | None = None) -> np.ndarray:
    """The screen as BGRA pixels (height x width x 4; the alpha byte means nothing, X11 leaves
    it 0): monitor 0 is all of them, 1.. one; a region (screen pixels) overrides the monitor.

    Raises RecordingError with a sentence for the user when the screen cannot be captured or the
    area is not on it, ValueError for a monitor below 0 or a region without width or height. A
    black screen comes back black (the user sees the picture before attaching it); what blocks
    capture is explained by `check_capture_available` (no display, an X server that refuses,
    macOS's Screen Recording permission, which it asks for). Slow (a portal may ask the user):
    call it off the GUI thread.
    """
    settings = RecordingSettings(monitor=monitor, region=region)  # checks both, in the recorder's words
    if portal.session_is_wayland():  # as platform_check tells it
        return _grab_from_portal(settings)
    if sys.platform == "darwin":  # without the permission macOS hands over the wallpaper, not an error
        _explain_blocked_capture()
    try:
        with mss.MSS() as screen:
            rect = resolve_area(screen.monitors, settings, video=False).rect
            shot = screen.grab({"left": rect.left, "top": rect.top, "width": rect.width, "height": rect.height})
    except ScreenShotError as exc:
        _explain_blocked_capture()
        raise RecordingError(_("The screen could not be captured ({error}).").format(error=exc)) from exc
    # mss hands over a fresh bytearray per grab, so the array can own it without a copy.
    return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)


def _explain_blocked_capture() -> None:
    """Raise the platform check's reason and advice if it finds capture blocked."""
    availability = check_capture_available()
    if not availability.ok:
        raise RecordingError(availability.message)


def portal_picture() -> np.ndarray:
    """The portal's picture of the whole screen as BGRA pixels. Its file is the portal's (it may
    be in the user's Pictures folder): read, never deleted."""
    import av

    with av.open(str(portal.screenshot())) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgra")


def _grab_from_portal(settings: RecordingSettings) -> np.ndarray:
    """The portal's picture of the whole screen, cut to the area asked for."""
    whole = portal_picture()
    height, width = whole.shape[:2]
    screen = {"left": 0, "top": 0, "width": width, "height": height}
    area: CaptureArea = resolve_area([screen, screen], settings, video=False)  # one picture: monitor 0 and 1 alike
    r = area.rect
    return np.ascontiguousarray(whole[r.top:r.bottom, r.left:r.right])
