"""A recording process killed without warning still leaves a file players can open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casedesktop.recording.probe import describe_recording

from .helpers import decode, ffprobe_frames

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from casedesktop.recording import record_to_file
record_to_file(Path(sys.argv[1]), seconds=60, fps=15, region="0,0,640,480")
"""


@pytest.mark.parametrize("name", ["killed.mp4", "killed.mkv"])
def test_sigkill_mid_recording_leaves_a_playable_file(tmp_path: Path, paint, name: str) -> None:
    paint("desktop", (0, 0, 640, 480))
    out = tmp_path / name
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out)],
        cwd=ROOT,
        env=dict(os.environ),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first.startswith("Recording 640x480"), first
        time.sleep(2.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    decoded = decode(out)
    assert (decoded.width, decoded.height) == (640, 480)
    assert len(decoded.frames) >= 10, "more than a second of video should have survived"
    assert ffprobe_frames(out)[2] == len(decoded.frames)
    # what the window offers again at the next start (a leftover recording)
    found = describe_recording(out)
    assert found is not None and found.frames_encoded == len(decoded.frames)
