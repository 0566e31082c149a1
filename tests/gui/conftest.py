"""Fixtures for GUI tests (tests/conftest.py marks every test here `gui`).

Helpers that several GUI test modules use live here as fixtures: test modules do not import
each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from casedesktop.app import open_profile
from casedesktop.domain import Role
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, CaseRow, CommentRow
from casedesktop.sync.sign_in import sign_in
from casedesktop.ui.main import Session
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.session import ProfileSession
from tests.support import AGENT, CUSTOMER, ServerProcess

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
def start_session(qtbot, server_process: ServerProcess, profile_dir: Path) -> Callable[..., Session]:  # noqa: ANN001
    """Call to open the window on `profile_dir`, signed in as the demo customer on
    `server_process`, once its first sync is done (a call, so a test can set up first)."""

    def start(live_updates: bool = True) -> Session:
        profile = open_profile(profile_dir)
        sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
        session = Session(profile, sync_interval=60, live_updates=live_updates)
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


@pytest.fixture
def customer() -> Identity:
    """Dana Whitfield, the customer an offline window is signed in as (no server at that address)."""
    return Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield",
                    Role.CUSTOMER)


@pytest.fixture
def db(profile_dir: Path) -> Iterator[CacheDB]:
    """The profile's cache, empty until the test seeds the rows it needs (`tests.support.seed_cases`)."""
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


@pytest.fixture
def offline_window(qtbot, db: CacheDB, customer: Identity) -> Iterator[Callable[..., MainWindow]]:  # noqa: ANN001
    """Call to open the window on `db` with no sync running, as `identity` (the customer unless
    given): shown at `size` (None: where it places itself), exposed and active. With `show=False`
    it is only built, for a test of where it opens. A call, so a test seeds its rows first; the
    windows are closed before the cache is."""
    opened: list[MainWindow] = []

    def open_window(*, size: tuple[int, int] | None = (1366, 768), identity: Identity | None = None,
                    settings: QSettings | None = None, show: bool = True) -> MainWindow:
        session = ProfileSession.offline(db, identity or customer)
        if settings is not None:
            session.settings = settings
        window = MainWindow(session)
        qtbot.addWidget(window)
        opened.append(window)
        if not show:
            return window
        if size is not None:
            window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    yield open_window
    for window in opened:
        if shiboken6.isValid(window):
            window.close()


@pytest.fixture
def bank_feed_case(db: CacheDB) -> Callable[[int], str]:
    """Call with the number of a seeded case (1005 for CS-1005): it becomes an open case someone
    from support picked up, with a short conversation between the customer and that agent, the
    way a case looks when people look at the window. Returns the case's id."""

    def seed(number: int) -> str:
        case_id = str(uuid.UUID(int=number))
        t0 = datetime.now(UTC) - timedelta(hours=5)
        with db.transaction() as session:
            case = session.get_one(CaseRow, case_id)
            case.subject = "Bank feed stopped importing transactions since Monday"
            case.description = "Our business account has not imported any transactions since Monday morning."
            case.status = "open"
            case.owner_name = "Alex Moreno"
            for i, (who, role, body) in enumerate([
                ("Dana Whitfield", "customer", "It still says 'Connected' but nothing arrives."),
                ("Alex Moreno", "agent", "Thanks Dana. Could you record the bank connection page for me?"),
                ("Dana Whitfield", "customer", "Recording attached. The sync button spins forever."),
            ]):
                session.add(CommentRow(id=str(uuid.uuid4()), case_id=case_id, author_name=who, author_role=role,
                                       kind="reply", body=body, created_at=t0 + timedelta(minutes=30 * i)))
            session.add(ActivityRow(id=str(uuid.uuid4()), case_id=case_id, actor_name="Alex Moreno",
                                    action="pick-up", from_status="new", to_status="open", created_at=t0))
        return case_id

    return seed


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


@pytest.fixture
def yellow_corner(qtbot):  # noqa: ANN001, ANN201
    """A bright window on the screen's top-left 320x240, above everything: what a recording of
    that corner must show (or black out)."""
    from PySide6.QtCore import Qt

    painted = QWidget(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    painted.setStyleSheet("background: rgb(255, 200, 0);")
    painted.setGeometry(0, 0, 320, 240)
    qtbot.addWidget(painted)
    painted.show()
    qtbot.waitExposed(painted)
    return painted


@pytest.fixture
def signed_in(qtbot, server_process: ServerProcess, profile_dir: Path) -> Iterator[Callable[..., Session]]:  # noqa: ANN001
    """`signed_in(who)`: the window signed in on the test server as `who` (default the demo's
    agent), once its first sync is done; closed at the end of the test."""
    opened: list[Session] = []

    def start(who: tuple[str, str] = AGENT) -> Session:
        profile = open_profile(profile_dir)
        sign_in(profile.db, profile.tokens, server_process.url, *who)
        session = Session(profile, sync_interval=60, live_updates=False)
        qtbot.addWidget(session.window)
        session.start()
        opened.append(session)
        status = lambda: session.window.sync_indicator.status  # noqa: E731
        qtbot.waitUntil(lambda: session.window.model.rowCount() > 0 and status() is not None
                        and status().online and not status().syncing, timeout=15_000)
        return session

    yield start
    for session in opened:
        session.stop()
        session.profile.close()
