"""Screenshots of the real window and dialogs under Xvfb, for people to look at.

Saved to $CASEDESKTOP_SCREENSHOTS or build/screenshots/ of the checkout (conftest.py's
`screenshot`). Each must show something: a grab that came out blank (one colour) fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from casedesktop.domain import Action
from casedesktop.ui.dialogs.failed_changes import FailedChangesDialog
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.dialogs.reason import ReasonDialog
from casedesktop.ui.dialogs.sign_in import SignInDialog
from casedesktop.ui.dialogs.survey import SurveyDialog
from casedesktop.ui.mainwindow.window import MainWindow
from tests.support import seed_cases


@pytest.fixture
def window(db, offline_window, bank_feed_case) -> MainWindow:  # noqa: ANN001
    seed_cases(db, 40)
    case_id = bank_feed_case(1040)
    main = offline_window(size=(1360, 820))
    main.select_case(case_id)
    return main


def test_screenshots_of_the_window_and_its_dialogs(qtbot, window: MainWindow, screenshot, screenshots_dir: Path) -> None:
    saved = [screenshot(window, "main-window")]
    for index, name in enumerate(("details", "conversation", "attachments", "activity")):
        window.detail.tabs.setCurrentIndex(index)
        saved.append(screenshot(window, f"detail-{name}"))

    dialog = NewCaseDialog(window.session, parent=window)
    dialog.show()
    qtbot.waitExposed(dialog)
    saved.append(screenshot(dialog, "new-case-empty"))
    qtbot.keyClicks(dialog.subject, "x" * 260)  # past the limit: the form says what it cut
    dialog.cc.setText("sam@northwind")
    dialog.create()  # the errors beside their fields
    saved.append(screenshot(dialog, "new-case-errors"))
    dialog.subject.setText("Bank feed stopped importing transactions since Monday")
    dialog.description.setPlainText("The bank connection page says Connected, but nothing arrives.")
    dialog.cc.setText("sam@northwind.example")
    for name, size in (("bank-feed.har", 180_000), ("Kontoauszug März.pdf", 52_000), ("screen recording.mp4", 2_400_000)):
        (screenshots_dir.parent / name).write_bytes(b"\0" * size)
        dialog.attachments.add_paths([screenshots_dir.parent / name])
    assert len(dialog.attachments.files()) == 3 and dialog.create_button.isEnabled()
    saved.append(screenshot(dialog, "new-case-attachments"))
    dialog.drafts.delete("new-case")
    dialog.created_case_id = "not-saved"  # leave no draft behind in the screenshot profile
    dialog.close()

    for widget, name in (
        (SignInDialog(window.session.db, window.__dict__.get("tokens"), "https://support.example.com", "dana@northwind.example"), "sign-in"),
        (ReasonDialog(Action.REOPEN, required=True, parent=window), "reopen-reason"),
        (SurveyDialog(window), "accept-survey"),
        (FailedChangesDialog(window.session.db, window), "refused-changes"),
    ):
        widget.show()
        qtbot.waitExposed(widget)
        saved.append(screenshot(widget, name))
        widget.close()
    assert len(saved) == 12 and all(p.stat().st_size > 2000 for p in saved)


def test_dark_palette_screenshot(qtbot, window: MainWindow, screenshot) -> None:
    """The window follows the system palette; a dark one must leave every text readable."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    original = app.palette()
    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.WindowText, "#e8eaed"),
                         (QPalette.ColorRole.Base, "#171717"), (QPalette.ColorRole.AlternateBase, "#262626"),
                         (QPalette.ColorRole.Text, "#e8eaed"), (QPalette.ColorRole.Button, "#303134"),
                         (QPalette.ColorRole.ButtonText, "#e8eaed"), (QPalette.ColorRole.Highlight, "#2d7ff9"),
                         (QPalette.ColorRole.PlaceholderText, "#9aa0a6")):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        window.detail.tabs.setCurrentIndex(1)
        qtbot.wait(100)
        path = screenshot(window, "main-window-dark")
        image = QImage(str(path))
        corner = window.table.viewport().mapTo(window, window.table.viewport().rect().bottomRight())
        assert QColor(image.pixel(corner.x() - 5, corner.y() - 5)).lightness() < 128  # the list is dark too
    finally:
        app.setPalette(original)


SCALED = """
import sys, uuid
from pathlib import Path
from PySide6.QtWidgets import QApplication
from casedesktop.domain import Role
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.session import ProfileSession
from tests.support import seed_cases
app = QApplication([])
db = open_cache(Path(sys.argv[1]))
seed_cases(db, 30)
window = MainWindow(ProfileSession.offline(db, Identity("http://x", str(uuid.uuid4()), "d@e.example", "Dana", Role.CUSTOMER)))
window.resize(1200, 760)
window.show()
app.processEvents()
print(window.devicePixelRatioF())
window.grab().save(sys.argv[2])
"""


def test_200_percent_scaling_screenshot(tmp_path: Path, screenshots_dir: Path) -> None:
    import subprocess
    import sys

    screenshots_dir.mkdir(parents=True, exist_ok=True)
    target = screenshots_dir / "main-window-200.png"
    env = {**os.environ, "QT_SCALE_FACTOR": "2"}
    done = subprocess.run([sys.executable, "-c", SCALED, str(tmp_path), str(target)], env=env, capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) == 2.0
    image = QImage(str(target))
    assert image.width() >= 2400  # drawn at twice the pixels, not blown up afterwards
