"""Fixtures for recording tests: moving content on the Xvfb screen, a second wide screen.

pytest-xvfb starts the display (1920x1080x24 from pyproject's xvfb_* settings); content is
painted by testkit/xpaint.py through libX11 and ctypes, so no X client packages are needed.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

from testkit import xpaint


@pytest.fixture(scope="package", autouse=True)
def keep_display_alive() -> Iterator[None]:
    """Hold one X connection open while these tests run (see xpaint.held_display: Xvfb resets
    when its last client leaves, and a painter exiting between two tests made the next flaky)."""
    with xpaint.held_display():
        yield


@pytest.fixture
def paint() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start testkit/xpaint.py on the current display; every painter is killed after the test."""
    procs: list[subprocess.Popen] = []

    def start(
        mode: str = "desktop", rect: tuple[int, int, int, int] = (0, 0, 1920, 1080), fps: int = 30
    ) -> subprocess.Popen:
        proc = subprocess.Popen(xpaint.command(mode, rect, fps), env=dict(os.environ))
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
