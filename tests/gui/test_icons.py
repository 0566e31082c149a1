"""Icons: each name has a bundled SVG that Qt draws; the desktop's theme is used only when it has
them all; bundled icons take the palette's colours; and no ui/ module leans on a glyph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QImage, QPalette
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from casedesktop.ui import icons, theme

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "casedesktop" / "ui"
ICON_DIR = ROOT / "casedesktop" / "resources" / "icons"
# Glyphs that fonts may lack (a box on stock Debian fonts) or that stand in for an icon.
GLYPHS = "📎●■←→✓✗⚠▶❚"


@pytest.fixture
def no_icon_theme(qapp: QApplication) -> Iterator[None]:
    name, paths = QIcon.themeName(), QIcon.themeSearchPaths()
    QIcon.setThemeName("")
    yield
    QIcon.setThemeSearchPaths(paths)
    QIcon.setThemeName(name)


def _drawn(image: QImage) -> list[tuple[int, int, int]]:
    """The colours of the pixels the icon covers (alpha above half)."""
    return [(c.red(), c.green(), c.blue()) for y in range(image.height()) for x in range(image.width())
            if (c := image.pixelColor(x, y)).alpha() > 128]


def test_every_icon_has_a_bundled_svg_that_draws(no_icon_theme: None) -> None:
    assert not icons.theme_has_all()
    for name in icons.ICONS:
        path = icons.svg_path(name)
        assert path.is_file(), name
        assert QSvgRenderer(str(path)).isValid(), name
        assert not icons.from_theme(name)
        for side in (16, 24, 48):
            image = icons.icon(name).pixmap(QSize(side, side)).toImage()
            assert (image.width(), image.height()) == (side, side)
            assert len(_drawn(image)) >= side, f"{name} at {side} px draws (almost) nothing"


def test_only_the_icons_used_are_shipped_with_their_licence() -> None:
    shipped = {p.stem for p in ICON_DIR.glob("*.svg")}
    assert shipped == set(icons.ICONS.values())
    licence = (ICON_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Paweł Kuna" in licence
    assert licence == (ROOT / "packaging" / "licenses" / "Tabler-Icons-MIT.txt").read_text(encoding="utf-8")


def test_bundled_icons_take_the_palettes_colours(qapp: QApplication, no_icon_theme: None) -> None:
    before = QPalette(qapp.palette())

    def brightness(name: str, mode: QIcon.Mode = QIcon.Mode.Normal) -> float:
        pixels = _drawn(icons.icon(name).pixmap(QSize(32, 32), mode).toImage())
        return sum(sum(p) for p in pixels) / (3 * 255 * len(pixels))

    try:
        light = brightness("view-refresh")
        qapp.setPalette(theme.dark_palette())
        dark = brightness("view-refresh")
        assert light < 0.3 < 0.7 < dark  # dark strokes on light, light strokes on dark
        disabled = _drawn(icons.icon("view-refresh").pixmap(QSize(32, 32), QIcon.Mode.Disabled).toImage())
        assert disabled and dark > sum(sum(p) for p in disabled) / (3 * 255 * len(disabled))
        red = _drawn(icons.icon("dialog-error").pixmap(QSize(32, 32)).toImage())
        assert all(r > g and r > b for r, g, b in red)  # drawn in the theme's error colour
    finally:
        qapp.setPalette(before)


def _icon_theme(root: Path, theme_name: str, names: list[str]) -> None:
    folder = root / theme_name / "scalable"
    folder.mkdir(parents=True)
    (root / theme_name / "index.theme").write_text(
        f"[Icon Theme]\nName={theme_name}\nDirectories=scalable\n\n[scalable]\nSize=48\nType=Scalable\n"
        "MinSize=8\nMaxSize=512\n", encoding="utf-8")
    for icon_name in names:
        (folder / f"{icon_name}.svg").write_bytes(icons.svg_path(icon_name).read_bytes())


def test_a_theme_is_used_only_when_it_has_them_all(qapp: QApplication, tmp_path: Path) -> None:
    name, paths = QIcon.themeName(), QIcon.themeSearchPaths()
    _icon_theme(tmp_path, "complete", list(icons.ICONS))
    _icon_theme(tmp_path, "partial", [n for n in icons.ICONS if n != "mail-send"])
    try:
        QIcon.setThemeSearchPaths([str(tmp_path)])
        QIcon.setThemeName("complete")
        assert icons.theme_has_all() and icons.from_theme("mail-send")
        assert icons.icon("mail-send").name() == "mail-send"
        QIcon.setThemeName("partial")  # one missing: every icon is bundled, never a mix of styles
        assert not icons.theme_has_all() and not icons.from_theme("view-refresh")
        assert icons.icon("view-refresh").name() == "view-refresh"  # the bundled engine's name
    finally:
        QIcon.setThemeSearchPaths(paths)
        QIcon.setThemeName(name)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(KeyError):
        icons.icon("face-smile-big")


def test_no_ui_module_uses_a_glyph_as_an_icon() -> None:
    found = [f"{path.relative_to(UI)}:{number}: {line.strip()}"
             for path in sorted(UI.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(glyph in line for glyph in GLYPHS)]
    assert not found, "use casedesktop.ui.icons (or a word) instead:\n" + "\n".join(found)
