"""A newer CaseDesktop published on the server: the window says so once in the status bar, with a
link for this system, and offers it under Help; an equal or older version shows nothing. Links
open through QDesktopServices, caught here by a URL handler instead of a real browser."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

import casedesktop
from casedesktop.store import meta
from casedesktop.sync.release import ReleaseNotice
from tests.support import ServerProcess

DOWNLOADS = {
    "linux": "https://dl.example.com/CaseDesktop-99.0.AppImage",
    "windows": "https://dl.example.com/CaseDesktop-99.0.msi",
    "macos": "https://dl.example.com/CaseDesktop-99.0.dmg",
}
PLATFORM = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")


def publish(server: ServerProcess, version: str) -> None:
    urls = [arg for name, url in DOWNLOADS.items() for arg in (f"--url-{name}", url)]
    subprocess.run(
        [sys.executable, "-m", "casedesktop.server", "set-release", "--version", version, *urls,
         "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, check=True, timeout=60,
    )


class Browser(QObject):
    """Stands in for the browser: records the URLs the app asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():  # noqa: ANN201
    browser = Browser()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, browser, "open")
    yield browser
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


def announced(window) -> bool:  # noqa: ANN001
    return window.release.label.isVisible()


def test_a_newer_release_is_announced_once_and_offered_under_help(qtbot, start_session, server_process: ServerProcess,
                                                                  browser: Browser) -> None:  # noqa: ANN001
    publish(server_process, "99.0")
    session = start_session()
    window = session.window
    qtbot.waitUntil(lambda: window.release.action.isVisible(), timeout=15_000)
    assert announced(window)
    assert "CaseDesktop 99.0 is available" in window.release.label.text()
    assert DOWNLOADS[PLATFORM] in window.release.label.text()  # the link for this system
    entry = window.release.action
    assert entry in window.help_menu.actions() and entry.text() == "CaseDesktop 99.0 is available…"

    window.release.label.linkActivated.emit(DOWNLOADS[PLATFORM])  # a click on the link
    assert browser.opened == [DOWNLOADS[PLATFORM]]
    assert not announced(window)  # it has done its job
    entry.trigger()  # the Help entry opens the same page
    assert browser.opened == [DOWNLOADS[PLATFORM]] * 2
    with session.profile.db.reading() as db:
        assert meta.get(db, meta.ANNOUNCED_RELEASE) == "99.0"
    session.stop()
    session.profile.close()

    # The next start knows 99.0 is out (Help) but does not announce it again.
    session = start_session()
    window = session.window
    qtbot.waitUntil(lambda: window.release.action.isVisible(), timeout=15_000)
    assert not announced(window)
    assert window.release.notice == ReleaseNotice("99.0", DOWNLOADS[PLATFORM], announce=False)
    session.stop()
    session.profile.close()


@pytest.mark.parametrize("version", [casedesktop.__version__, "0.0.1"], ids=["equal", "older"])
def test_an_equal_or_older_release_shows_nothing(qtbot, start_session, server_process: ServerProcess, version: str) -> None:  # noqa: ANN001
    publish(server_process, version)
    session = start_session()
    window, worker = session.window, session.session.sync.worker
    qtbot.waitUntil(lambda: worker.release_checks == 1, timeout=15_000)
    window.sync_action.trigger()  # a whole pass after the check: its statuses reached the window
    qtbot.waitUntil(lambda: worker.passes >= 2 and not window.sync_indicator.status.syncing, timeout=15_000)
    assert not window.release.action.isVisible() and not announced(window)
    assert window.release.notice is None
    with session.profile.db.reading() as db:
        assert meta.get(db, meta.ANNOUNCED_RELEASE) == ""

    # The same window does show a newer one once it is published and asked for (a day later).
    publish(server_process, "99.0")
    worker.release_every = 0
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: window.release.action.isVisible(), timeout=15_000)
    assert announced(window)
    session.stop()
    session.profile.close()
