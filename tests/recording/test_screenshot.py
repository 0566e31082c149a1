"""Screenshots on the Xvfb screen: a painted pattern comes back pixel for pixel, the PNG holds
nothing but pixels, a wrong area or monitor is refused in words, and a Wayland session takes its
picture through the portal (replaced here by a PNG written for the test)."""

from __future__ import annotations

import struct
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from casedesktop.recording import RecordingError, Rect, portal
from casedesktop.recording import screenshot as screenshot_module
from casedesktop.recording.screenshot import grab, save_bgra_png, write_png
from testkit import xpaint

AREA = Rect(100, 200, 160, 120)
# Quadrants of AREA, clockwise from the top left, as 0xRRGGBB.
QUADRANTS = (0xE74C3C, 0x2ECC71, 0x3498DB, 0xF1C40F)


def bgr(colour: int) -> list[int]:
    return [colour & 0xFF, (colour >> 8) & 0xFF, colour >> 16]


@pytest.fixture
def pattern() -> Iterator[Rect]:
    """Four coloured quadrants painted on the root window at AREA (they stay: nothing covers them)."""
    painter = xpaint.Painter()
    half_w, half_h = AREA.width // 2, AREA.height // 2
    corners = [(0, 0), (half_w, 0), (half_w, half_h), (0, half_h)]
    for colour, (dx, dy) in zip(QUADRANTS, corners, strict=True):
        painter.rect(colour, AREA.left + dx, AREA.top + dy, half_w, half_h)
    painter.flush()
    yield AREA
    painter.x.XCloseDisplay(painter.dpy)


def png_chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks


def decode_rgb(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_a_region_comes_back_pixel_for_pixel_in_a_png_with_only_pixels(pattern: Rect, tmp_path: Path) -> None:
    image = grab(region=pattern)
    assert image.shape == (pattern.height, pattern.width, 4) and image.dtype == np.uint8
    h, w = pattern.height // 2, pattern.width // 2
    for colour, (y, x) in zip(QUADRANTS, [(0, 0), (0, w), (h, w), (h, 0)], strict=True):
        quadrant = image[y:y + h, x:x + w]
        assert (quadrant[..., :3] == bgr(colour)).all(), (hex(colour), quadrant[0, 0])
    out = tmp_path / "shot.png"
    save_bgra_png(image, out)
    assert png_chunks(out) == [b"IHDR", b"IDAT", b"IEND"]  # no text, time or colour profile
    assert (decode_rgb(out) == image[..., 2::-1]).all()
    assert [p.name for p in tmp_path.iterdir()] == ["shot.png"]  # the temporary file was renamed


def test_a_region_reaching_past_the_screen_is_clipped_to_it(pattern: Rect) -> None:
    image = grab(region=Rect(1920 - 100, 1080 - 60, 400, 400))
    assert image.shape == (60, 100, 4)


def test_monitor_one_is_the_whole_virtual_screen(pattern: Rect) -> None:
    image = grab(monitor=1)
    assert image.shape == (1080, 1920, 4)
    top, left = pattern.top, pattern.left
    assert list(image[top + 2, left + 2, :3]) == bgr(QUADRANTS[0])  # where the pattern is on the screen


def test_an_area_off_the_screen_is_refused_in_words(pattern: Rect) -> None:
    with pytest.raises(RecordingError, match=r"lies outside the screen \(0, 0, 1920, 1080\)"):
        grab(region=Rect(5000, 5000, 100, 100))
    with pytest.raises(ValueError, match="must have a positive width and height"):
        grab(region=Rect(0, 0, 0, 100))


def test_an_odd_sized_area_keeps_every_pixel(pattern: Rect) -> None:
    image = grab(region=Rect(10, 10, 101, 51))
    assert image.shape == (51, 101, 4)


def test_a_monitor_that_is_not_there_is_refused_in_words(pattern: Rect) -> None:
    with pytest.raises(RecordingError, match=r"Monitor 3 does not exist; this computer has 1 monitor\(s\)"):
        grab(monitor=3)
    with pytest.raises(ValueError, match="monitor must be 0"):
        grab(monitor=-1)


def test_a_black_screen_is_a_picture_too() -> None:
    """Black is what the screen shows there: the user sees the picture before attaching it."""
    painter = xpaint.Painter()
    painter.rect(0x000000, 1600, 0, 64, 64)
    painter.flush()
    assert not grab(region=Rect(1600, 0, 64, 64))[..., :3].any()
    painter.x.XCloseDisplay(painter.dpy)


def test_without_a_display_the_reason_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    with pytest.raises(RecordingError, match=r"No graphical display was found \(DISPLAY is not set\)"):
        grab()


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "shot.png"
    target.write_bytes(b"the previous picture")

    def half_then_crash(_data: bytes, _size: tuple[int, int], *, output: str) -> None:
        Path(output).write_bytes(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(screenshot_module.mss.tools, "to_png", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        write_png(bytes(4 * 4 * 3), 4, 4, target)
    assert target.read_bytes() == b"the previous picture"  # never half a PNG
    assert [p.name for p in tmp_path.iterdir()] == ["shot.png"]
    with pytest.raises(ValueError, match="expected 4x4 RGB pixels"):
        write_png(bytes(10), 4, 4, target)


# --- Wayland without X: the portal's picture ---------------------------------------------------


@pytest.fixture
def wayland(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """A Wayland session (XWayland's DISPLAY stays: it would show only X11 programs) whose portal
    hands over `portal.png`, a 400x300 gradient (each pixel says where it is); `.path` is that
    file, `.calls` the portal's calls."""
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setattr(sys, "platform", "linux")
    ys, xs = np.mgrid[0:300, 0:400]
    rgb = np.stack([xs % 256, ys % 256, (xs // 256) * 100 + 50], axis=-1).astype(np.uint8)
    picture = tmp_path / "portal.png"
    write_png(rgb.tobytes(), 400, 300, picture)
    calls: list[float] = []

    def screenshot(timeout: float = 30.0) -> Path:
        calls.append(timeout)
        return picture

    monkeypatch.setattr(portal, "screenshot", screenshot)
    return types.SimpleNamespace(path=picture, calls=calls)


def test_on_wayland_the_portal_takes_the_picture_and_the_region_is_cut_from_it(wayland: types.SimpleNamespace) -> None:
    image = grab(region=Rect(10, 20, 100, 50))
    assert image.shape == (50, 100, 4)
    assert list(image[0, 0, :3]) == [50, 20, 10]  # blue, green, red of the pixel at (10, 20)
    assert list(image[49, 99, :3]) == [50, 69, 109]
    assert grab(monitor=1).shape == (300, 400, 4)
    assert grab(monitor=0).shape == (300, 400, 4)
    assert wayland.path.exists()  # the portal's file: read, never deleted
    assert len(wayland.calls) == 3


def test_on_wayland_a_wrong_area_or_a_refusal_says_why(wayland: types.SimpleNamespace,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RecordingError, match="lies outside the screen"):
        grab(region=Rect(1000, 1000, 100, 100))
    with pytest.raises(RecordingError, match="Monitor 2 does not exist"):
        grab(monitor=2)
    def refuse(timeout: float = 30.0) -> Path:
        raise RecordingError("The screenshot was cancelled.")

    monkeypatch.setattr(portal, "screenshot", refuse)
    with pytest.raises(RecordingError, match="cancelled"):
        grab()
