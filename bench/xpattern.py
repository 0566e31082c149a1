"""A moving pattern on the X root window, for the record benchmark (`python -m bench.xpattern`).

Draws with libX11 through ctypes (the library mss loads anyway), 30 times a second until killed:
a row of coloured bars sliding sideways, a box bouncing across the screen, and a line of text
with the frame number and the time. Both recorders (ours and ffmpeg) capture the same display
while it runs; its own CPU is not counted for either.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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
_X.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]

COLOURS = (0xE74C3C, 0xF39C12, 0xF1C40F, 0x2ECC71, 0x1ABC9C, 0x3498DB, 0x9B59B6, 0xECF0F1)
BACKGROUND = 0x2C3E50


def main(argv: list[str]) -> int:
    width, height = (int(v) for v in argv[:2]) if len(argv) >= 2 else (1920, 1080)
    fps = float(argv[2]) if len(argv) > 2 else 30.0
    display = _X.XOpenDisplay(None)
    if not display:
        print("xpattern: cannot open the X display", file=sys.stderr)
        return 1
    root = _X.XDefaultRootWindow(display)
    gc = _X.XCreateGC(display, root, 0, None)

    def rect(colour: int, x: int, y: int, w: int, h: int) -> None:
        _X.XSetForeground(display, gc, colour)
        _X.XFillRectangle(display, root, gc, x, y, w, h)

    rect(BACKGROUND, 0, 0, width, height)
    bar_w, band_y, band_h = 96, height // 5, height // 4
    box = max(40, height // 8)
    frame = 0
    while True:
        t0 = time.monotonic()
        shift = (frame * 12) % (bar_w * len(COLOURS))
        for i in range(width // bar_w + 2):  # sliding bars
            rect(COLOURS[i % len(COLOURS)], i * bar_w - shift, band_y, bar_w, band_h)
        period = 4 * fps  # a box bouncing from side to side every 4 s
        phase = (frame % period) / period
        x = int((width - box) * (2 * phase if phase < 0.5 else 2 - 2 * phase))
        y = height * 3 // 5
        rect(BACKGROUND, 0, y, width, box)
        rect(0xFFFFFF, x, y, box, box)
        rect(BACKGROUND, 0, height - 60, width, 40)  # a text line that changes every frame
        text = f"frame {frame:7d}  {time.strftime('%H:%M:%S')}  moving pattern".encode()
        _X.XSetForeground(display, gc, 0xFFFFFF)
        _X.XDrawString(display, root, gc, 40, height - 35, text, len(text))
        _X.XSync(display, 0)
        frame += 1
        time.sleep(max(0.0, 1 / fps - (time.monotonic() - t0)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
