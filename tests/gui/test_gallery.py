"""The screenshot gallery still runs: one combination (a small screen, dark, German) on its own
display with a window manager, every state saved, none blank, no window partly off the screen."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from tests.gallery import run_combination

STATES = {"conversation", "details", "resolved-accept-reject", "close-requested", "no-attachments", "not-sent-yet",
          "no-match", "new-case-errors", "request-close", "settings", "sign-in", "minimum-size"}


def test_the_gallery_shows_every_state_on_a_small_dark_german_screen(tmp_path: Path) -> None:
    assert sys.platform.startswith("linux")
    folder = run_combination(tmp_path, "1366x768", "dark", "de")
    assert {p.stem for p in folder.glob("*.png")} >= STATES
    for path in folder.glob("*.png"):
        image = QImage(str(path))
        assert image.size().toTuple() == (1366, 768), path.name
        small = image.scaled(48, 27)
        colours = {small.pixel(x, y) for x in range(48) for y in range(27)}
        assert len(colours) > 20, f"{path.name} looks blank"
        middle = QColor(image.pixel(400, 600))  # inside the case list, below its rows: the dark base
        assert middle.lightness() < 110, f"{path.name}: the list is not dark ({middle.name()})"
