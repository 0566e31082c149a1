"""A pointer in the video where mss leaves it out.

mss merges the real cursor image only on Linux (`mss.MSS(with_cursor=True)`, through XFixes).
On Windows and macOS we ask the OS where the pointer is and paint a plain arrow there: a
support video without a pointer hides what the user clicked.
"""

from __future__ import annotations

import ctypes
import sys

import numpy as np

# X: black outline, o: white fill, anything else: transparent.
_ARROW = (
    "X",
    "XX",
    "XoX",
    "XooX",
    "XoooX",
    "XooooX",
    "XoooooX",
    "XooooooX",
    "XoooooooX",
    "XooooooooX",
    "XoooooXXXXX",
    "XooXooX",
    "XoX XooX",
    "XX  XooX",
    "X    XooX",
    "     XooX",
    "      XX",
)
_W = max(len(row) for row in _ARROW)
_OUTLINE = np.array([[c == "X" for c in row.ljust(_W)] for row in _ARROW])
_FILL = np.array([[c == "o" for c in row.ljust(_W)] for row in _ARROW])


def mss_draws_cursor() -> bool:
    """True where mss can include the real cursor itself."""
    return sys.platform.startswith("linux")


def draw_arrow(frame: np.ndarray, x: int, y: int, scale: int = 1) -> None:
    """Paint the arrow with its tip at (x, y) into a BGRA frame, clipped to the frame."""
    outline, fill = _OUTLINE, _FILL
    if scale > 1:
        outline = outline.repeat(scale, 0).repeat(scale, 1)
        fill = fill.repeat(scale, 0).repeat(scale, 1)
    h, w = frame.shape[:2]
    ah, aw = outline.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + aw, w), min(y + ah, h)
    if x0 >= x1 or y0 >= y1:
        return
    target = frame[y0:y1, x0:x1, :3]
    mask_rows = slice(y0 - y, y1 - y)
    mask_cols = slice(x0 - x, x1 - x)
    target[outline[mask_rows, mask_cols]] = 0
    target[fill[mask_rows, mask_cols]] = 255


def cursor_position() -> tuple[float, float] | None:
    """The pointer in screen coordinates (points on macOS), or None where unknown."""
    try:
        if sys.platform == "win32":
            return _windows_position()
        if sys.platform == "darwin":
            return _mac_position()
    except (OSError, AttributeError):
        return None
    return None


class _Point(ctypes.Structure):
    _fields_ = [("x", ctypes.c_long), ("y", ctypes.c_long)]


class _CGPoint(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


def _windows_position() -> tuple[float, float] | None:
    point = _Point()
    if not ctypes.windll.user32.GetCursorPos(ctypes.byref(point)):  # type: ignore[attr-defined]
        return None
    return float(point.x), float(point.y)


_quartz = None


def _mac_position() -> tuple[float, float] | None:
    global _quartz
    if _quartz is None:
        _quartz = ctypes.CDLL(
            "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices"
        )
        _quartz.CGEventCreate.restype = ctypes.c_void_p
        _quartz.CGEventCreate.argtypes = [ctypes.c_void_p]
        _quartz.CGEventGetLocation.restype = _CGPoint
        _quartz.CGEventGetLocation.argtypes = [ctypes.c_void_p]
        _quartz.CFRelease.argtypes = [ctypes.c_void_p]
    event = _quartz.CGEventCreate(None)
    if not event:
        return None
    try:
        point = _quartz.CGEventGetLocation(event)
    finally:
        _quartz.CFRelease(event)
    return point.x, point.y


class CursorOverlay:
    """Paints the pointer into frames of one capture area (screen units -> frame pixels)."""

    def __init__(self, left: int, top: int, width: int, height: int) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height

    def draw(self, frame: np.ndarray) -> None:
        pos = cursor_position()
        if pos is None:
            return
        sx = frame.shape[1] / self.width
        sy = frame.shape[0] / self.height
        x = round((pos[0] - self.left) * sx)
        y = round((pos[1] - self.top) * sy)
        draw_arrow(frame, x, y, scale=max(1, round(sx)))
