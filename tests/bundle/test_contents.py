"""What the bundle carries and what it leaves out; on Linux, the .deb beside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casedesktop import APP_ID, __version__
from tests.bundle.conftest import Bundle

SIZE_LIMIT = 250e6  # bytes, unpacked


def files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def test_size_and_licences(bundle: Bundle) -> None:
    size = sum(p.stat().st_size for p in files(bundle.root))
    if sys.platform.startswith("linux"):  # the Linux bundle is stripped and leaves out libx265
        assert size <= SIZE_LIMIT, f"the bundle is {size / 1e6:.0f} MB unpacked"
    names = {p.name for p in files(bundle.root)}
    assert {"LICENSE", "THIRD_PARTY_NOTICES.txt"} <= names
    licence = next(p for p in files(bundle.root) if p.name == "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3" in licence
    notices = next(p for p in files(bundle.root) if p.name == "THIRD_PARTY_NOTICES.txt").read_text(encoding="utf-8")
    for name in ("PySide6", "av ", "numpy", "SQLAlchemy", "FFmpeg", "LGPL-3.0"):
        assert name in notices


def test_leaves_out_what_the_client_never_loads(bundle: Bundle) -> None:
    paths = [p.relative_to(bundle.root).as_posix() for p in files(bundle.root)]
    for unwanted in ("psycopg", "Qt6Quick", "Qt6Qml", "Qt6Pdf", "Qt6VirtualKeyboard", "Qt6Multimedia", "keyrings/alt"):
        assert not [p for p in paths if unwanted in p], unwanted
    # What Alembic reads from disk is there as source.
    assert any(p.endswith("store/migrations/env.py") for p in paths)
    assert any(p.endswith(f"resources/{APP_ID}.svg") for p in paths)
    # The interface icons (casedesktop/ui/icons.py) and their licence.
    assert any(p.endswith("resources/icons/paperclip.svg") for p in paths)
    assert any(p.endswith("resources/icons/LICENSE") for p in paths)
    assert "Tabler Icons" in next(p for p in files(bundle.root) if p.name == "THIRD_PARTY_NOTICES.txt").read_text(
        encoding="utf-8")


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "dist" / "SHA256SUMS").exists(),
                    reason="no dist/SHA256SUMS (built with --bundle-only)")
def test_checksums_match_the_artifacts() -> None:
    import hashlib

    dist = Path(__file__).resolve().parents[2] / "dist"
    lines = (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert lines, "SHA256SUMS lists nothing"
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def _deb() -> Path | None:
    dist = Path(__file__).resolve().parents[2] / "dist"
    found = sorted(dist.glob(f"casedesktop_{__version__}_*.deb"))
    return found[-1] if found else None


@pytest.mark.skipif(not sys.platform.startswith("linux") or _deb() is None, reason="the .deb is built on Linux")
def test_deb_installs_the_app_and_its_desktop_integration() -> None:
    deb = _deb()
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in ("./opt/casedesktop/casedesktop", "./usr/bin/casedesktop -> /opt/casedesktop/casedesktop",
                 f"./usr/share/applications/{APP_ID}.desktop", f"./usr/share/metainfo/{APP_ID}.metainfo.xml",
                 f"./usr/share/icons/hicolor/256x256/apps/{APP_ID}.png",
                 f"./usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg", "./usr/share/doc/casedesktop/copyright"):
        assert path in listing, path
    control = subprocess.run(["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True).stdout
    assert f"Version: {__version__}" in control and "libxcb-cursor0" in control and "libc6 (>= 2.35)" in control


@pytest.mark.skipif(shutil.which("lintian") is None or _deb() is None, reason="lintian and a built .deb")
def test_lintian_reports_no_errors() -> None:
    done = subprocess.run(["lintian", "--fail-on", "error", "--tag-display-limit", "0", str(_deb())],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith("E:")]
