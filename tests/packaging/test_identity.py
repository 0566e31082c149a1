"""The app's identity on every desktop: one id, a valid desktop entry and AppStream metainfo, an
icon rendered from its SVG into every format the installers need, and the licence notices."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from casedesktop import APP_ID, __version__

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "casedesktop" / "resources"
sys.path.insert(0, str(ROOT / "packaging"))

import bundle_contents  # noqa: E402
import icons  # noqa: E402
import notices  # noqa: E402


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is missing: ./dev installs it (Debian packages desktop-file-utils, appstream)")
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_desktop_entry_is_valid_and_names_the_app_id() -> None:
    entry = RESOURCES / f"{APP_ID}.desktop"
    done = _run("desktop-file-validate", str(entry))
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    text = entry.read_text(encoding="utf-8")
    assert f"Icon={APP_ID}\n" in text and "Exec=casedesktop" in text


def test_appstream_metainfo_is_valid_and_matches_the_package() -> None:
    metainfo = RESOURCES / f"{APP_ID}.metainfo.xml"
    done = _run("appstreamcli", "validate", "--no-net", str(metainfo))
    assert done.returncode == 0, done.stdout + done.stderr
    tree = ET.parse(metainfo).getroot()
    assert tree.findtext("id") == APP_ID
    assert tree.find("launchable").text == f"{APP_ID}.desktop"
    assert tree.find("releases/release").get("version") == __version__, "add this version to <releases>"


def test_icon_renders_to_png_ico_and_icns(tmp_path: Path, qapp) -> None:  # noqa: ANN001 - pytest-qt's app
    from PySide6.QtGui import QImage, QImageReader

    icons.render_icons(RESOURCES / f"{APP_ID}.svg", tmp_path, APP_ID)
    for size in icons.PNG_SIZES:
        image = QImage(str(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0  # transparent corner
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # the drawing itself
    ico = QImageReader(str(tmp_path / f"{APP_ID}.ico"))
    assert ico.imageCount() == len(icons.ICO_SIZES)
    sizes = []
    for _ in range(ico.imageCount()):
        sizes.append(ico.read().width())
        ico.jumpToNextImage()
    assert sorted(sizes) == sorted(icons.ICO_SIZES)
    icns = QImage(str(tmp_path / f"{APP_ID}.icns"))
    assert not icns.isNull() and icns.width() >= 16
    data = (tmp_path / f"{APP_ID}.icns").read_bytes()
    assert data[:4] == b"icns" and int.from_bytes(data[4:8], "big") == len(data)


def test_notices_list_every_bundled_distribution_with_its_licence(tmp_path: Path) -> None:
    target = notices.write_notices(tmp_path / "NOTICES.txt", ROOT / "packaging" / "licenses")
    text = target.read_text(encoding="utf-8")
    from packaging.utils import canonicalize_name

    names = {canonicalize_name(d.metadata["Name"]) for d in notices.bundled_distributions()}
    assert {"pyside6-essentials", "av", "numpy", "sqlalchemy", "requests", "keyring", "fastapi"} <= names
    assert not {"psycopg", "pytest", "casedesktop", "keyrings-alt"} & names
    for name in ("av", "requests", "numpy"):
        assert f"\n- {name} " in text.lower()
    assert text.count("\n--- ") >= 30  # the licence files themselves
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "FFmpeg" in text
    # Texts only: no compiled copies of licence files, no path of the machine that built it.
    assert "__pycache__" not in text and "site-packages" not in text and str(ROOT) not in text
    assert "\x00" not in text


def test_bundle_keeps_what_the_client_loads_and_drops_the_rest() -> None:
    keep = bundle_contents.keep
    assert keep("PySide6/Qt/lib/libQt6Widgets.so.6") and keep("av.libs/libxcb-5ddf6756.so.1.1.0")
    assert keep("PySide6/Qt/translations/qtbase_de.qm") and not keep("PySide6/Qt/translations/qtbase_ja.qm")
    assert keep("casedesktop/locale/de/LC_MESSAGES/casedesktop.mo")
    assert all(keep(f"babel/locale-data/{name}.dat") for name in ("root", "en", "en_150", "de", "de_AT", "fr_CA"))
    assert not keep("babel/locale-data/ja.dat") and keep("babel/global.dat")
    for dropped in ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
                    "PySide6/Qt/lib/libQt6Quick.so.6", "psycopg_binary/_psycopg.so", "libfontconfig.so.1"):
        assert not keep(dropped), dropped


def test_select_prunes_libraries_only_dropped_files_needed() -> None:
    needs = {
        "/x/libqgtk3.so": {"libgtk.so", "libcairo.so", "libglib.so"},
        "/x/libQt6Core.so": {"libglib.so"},
        "/x/libcairo.so": set(), "/x/libglib.so": set(), "/x/libsecret.so": set(),
    }
    entries = [("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/x/libqgtk3.so", "BINARY"),
               ("PySide6/Qt/lib/libQt6Core.so", "/x/libQt6Core.so", "BINARY"),
               ("libcairo.so", "/x/libcairo.so", "BINARY"), ("libglib.so", "/x/libglib.so", "BINARY"),
               ("libsecret.so", "/x/libsecret.so", "BINARY")]  # loaded by name (ctypes): a root
    kept = {entry[0] for entry in bundle_contents.select(entries, lambda source: needs[source])}
    assert kept == {"PySide6/Qt/lib/libQt6Core.so", "libglib.so", "libsecret.so"}
