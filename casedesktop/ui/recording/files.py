"""Where recordings wait between stopping and being attached: one naming rule for writing them
and for finding the ones left over. Kept free of the recording libraries, so start-up stays light."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

RECORDINGS_DIR = "recordings"
_PREFIX, _SUFFIX = "recording-", ".mp4"


def new_recording_path(recordings_dir: Path) -> Path:
    return recordings_dir / f"{_PREFIX}{datetime.now():%Y%m%d-%H%M%S}{_SUFFIX}"


def leftover_recordings(recordings_dir: Path) -> list[Path]:
    """Recordings never attached nor discarded (a crash, or a preview closed): offer them again."""
    return sorted(recordings_dir.glob(f"{_PREFIX}*{_SUFFIX}")) if recordings_dir.is_dir() else []
