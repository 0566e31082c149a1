"""Screenshots on a real Wayland desktop: the portal's Screenshot interface, cut to the area asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np

from testkit.wayland import WaylandSession

BAR_RED = 200  # the moving pattern's bar is (250, 200, 40) on (20, 20, 60)


def screenshot(session: WaylandSession, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casedesktop", "screenshot", "--out", str(out), "--json", *args],
                          env=session.environ(), capture_output=True, text=True, timeout=60, check=False)


def pixels(path: Path) -> np.ndarray:
    with av.open(str(path)) as picture:
        return next(picture.decode(video=0)).to_ndarray(format="rgb24")


def test_screenshot_cli_on_wayland_takes_the_screen(wayland_session: WaylandSession, tmp_path: Path) -> None:
    done = screenshot(wayland_session, tmp_path / "shot.png")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["width"], summary["height"]) == (1920, 1080)
    image = pixels(tmp_path / "shot.png")
    assert image.shape == (1080, 1920, 3)
    middle = image[540, :, 0]
    assert (middle > BAR_RED).sum() >= 20  # the bar, 160 pixels wide, may be cut at the right edge
    assert (image[..., 2] > 50).mean() > 0.5  # the pattern's dark blue, not black


def test_a_region_is_cut_from_the_portals_picture(wayland_session: WaylandSession, tmp_path: Path) -> None:
    done = screenshot(wayland_session, tmp_path / "part.png", "--region", "100,50,640,360")
    assert done.returncode == 0, done.stderr
    assert pixels(tmp_path / "part.png").shape == (360, 640, 3)
    refused = screenshot(wayland_session, tmp_path / "off.png", "--region", "4000,4000,100,100")
    assert refused.returncode == 2 and "outside the screen" in refused.stderr
    assert not (tmp_path / "off.png").exists()
