"""The frozen window on a real X display: it appears, and the demo shows its cases."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import mss
import mss.tools
import pytest

from tests.bundle.conftest import Bundle

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"),
                                reason="screenshots of an X display (Linux under Xvfb)")


def screenshot(path: Path) -> int:
    """The whole screen into `path`; returns how many distinct colours it holds."""
    with mss.MSS() as screen:
        shot = screen.grab(screen.monitors[0])
        mss.tools.to_png(shot.rgb, shot.size, output=str(path))
        return len(set(shot.pixels[y][x] for y in range(0, shot.height, 4) for x in range(0, shot.width, 4)))


def wait_for(condition, timeout: float, what: str):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_window_appears_on_a_fresh_profile(bundle: Bundle, home: Path, shots: Path) -> None:
    blank = screenshot(shots / "before.png")
    process = subprocess.Popen([str(bundle.app)], env=bundle.env(home), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        # A fresh profile asks to sign in: the dialog is the first thing painted.
        colours = wait_for(lambda: process.poll() is None and screenshot(shots / "window.png") > blank + 20
                           and screenshot(shots / "window.png"), 60, "the sign-in window painted")
        assert process.poll() is None, "the app exited"
        assert colours > 20
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def test_demo_shows_its_cases_and_stops_its_server(bundle: Bundle, home: Path, tmp_path: Path, shots: Path) -> None:
    folder = tmp_path / "demo"
    process = subprocess.Popen([str(bundle.app), "--profile", str(folder), "demo"], env=bundle.env(home),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cache = folder / "client" / "cache.db"

    def cases() -> int:
        if not cache.exists():
            return 0
        with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5) as db:
            try:
                return db.execute("SELECT count(*) FROM cases").fetchone()[0]
            except sqlite3.DatabaseError:
                return 0

    try:
        # The demo customer's account holds 8 of the 10 sample cases.
        count = wait_for(lambda: process.poll() is None and cases() >= 8 and cases(), 90, "the demo's cases synced")
        time.sleep(2)  # the list repaints with them
        assert screenshot(shots / "demo.png") > 50
        assert count >= 8
        assert processes_mentioning(str(folder / "server")), "the bundled demo server is running"
    finally:
        output = stop(process)
    assert "Traceback" not in output, output
    wait_for(lambda: not processes_mentioning(str(folder / "server")), 15, "the demo server stopped with the app")
