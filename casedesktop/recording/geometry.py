"""Where to capture and what size to encode: pure arithmetic, tested without a screen.

yuv420p needs even dimensions, so odd capture sizes lose their last pixel column or row
(cheaper and sharper than rescaling), and wide captures shrink to max_width keeping aspect.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casedesktop.i18n import _, ngettext
from casedesktop.recording.events import RecordingError
from casedesktop.recording.settings import RecordingSettings, Rect

MIN_SIDE = 16


@dataclass(frozen=True)
class CaptureArea:
    """The screen rectangle to grab, and where the user's requested region starts inside it."""

    rect: Rect
    offset_x: int = 0  # requested region's left minus rect.left (>= 0 when clipped)
    offset_y: int = 0


def resolve_area(monitors: Sequence[Mapping[str, Any]], settings: RecordingSettings, *, video: bool = True) -> CaptureArea:
    """Turn a monitor number or a region into a rectangle inside the screen. For a video
    (`video`) the sides are rounded down to even numbers and at least MIN_SIDE long; a still
    picture keeps every pixel asked for."""
    fit = _even if video else (lambda rect: rect)
    smallest = MIN_SIDE if video else 1
    screen = _rect(monitors[0])
    if settings.region is None:
        if settings.monitor >= len(monitors):
            count = len(monitors) - 1
            raise RecordingError(ngettext(
                "Monitor {monitor} does not exist; this computer has {count} monitor(s), so choose 0 (all) or 1 to "
                "{count}.",
                "Monitor {monitor} does not exist; this computer has {count} monitor(s), so choose 0 (all) or 1 to "
                "{count}.", count).format(monitor=settings.monitor, count=count))
        return CaptureArea(fit(_rect(monitors[settings.monitor])))
    region = settings.region
    left, top = max(region.left, screen.left), max(region.top, screen.top)
    right, bottom = min(region.right, screen.right), min(region.bottom, screen.bottom)
    if right <= left or bottom <= top:
        raise RecordingError(
            _("The area {area} lies outside the screen {screen}; choose an area on the screen.").format(
                area=tuple(region), screen=tuple(screen))
        )
    if right - left < smallest or bottom - top < smallest:
        raise RecordingError(
            _("The area {area} is too small to record: on the screen it is {width}x{height} pixels; a recording "
              "needs at least {side} on each side.").format(
                area=tuple(region), width=right - left, height=bottom - top, side=smallest)
        )
    rect = fit(Rect(left, top, right - left, bottom - top))
    return CaptureArea(rect, left - region.left, top - region.top)


def output_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """Scale down to max_width keeping the aspect ratio; both sides even."""
    if width > max_width:
        height = round(height * max_width / width)
        width = max_width
    return max(2, width - width % 2), max(2, height - height % 2)


def blackout_slices(
    blackouts: Sequence[Rect], area: CaptureArea, frame_w: int, frame_h: int
) -> list[tuple[slice, slice]]:
    """Blackout rectangles (region coordinates) as row/column slices of the captured frame.

    The frame may have more pixels than the area has screen units (macOS Retina), so
    rectangles are scaled by that ratio and grown outward to whole pixels: privacy errs on
    the side of hiding a pixel too many.
    """
    sx, sy = frame_w / area.rect.width, frame_h / area.rect.height
    result = []
    for b in blackouts:
        x0 = max(0, math.floor((b.left - area.offset_x) * sx))
        y0 = max(0, math.floor((b.top - area.offset_y) * sy))
        x1 = min(frame_w, math.ceil((b.right - area.offset_x) * sx))
        y1 = min(frame_h, math.ceil((b.bottom - area.offset_y) * sy))
        if x1 > x0 and y1 > y0:
            result.append((slice(y0, y1), slice(x0, x1)))
    return result


def screen_to_region(rects: Sequence[Rect], area: CaptureArea) -> list[Rect]:
    """Screen rectangles in region coordinates, as `blackout_slices` takes them."""
    left, top = area.rect.left - area.offset_x, area.rect.top - area.offset_y  # the region's corner
    return [Rect(r.left - left, r.top - top, r.width, r.height) for r in rects]


def _rect(monitor: Mapping[str, Any]) -> Rect:
    return Rect(monitor["left"], monitor["top"], monitor["width"], monitor["height"])


def _even(rect: Rect) -> Rect:
    return Rect(rect.left, rect.top, rect.width - rect.width % 2, rect.height - rect.height % 2)
