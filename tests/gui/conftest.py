"""Fixtures for GUI tests (tests/conftest.py marks every test here `gui`).

Helpers that several GUI test modules use live here as fixtures: test modules do not import
each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from casedesktop.app import open_profile
from casedesktop.sync.sign_in import sign_in
from casedesktop.ui.main import Session
from tests.support import CUSTOMER, ServerProcess

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def no_window_outlives_its_test(qtbot):  # noqa: ANN001
    """Delete every top-level widget a test leaves behind. pytest-qt closes only the widgets whose
    Python wrapper is still alive; a window whose wrapper went first would live on into the next
    tests and react to what they do (a palette change rebuilding its conversation)."""
    yield
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "casedesktop-palette-watcher":  # the app's own, never shown
            continue
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, 52)  # QEvent.DeferredDelete: now, not in the next test


@pytest.fixture
def start_session(qtbot, server_process: ServerProcess, profile_dir: Path) -> Callable[[], Session]:  # noqa: ANN001
    """Call to open the window on `profile_dir`, signed in as the demo customer on
    `server_process`, once its first sync is done (a call, so a test can set up first)."""

    def start() -> Session:
        profile = open_profile(profile_dir)
        sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
        session = Session(profile, sync_interval=60)
        qtbot.addWidget(session.window)
        session.start()
        qtbot.waitUntil(
            lambda: (
                session.window.model.rowCount() > 0
                and session.window.sync_indicator.status is not None
                and session.window.sync_indicator.status.online
                and not session.window.sync_indicator.status.syncing
            ),
            timeout=15_000,
        )
        return session

    return start


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """$CASEDESKTOP_SCREENSHOTS or build/screenshots/ of the checkout: for people to look at."""
    return Path(
        os.environ.get("CASEDESKTOP_SCREENSHOTS", HERE.parents[1] / "build" / "screenshots")
    )


@pytest.fixture
def screenshot(screenshots_dir: Path) -> Callable[[QWidget, str], Path]:
    """Call with a widget and a name: saves NAME.png of the widget's grab and fails the test if
    the grab came out blank (one colour)."""

    def save(widget: QWidget, name: str) -> Path:
        screenshots_dir.mkdir(parents=True, exist_ok=True)
        path = screenshots_dir / f"{name}.png"
        assert widget.grab().save(str(path)), path
        image = QImage(str(path)).scaled(64, 64)
        colours = {image.pixel(x, y) for x in range(64) for y in range(64)}
        assert len(colours) > 8, f"{name}: the grab looks blank"
        return path

    return save
