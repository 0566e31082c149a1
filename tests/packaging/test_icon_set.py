"""The bundled icons travel with their licence: in the wheel's package data, in the PyInstaller
bundle's collected files, and in THIRD_PARTY_NOTICES.txt."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ICON_DIR = ROOT / "casedesktop" / "resources" / "icons"
sys.path.insert(0, str(ROOT / "packaging"))

import notices  # noqa: E402


def test_notices_carry_the_icon_sets_licence(tmp_path: Path) -> None:
    section = notices.artwork_section(ROOT / "packaging" / "licenses")
    assert "Tabler Icons" in section and "MIT" in section
    assert (ICON_DIR / "LICENSE").read_text(encoding="utf-8").strip() in section
    for _name, _licence, _source, text, _use in notices.ARTWORK:
        assert (ROOT / "packaging" / "licenses" / text).is_file()


def test_the_bundle_and_the_wheel_collect_the_icons() -> None:
    from PyInstaller.utils.hooks import collect_data_files

    spec = (ROOT / "packaging" / "casedesktop.spec").read_text(encoding="utf-8")
    assert '"resources/*"' in spec  # a folder that matches takes all its files, icons/ included
    collected = collect_data_files("casedesktop", includes=["resources/*"])
    destinations = {(Path(source).name, target.replace("\\", "/")) for source, target in collected}
    for svg in [*ICON_DIR.glob("*.svg"), ICON_DIR / "LICENSE"]:
        assert (svg.name, "casedesktop/resources/icons") in destinations, svg.name
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "resources/icons/*" in package_data["casedesktop"]
