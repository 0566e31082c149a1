"""Can this machine record its screen? Ask before recording, never record black silently.

mss cannot capture under Wayland (only XWayland windows, the rest is black; python-mss issue
155), needs a display on Linux, and on macOS returns black or wallpaper-only images until
the user grants the Screen Recording permission. A test grab catches what the environment
variables cannot tell.
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass

import numpy as np

_X11_ADVICE = (
    'Log out and choose an "Xorg" or "X11" session on the login screen, then record again.'
)
_MAC_ADVICE = (
    "Open System Settings > Privacy & Security > Screen Recording, allow CaseDesktop, "
    "then quit and reopen it."
)


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
    """Check the session type and take one test grab of the first monitor."""
    linux = sys.platform.startswith("linux")
    wayland = linux and (
        os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
        or bool(os.environ.get("WAYLAND_DISPLAY"))
    )
    if linux and not os.environ.get("DISPLAY"):
        if wayland:
            return CaptureAvailability(
                False, "This Wayland session gives programs no access to the screen.", _X11_ADVICE
            )
        return CaptureAvailability(
            False,
            "No graphical display was found (DISPLAY is not set).",
            "Start CaseDesktop from a desktop session to record the screen.",
        )
    if sys.platform == "darwin" and _mac_permission() is False:
        return CaptureAvailability(
            False, "macOS has not given CaseDesktop permission to record the screen.", _MAC_ADVICE
        )
    try:
        image = _test_grab()
    except Exception as exc:
        if wayland:
            return CaptureAvailability(
                False, f"Screen capture does not work in this Wayland session ({exc}).", _X11_ADVICE
            )
        return CaptureAvailability(
            False,
            f"A test screen capture failed ({exc}).",
            "Check that the display is available and not locked, then try again.",
        )
    if not np.any(image[..., :3]):
        return _black_result(wayland)
    if wayland:
        return CaptureAvailability(
            True,
            "In this Wayland session only windows of X11 programs can be recorded; "
            "others will appear black.",
            'For a complete recording, log in with an "Xorg" or "X11" session.',
        )
    return CaptureAvailability(True, "Screen capture works.")


def _black_result(wayland: bool) -> CaptureAvailability:
    if sys.platform == "darwin":
        return CaptureAvailability(
            False,
            "A test capture was entirely black: macOS is probably blocking screen recording.",
            _MAC_ADVICE,
        )
    if wayland:
        return CaptureAvailability(
            False,
            "A test capture was entirely black: Wayland hides the screen from programs.",
            _X11_ADVICE,
        )
    return CaptureAvailability(
        False,
        "A test capture was entirely black, so a recording would be black too.",
        "Unlock or wake the screen; if it really shows only black, there is nothing to record.",
    )


def _test_grab() -> np.ndarray:
    import mss

    with mss.MSS() as sct:
        monitors = sct.monitors
        shot = sct.grab(monitors[1] if len(monitors) > 1 else monitors[0])
        return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)


def _mac_permission() -> bool | None:
    """CGPreflightScreenCaptureAccess (macOS 10.15+) without prompting; None if unknown."""
    try:
        cg = ctypes.CDLL("/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics")
        preflight = cg.CGPreflightScreenCaptureAccess
    except (OSError, AttributeError):
        return None
    preflight.restype = ctypes.c_bool
    preflight.argtypes = []
    return bool(preflight())
