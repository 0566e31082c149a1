"""Fixtures for recording tests: moving content on the Xvfb screen, a second wide screen.

pytest-xvfb starts the display (1920x1080x24 from pyproject's xvfb_* settings); content is
painted by xpaint.py through libX11 and ctypes, so no X client packages are needed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

XPAINT = Path(__file__).with_name("xpaint.py")


@pytest.fixture(scope="package", autouse=True)
def keep_display_alive() -> Iterator[None]:
    """Hold one X connection open while these tests run.

    Xvfb (started without -noreset) resets itself whenever its last client leaves, and a
    connection attempted during the reset fails ("connection lost or could not be
    established"): a painter exiting between two tests made the next test flaky.
    """
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    assert display, f"cannot open the X display {os.environ.get('DISPLAY')!r}"
    yield
    x11.XCloseDisplay(display)


@pytest.fixture
def paint() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start xpaint.py on the current display; every painter is killed after the test."""
    procs: list[subprocess.Popen] = []

    def start(
        mode: str = "desktop", rect: tuple[int, int, int, int] = (0, 0, 1920, 1080), fps: int = 30
    ) -> subprocess.Popen:
        args = [sys.executable, str(XPAINT), mode, *map(str, rect), str(fps)]
        proc = subprocess.Popen(args, env=dict(os.environ))
        procs.append(proc)
        time.sleep(0.3)  # first paint on screen
        assert proc.poll() is None, "xpaint.py could not draw on the display"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture
def wide_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A second Xvfb, 2560x1440, for captures wider than max_width; DISPLAY points at it."""
    from pyvirtualdisplay import Display

    display = Display(size=(2560, 1440), color_depth=24, manage_global_env=False)
    display.start()
    try:
        monkeypatch.setenv("DISPLAY", display.new_display_var)
        yield display.new_display_var
    finally:
        display.stop()
