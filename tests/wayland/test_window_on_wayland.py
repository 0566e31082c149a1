"""The window as a native Wayland client (QT_QPA_PLATFORM=wayland) on a real compositor: the demo
signs in, syncs its cases and paints them, and SIGTERM ends it cleanly."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from testkit.wayland import WaylandSession, missing_parts


@pytest.fixture
def desktop(wayland_session: WaylandSession) -> Iterator[WaylandSession]:  # noqa: ARG001 - fails or skips as it does
    """A session of its own: the shared one has a full-screen pattern over everything."""
    assert not missing_parts()
    with WaylandSession() as session:
        yield session


def windows(session: WaylandSession) -> list[dict]:
    tree = json.loads(subprocess.run(["swaymsg", "-t", "get_tree", "-r"], env=session.environ(),
                                     capture_output=True, text=True, check=True).stdout)
    found, nodes = [], [tree]
    while nodes:
        node = nodes.pop()
        if node.get("pid"):
            found.append(node)
        nodes += node.get("nodes", []) + node.get("floating_nodes", [])
    return found


def colours_on_screen(session: WaylandSession, path: Path) -> int:
    """Take a screenshot the way the compositor sees it (grim); count its distinct colours."""
    subprocess.run(["grim", str(path)], env=session.environ(), check=True, timeout=30)
    with av.open(str(path)) as picture:
        image = next(picture.decode(video=0)).to_ndarray(format="rgb24")[::4, ::4]
    return len({tuple(pixel) for pixel in image.reshape(-1, 3)})


def test_the_window_runs_natively_on_wayland(desktop: WaylandSession, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "casedesktop", "--profile", str(folder), "demo"],
        env=desktop.environ(QT_QPA_PLATFORM="wayland", HOME=str(tmp_path), PYTHON_KEYRING_BACKEND=
                            "keyrings.alt.file.PlaintextKeyring"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    cache = folder / "client" / "cache.db"

    def cases() -> int:
        try:
            with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5) as db:
                return db.execute("SELECT count(*) FROM cases").fetchone()[0]
        except sqlite3.Error:
            return 0

    try:
        deadline = time.monotonic() + 90
        while not (cases() >= 8 and any(w.get("name", "").startswith("CaseDesktop") for w in windows(desktop))):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the demo window with its cases within 90 s"
            time.sleep(0.5)
        time.sleep(2)  # the list repaints with the synced cases
        window = next(w for w in windows(desktop) if w.get("name", "").startswith("CaseDesktop"))
        assert window["shell"] == "xdg_shell"  # a Wayland client, not X11 through XWayland
        assert window["rect"]["width"] >= 800 and window["rect"]["height"] >= 500
        shot = Path(os.environ.get("CASEDESKTOP_SHOTS", tmp_path)) / "wayland-window.png"
        assert colours_on_screen(desktop, shot) > 50
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
