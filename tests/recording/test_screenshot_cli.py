"""`casedesktop screenshot` as a script runs it, on the Xvfb screen: the PNG shows what the screen
shows, the summary goes to stderr (or JSON to stdout), mistakes exit 2 with one line saying why,
and no profile is needed or made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from testkit import xpaint

LEFT, RIGHT = 0xC0392B, 0x2980B9  # the painted area's halves, 0xRRGGBB
AREA = (300, 400, 120, 80)


@pytest.fixture(autouse=True)
def two_halves() -> Iterator[None]:
    """AREA painted on the root window: its left half red, its right half blue."""
    painter = xpaint.Painter()
    left, top, width, height = AREA
    painter.rect(LEFT, left, top, width // 2, height)
    painter.rect(RIGHT, left + width // 2, top, width // 2, height)
    painter.flush()
    yield
    painter.x.XCloseDisplay(painter.dpy)


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASEDESKTOP_HOME": str(tmp_path / "home"), "LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "casedesktop", "screenshot", *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def rgb(colour: int) -> list[int]:
    return [colour >> 16, (colour >> 8) & 0xFF, colour & 0xFF]


def decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_a_region_as_json_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "area.png"
    done = run(tmp_path, "--out", str(out), "--region", ",".join(map(str, AREA)), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == {"path": str(out), "width": 120, "height": 80, "bytes": out.stat().st_size}
    picture = decode(out)
    assert picture.shape == (80, 120, 3)
    assert (picture[:, :60] == rgb(LEFT)).all() and (picture[:, 60:] == rgb(RIGHT)).all()
    assert not (tmp_path / "home").exists()  # no profile needed, none made


def test_a_monitor_with_a_summary_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "screen.png"
    done = run(tmp_path, "--out", str(out), "--monitor", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"Saved {out}: 1920x1080, ")
    picture = decode(out)
    assert picture.shape == (1080, 1920, 3)
    left, top, width, _height = AREA
    assert list(picture[top + 5, left + 5]) == rgb(LEFT)
    assert list(picture[top + 5, left + width - 5]) == rgb(RIGHT)


@pytest.mark.parametrize(("args", "reason"), [
    (["--region", "1,2,3"], "Expected a rectangle as X,Y,W,H (four integers), got '1,2,3'."),
    (["--region", "10,10,0,50"], "The region (10, 10, 0, 50) must have a positive width and height."),
    (["--region", "5000,5000,100,100"], "lies outside the screen (0, 0, 1920, 1080)"),
    (["--monitor", "4"], "Monitor 4 does not exist; this computer has 1 monitor(s)"),
])
def test_bad_input_exits_2_with_one_line_saying_why(tmp_path: Path, args: list[str], reason: str) -> None:
    out = tmp_path / "shot.png"
    done = run(tmp_path, "--out", str(out), *args)
    assert done.returncode == 2
    assert done.stderr.startswith("casedesktop: cannot take a screenshot: ") and reason in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no file, not even half of one


def test_a_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "shot.png"
    done = run(tmp_path, "--out", str(out), "--region", ",".join(map(str, AREA)))
    assert done.returncode == 2
    assert done.stderr == (f"casedesktop: cannot take a screenshot: {out} cannot be written: "
                           "No such file or directory.\n")
