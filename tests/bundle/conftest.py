"""The built bundle, started as a user's machine would: a clean environment and a fresh HOME.

These tests run only when CASEDESKTOP_BUNDLE names a built bundle (`./dev test-bundle` after
`./dev package`; the release workflow on each OS): building takes minutes, so `./dev test` does not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

BUNDLE_ENV = "CASEDESKTOP_BUNDLE"
SHOTS_ENV = "CASEDESKTOP_BUNDLE_SHOTS"  # where screenshots go (default: the test's tmp folder)

if not os.environ.get(BUNDLE_ENV):
    collect_ignore_glob = ["test_*.py"]


@dataclass
class Bundle:
    root: Path

    @property
    def app(self) -> Path:
        """The executable that opens the window."""
        if sys.platform == "darwin":
            return self.root / "Contents" / "MacOS" / "casedesktop"
        return self.root / ("casedesktop.exe" if sys.platform == "win32" else "casedesktop")

    @property
    def cli(self) -> Path:
        """The executable for the verbs (Windows: the console twin)."""
        return self.root / "casedesktop-cli.exe" if sys.platform == "win32" else self.app

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """Nothing of the test's environment but the display: `env -i` with a fresh HOME."""
        env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        if sys.platform == "win32":
            keep = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "COMSPEC", "PATHEXT")
            env = {k: os.environ[k] for k in keep if k in os.environ}
            env.update(USERPROFILE=str(home), APPDATA=str(home / "AppData" / "Roaming"),
                       LOCALAPPDATA=str(home / "AppData" / "Local"), PATH=os.environ.get("SYSTEMROOT", "") + r"\System32")
        for name in ("DISPLAY", "XAUTHORITY"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        env.update(extra)
        return env

    def run(self, args: Sequence[str], home: Path, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.cli), *args], env=self.env(home, **extra), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    root = Path(os.environ[BUNDLE_ENV]).resolve()
    assert root.is_dir(), f"{BUNDLE_ENV}={root} is not a built bundle folder"
    return Bundle(root)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SHOTS_ENV) or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
