"""Paints moving content on the X root window so recordings have something to encode.

Run as a subprocess (`command()` builds the line): ``python xpaint.py MODE LEFT TOP WIDTH HEIGHT
[FPS [LINES_PER_S]]``, until killed. It uses libX11 through ctypes (the library mss loads anyway),
so neither the tests nor the benchmarks need X client packages. MODE is ``desktop`` (windows of
text that scroll, a moving pointer: a realistic support recording), ``noise`` (random blocks: a
worst case that inflates the bitrate), ``box`` (a sliding box) or ``pattern`` (the record
benchmark's sliding bars, bouncing box and changing line of text).

Run by path, not with -m: it imports only the standard library, so it works from any folder
and with any Python that has ctypes (the bundle smoke test's, too).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

SCRIPT = Path(__file__).resolve()
FULL_HD = (0, 0, 1920, 1080)


def command(
    mode: str, rect: tuple[int, int, int, int] = FULL_HD, fps: float = 30, *extra: object
) -> list[str]:
    """The argv that paints `mode` on `rect` of $DISPLAY (extra: LINES_PER_S for desktop)."""
    return [sys.executable, str(SCRIPT), mode, *map(str, rect), str(fps), *map(str, extra)]


@cache
def _x11() -> ctypes.CDLL:
    """libX11 with the signatures used here; loaded on first use, so importing this module
    for `command()` works where there is no X (Windows, macOS)."""
    x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x.XCreateGC.restype = ctypes.c_void_p
    x.XCreateGC.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_void_p]
    x.XSetForeground.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
    x.XFillRectangle.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_void_p,
        *[ctypes.c_int] * 4,
    ]
    x.XDrawString.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
    ]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return x


@contextmanager
def held_display() -> Iterator[None]:
    """Hold one connection to $DISPLAY open for the block.

    Xvfb started without -noreset resets itself whenever its last client leaves, and a
    connection attempted during the reset fails ("connection lost or could not be
    established"): a painter exiting between two tests made the next test flaky.
    """
    x = _x11()
    display = x.XOpenDisplay(None)
    if not display:
        raise RuntimeError(f"cannot open the X display {os.environ.get('DISPLAY')!r}")
    try:
        yield
    finally:
        x.XCloseDisplay(display)


WORDS = [
    "error",
    "connecting",
    "to",
    "server",
    "retry",
    "settings",
    "account",
    "invoice",
    "export",
    "printer",
    "driver",
    "update",
    "failed",
    "timeout",
    "report",
    "customer",
    "window",
    "button",
    "click",
    "save",
    "open",
    "file",
    "upload",
    "network",
    "proxy",
    "certificate",
    "license",
]


class Painter:
    """Thin wrapper over one Xlib connection drawing on the root window."""

    def __init__(self) -> None:
        self.x = _x11()
        self.dpy = self.x.XOpenDisplay(None)
        if not self.dpy:
            raise SystemExit("xpaint: cannot open the X display")
        self.root = self.x.XDefaultRootWindow(self.dpy)
        self.gc = self.x.XCreateGC(self.dpy, self.root, 0, None)

    def rect(self, color: int, x: int, y: int, w: int, h: int) -> None:
        self.x.XSetForeground(self.dpy, self.gc, color)
        self.x.XFillRectangle(self.dpy, self.root, self.gc, x, y, w, h)

    def text(self, color: int, x: int, y: int, s: str) -> None:
        data = s.encode()
        self.x.XSetForeground(self.dpy, self.gc, color)
        self.x.XDrawString(self.dpy, self.root, self.gc, x, y, data, len(data))

    def flush(self) -> None:
        self.x.XSync(self.dpy, 0)


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))


def desktop(
    p: Painter, left: int, top: int, w: int, h: int, fps: float, lines_per_s: float = 2.0
) -> None:
    """Two text windows (one scrolling like a log), a title clock and a gliding pointer."""
    rng = random.Random(1)
    p.rect(0x3A6EA5, left, top, w, h)
    win = (left + w // 20, top + h // 12, w * 11 // 20, h * 3 // 4)
    side = (left + w * 13 // 20, top + h // 6, w * 3 // 10, h // 2)
    lines: list[str] = [_sentence(rng) for _ in range(200)]
    line_h = 15
    frame = 0
    pointer = (left, top + h - 14)
    every = max(1, round(fps / lines_per_s))
    while True:
        t0 = time.monotonic()
        x, y, ww, wh = win
        p.rect(0x2B2B2B, x, y, ww, 22)
        p.text(
            0xFFFFFF, x + 8, y + 15, f"Support log - {time.strftime('%H:%M:%S')} - frame {frame}"
        )
        if frame % every == 0:  # a new log line now and then: scrolling text
            lines.append(_sentence(rng))
            p.rect(0xFFFFFF, x, y + 22, ww, wh - 22)
            visible = (wh - 30) // line_h
            for i, line in enumerate(lines[-visible:]):
                p.text(
                    0x202020, x + 6, y + 36 + i * line_h, f"{len(lines) - visible + i:5d}  {line}"
                )
        sx, sy, sw, sh = side
        p.rect(0x2B2B2B, sx, sy, sw, 22)
        p.text(0xFFFFFF, sx + 8, sy + 15, "Settings")
        fields = min(12, (sh - 40) // 24)
        if frame == 0:  # a settings form ...
            p.rect(0xF0F0F0, sx, sy + 22, sw, sh - 22)
            for i in range(fields):
                p.text(0x000000, sx + 10, sy + 44 + i * 24, f"{rng.choice(WORDS)}:")
        if frame % round(fps) == 0:  # ... where the user edits one field a second
            i = (frame // round(fps)) % fields
            p.rect(0xFFFFFF, sx + 110, sy + 32 + i * 24, sw - 130, 18)
            text = _sentence(rng)[: max(1, (sw - 140) // 6)]
            p.text(0x000080, sx + 114, sy + 45 + i * 24, text)
        # a pointer gliding along the free strip below the windows
        p.rect(0x3A6EA5, *pointer, 12, 12)
        pointer = (
            left + int((w - 14) * (0.5 + 0.5 * _tri(frame / (fps * 6)))),
            top + int(h * 0.86 + (h * 0.1) * (0.5 + 0.5 * _tri(frame / (fps * 1.7)))),
        )
        p.rect(0xFFCC00, *pointer, 12, 12)
        p.flush()
        frame += 1
        time.sleep(max(0.0, 1 / fps - (time.monotonic() - t0)))


def _tri(x: float) -> float:
    x = x % 1.0
    return 4 * x - 1 if x < 0.5 else 3 - 4 * x


def noise(p: Painter, left: int, top: int, w: int, h: int, fps: float) -> None:
    """Random coloured 8x8 blocks: content no encoder can compress well."""
    rng = random.Random(2)
    while True:
        t0 = time.monotonic()
        for _ in range(1500):
            p.rect(
                rng.getrandbits(24),
                left + rng.randrange(0, w, 8),
                top + rng.randrange(0, h, 8),
                8,
                8,
            )
        p.flush()
        time.sleep(max(0.0, 1 / fps - (time.monotonic() - t0)))


def box(p: Painter, left: int, top: int, w: int, h: int, fps: float) -> None:
    """A white box sliding over a dark background: light, predictable motion."""
    p.rect(0x204060, left, top, w, h)
    frame = 0
    size = max(8, min(w, h) // 4)
    while True:
        t0 = time.monotonic()
        x = left + int((w - size) * (0.5 + 0.5 * _tri(frame / (fps * 2))))
        p.rect(0x204060, left, top + h // 2 - size // 2, w, size)
        p.rect(0xFFFFFF, x, top + h // 2 - size // 2, size, size)
        p.flush()
        frame += 1
        time.sleep(max(0.0, 1 / fps - (time.monotonic() - t0)))


PATTERN_COLOURS = (0xE74C3C, 0xF39C12, 0xF1C40F, 0x2ECC71, 0x1ABC9C, 0x3498DB, 0x9B59B6, 0xECF0F1)
PATTERN_BACKGROUND = 0x2C3E50


def pattern(p: Painter, left: int, top: int, w: int, h: int, fps: float) -> None:
    """The record benchmark's screen: a row of coloured bars sliding sideways, a box bouncing
    from side to side every 4 s, and a line of text with the frame number and the time."""
    p.rect(PATTERN_BACKGROUND, left, top, w, h)
    bar_w, band_y, band_h = 96, top + h // 5, h // 4
    size = max(40, h // 8)
    frame = 0
    while True:
        t0 = time.monotonic()
        shift = (frame * 12) % (bar_w * len(PATTERN_COLOURS))
        for i in range(w // bar_w + 2):  # sliding bars
            colour = PATTERN_COLOURS[i % len(PATTERN_COLOURS)]
            p.rect(colour, left + i * bar_w - shift, band_y, bar_w, band_h)
        period = 4 * fps
        phase = (frame % period) / period
        x = left + int((w - size) * (2 * phase if phase < 0.5 else 2 - 2 * phase))
        y = top + h * 3 // 5
        p.rect(PATTERN_BACKGROUND, left, y, w, size)
        p.rect(0xFFFFFF, x, y, size, size)
        p.rect(PATTERN_BACKGROUND, left, top + h - 60, w, 40)  # a line that changes every frame
        p.text(0xFFFFFF, left + 40, top + h - 35,
               f"frame {frame:7d}  {time.strftime('%H:%M:%S')}  moving pattern")  # fmt: skip
        p.flush()
        frame += 1
        time.sleep(max(0.0, 1 / fps - (time.monotonic() - t0)))


def main(argv: list[str]) -> None:
    mode, left, top, width, height = argv[0], *map(int, argv[1:5])
    fps = float(argv[5]) if len(argv) > 5 else 30.0
    painter = Painter()
    if mode == "desktop":
        lines_per_s = float(argv[6]) if len(argv) > 6 else 2.0
        desktop(painter, left, top, width, height, fps, lines_per_s)
    else:
        paint = {"noise": noise, "box": box, "pattern": pattern}[mode]
        paint(painter, left, top, width, height, fps)


if __name__ == "__main__":
    main(sys.argv[1:])
