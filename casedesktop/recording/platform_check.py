"""Can this machine record its screen? Ask before recording, never record black silently.

mss cannot capture under Wayland (only XWayland windows, the rest is black), so a Wayland
session records through the desktop portal instead (`portal.py`, `pipewire.py`). mss needs a
display on Linux, and on macOS returns black or wallpaper-only images until
the user grants the Screen Recording permission. A test grab catches what the environment
variables cannot tell.

On macOS the permission is checked with CGPreflightScreenCaptureAccess and, when it is missing,
requested once with CGRequestScreenCaptureAccess: only a request puts CaseDesktop into System
Settings > Privacy & Security > Screen Recording, where the user can switch it on. The two
CoreGraphics calls are the only platform boundary (`_cg_preflight`, `_cg_request`); tests
replace them.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from dataclasses import dataclass

import numpy as np

from casedesktop.i18n import N_, _
from casedesktop.recording import portal
from casedesktop.recording.events import RecordingError

_PORTAL_ADVICE = N_(
    "Install xdg-desktop-portal and your desktop's back end for it (GNOME: xdg-desktop-portal-gnome, "
    "KDE Plasma: xdg-desktop-portal-kde, sway and other wlroots desktops: xdg-desktop-portal-wlr), "
    "log out and in again, then record again."
)
_MAC_ADVICE = N_(
    "CaseDesktop is now listed in System Settings > Privacy & Security > Screen Recording: "
    "switch it on there, then quit and reopen CaseDesktop."
)
# When no request was made (permission state unknown), the app may not be listed yet.
_MAC_BLACK_ADVICE = N_(
    "Open System Settings > Privacy & Security > Screen Recording, switch on CaseDesktop "
    "(add it with + if it is not listed), then quit and reopen it."
)
_CORE_GRAPHICS = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"

_request_lock = threading.Lock()
_access_requested = False  # CGRequestScreenCaptureAccess already called in this process


@dataclass(frozen=True)
class CaptureAvailability:
    """`ok` False means recording would fail or be black; reason and advice are for the user."""

    ok: bool
    reason: str
    advice: str = ""

    @property
    def message(self) -> str:
        return f"{self.reason} {self.advice}".strip()


def check_capture_available() -> CaptureAvailability:
    """Check the session type (on macOS the permission, asking for it once), then test-grab.

    A Wayland session is checked without a grab: the portal would ask the user to share the
    screen just for the check. What can be known without asking is: the portal is there, and
    GStreamer can read its stream.
    """
    linux = sys.platform.startswith("linux")
    if linux and portal.session_is_wayland():
        return _wayland_availability()
    if linux and not os.environ.get("DISPLAY"):
        return CaptureAvailability(
            False,
            _("No graphical display was found (DISPLAY is not set)."),
            _("Start CaseDesktop from a desktop session to record the screen."),
        )
    if sys.platform == "darwin" and _mac_permission() is False:
        return CaptureAvailability(
            False, _("macOS has not given CaseDesktop permission to record the screen."), _(_MAC_ADVICE)
        )
    try:
        image = _test_grab()
    except Exception as exc:
        return CaptureAvailability(
            False,
            _("A test screen capture failed ({error}).").format(error=exc),
            _("Check that the display is available and not locked, then try again."),
        )
    if not np.any(image[..., :3]):
        return _black_result()
    return CaptureAvailability(True, _("Screen capture works."))


def _wayland_availability() -> CaptureAvailability:
    from casedesktop.recording.pipewire import GSTREAMER_ADVICE, gstreamer_missing

    try:
        connection = portal.Portal(timeout=5)
    except RecordingError as exc:
        return CaptureAvailability(False, str(exc), _("Start CaseDesktop from your desktop session."))
    try:
        version = connection.version(portal.SCREENCAST)
    finally:
        connection.close()
    if version == 0:
        return CaptureAvailability(
            False,
            _("This Wayland desktop offers no screen-sharing portal."),
            _(_PORTAL_ADVICE),
        )
    missing = gstreamer_missing()
    if missing:
        return CaptureAvailability(False, missing, _(GSTREAMER_ADVICE))
    return CaptureAvailability(
        True, _("Screen capture works through the desktop's screen-sharing portal, which asks once which screen to share.")
    )


def _black_result() -> CaptureAvailability:
    if sys.platform == "darwin":
        return CaptureAvailability(
            False,
            _("A test capture was entirely black: macOS is probably blocking screen recording."),
            _(_MAC_BLACK_ADVICE),
        )
    return CaptureAvailability(
        False,
        _("A test capture was entirely black, so a recording would be black too."),
        _("Unlock or wake the screen; if it really shows only black, there is nothing to record."),
    )


def _test_grab() -> np.ndarray:
    import mss

    with mss.MSS() as sct:
        monitors = sct.monitors
        shot = sct.grab(monitors[1] if len(monitors) > 1 else monitors[0])
        return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)


def _mac_permission() -> bool | None:
    """True if CaseDesktop may record the screen, False if not, None if macOS cannot tell.

    When the preflight says no, ask with CGRequestScreenCaptureAccess, once per process. Asking
    is what adds CaseDesktop to the Screen Recording list in System Settings; macOS shows its
    prompt only the first time an app asks and afterwards answers silently, so a later request
    costs nothing and a marker file remembering "already asked" would add nothing. It would
    also go stale when the user resets the permission (tccutil) or removes the app from the
    list, and then nothing would list the app again; a request per process does. Not once per
    check: a permission switched on takes effect only after CaseDesktop is reopened, so asking
    again in the same process cannot change the answer.
    """
    global _access_requested
    granted = _cg_preflight()
    if granted is not False:
        return granted  # allowed, or unknown (no CoreGraphics call): the test grab decides
    with _request_lock:
        if _access_requested:
            return False
        _access_requested = True
    return _cg_request() is True


def _cg_preflight() -> bool | None:
    """CGPreflightScreenCaptureAccess (macOS 10.15+): never prompts; None if unavailable."""
    return _cg_call("CGPreflightScreenCaptureAccess")


def _cg_request() -> bool | None:
    """CGRequestScreenCaptureAccess (macOS 10.15+): lists the app, prompts the first time."""
    return _cg_call("CGRequestScreenCaptureAccess")


def _cg_call(name: str) -> bool | None:
    """Call a CoreGraphics function that takes nothing and returns a bool; None if missing."""
    try:
        function = getattr(ctypes.CDLL(_CORE_GRAPHICS), name)
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_bool
    function.argtypes = []
    return bool(function())
