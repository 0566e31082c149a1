"""Paints moving content on the X root window so recordings have something to encode.

Run as a subprocess: ``python xpaint.py MODE LEFT TOP WIDTH HEIGHT [FPS [LINES_PER_S]]``. It uses libX11
through ctypes, so the tests need no X client packages beyond the library mss already loads.
MODE is ``desktop`` (windows of text that scroll, a moving pointer: a realistic support
recording), ``noise`` (random blocks: a worst case that inflates the bitrate) or ``box``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import random
import sys
import time

_X = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
_X.XOpenDisplay.restype = ctypes.c_void_p
_X.XOpenDisplay.argtypes = [ctypes.c_char_p]
_X.XDefaultRootWindow.restype = ctypes.c_ulong
_X.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
_X.XCreateGC.restype = ctypes.c_void_p
_X.XCreateGC.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_void_p]
_X.XSetForeground.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong]
_X.XFillRectangle.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p] + [ctypes.c_int] * 4
_X.XDrawString.argtypes = [
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.c_int,
]
_X.XFlush.argtypes = [ctypes.c_void_p]
_X.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]

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
        self.dpy = _X.XOpenDisplay(None)
        if not self.dpy:
            raise SystemExit("xpaint: cannot open the X display")
        self.root = _X.XDefaultRootWindow(self.dpy)
        self.gc = _X.XCreateGC(self.dpy, self.root, 0, None)

    def rect(self, color: int, x: int, y: int, w: int, h: int) -> None:
        _X.XSetForeground(self.dpy, self.gc, color)
        _X.XFillRectangle(self.dpy, self.root, self.gc, x, y, w, h)

    def text(self, color: int, x: int, y: int, s: str) -> None:
        data = s.encode()
        _X.XSetForeground(self.dpy, self.gc, color)
        _X.XDrawString(self.dpy, self.root, self.gc, x, y, data, len(data))

    def flush(self) -> None:
        _X.XSync(self.dpy, 0)


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


def main(argv: list[str]) -> None:
    mode, left, top, width, height = argv[0], *map(int, argv[1:5])
    fps = float(argv[5]) if len(argv) > 5 else 30.0
    painter = Painter()
    if mode == "desktop":
        lines_per_s = float(argv[6]) if len(argv) > 6 else 2.0
        desktop(painter, left, top, width, height, fps, lines_per_s)
    else:
        {"noise": noise, "box": box}[mode](painter, left, top, width, height, fps)


if __name__ == "__main__":
    main(sys.argv[1:])
