"""The frozen CLI from a fresh profile: version, status, recording, and the bundled server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import pytest

from casedesktop import FROZEN_SERVER_ARG, __version__
from testkit import xpaint
from tests.bundle.conftest import Bundle


def test_version(bundle: Bundle, home: Path) -> None:
    done = bundle.run(["--version"], home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"casedesktop {__version__}"


def test_status_json_on_a_fresh_profile(bundle: Bundle, home: Path) -> None:
    done = bundle.run(["status", "--json"], home)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["waiting"] == 0 and status["user"] is None and status["online"] is False
    # The profile went to the platform's data folder under the fresh HOME, and its cache was
    # created through the bundled migrations (Alembic reads them from disk).
    profile = Path(status["profile"])
    assert home in profile.parents
    assert (profile / "cache.db").is_file()


def test_cases_list_and_refusals_speak_plainly(bundle: Bundle, home: Path) -> None:
    listed = bundle.run(["cases", "list"], home)
    assert listed.returncode == 0 and "No cases" in listed.stdout
    refused = bundle.run(["sync"], home)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "login" in refused.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="the macOS runner grants no Screen Recording permission")
def test_record_two_seconds_decodes(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    painter = None
    if sys.platform.startswith("linux"):  # moving content, so the capture check sees a screen
        painter = subprocess.Popen(xpaint.command("desktop", (0, 0, 1280, 720), 15))
    try:
        out = tmp_path / "bug.mp4"
        done = bundle.run(["record", "--out", str(out), "--seconds", "2"], home)
    finally:
        if painter is not None:
            painter.terminate()
            painter.wait(10)
    assert done.returncode == 0, done.stderr
    with av.open(str(out)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 25


def test_bundled_server_runs_from_the_bundle(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    done = bundle.run([FROZEN_SERVER_ARG, "seed-demo", "--data-dir", str(tmp_path / "srv")], home)
    assert done.returncode == 0, done.stderr
    assert "demo@northwind.example" in done.stdout
    assert (tmp_path / "srv").is_dir()
