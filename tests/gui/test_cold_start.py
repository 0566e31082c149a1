"""The window's cold start: the list's first page is painted before the cache and sync layers load,
and the rest of the window arrives right after the first paint."""

from __future__ import annotations

import subprocess
import sys
import uuid

from casedesktop.app import open_profile
from casedesktop.domain import Role
from casedesktop.store import first_page, meta
from casedesktop.store.meta import Identity
from casedesktop.ui.main import Session
from casedesktop.ui.session import window_settings
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)
HEAVY = ("sqlalchemy", "alembic", "pydantic", "requests", "keyring", "casedesktop.store.database")


def test_the_start_path_imports_no_cache_or_sync_library() -> None:
    code = (
        "import sys, casedesktop.cli, casedesktop.ui.main, casedesktop.store.first_page\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_list_paints_first_and_the_window_completes_after(qtbot, profile_dir) -> None:  # noqa: ANN001
    profile = open_profile(profile_dir)
    seed_cases(profile.db, 300)
    with profile.db.transaction() as session:
        meta.save_identity(session, ME)
    profile.tokens.set("a-token")
    profile.close()

    page = first_page.read(profile_dir)
    assert page is not None and page.count == 300
    session = Session.early(window_settings(profile_dir), page, sync_interval=60)
    window = session.window
    qtbot.addWidget(window)
    assert window.model.rowCount() == 300
    assert window.model.index(0, 0).data() == "CS-1300"  # last updated first
    assert window.controller is None and not session.ready
    session.start()
    qtbot.waitUntil(lambda: session.ready, timeout=10_000)
    try:
        assert window.controller is not None and window.detail is not None
        assert window.model.rowCount() == 300 and window.model.index(0, 0).data() == "CS-1300"
        assert window.tabs.tabText(0).startswith("All")
        assert window.sync_action.isEnabled()
        window.table.sortByColumn(0, window.table.horizontalHeader().sortIndicatorOrder().AscendingOrder)
        qtbot.waitUntil(lambda: window.model.index(0, 0).data() == "CS-1001")
        window.table.scrollToBottom()  # later pages come from the opened cache
        assert window.model.index(299, 0).data() == "CS-1300"
    finally:
        session.stop()
        session.profile.close()


def test_without_a_token_the_sign_in_dialog_follows_the_first_paint(qtbot, profile_dir) -> None:  # noqa: ANN001
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from casedesktop.ui.dialogs.sign_in import SignInDialog

    profile = open_profile(profile_dir)
    seed_cases(profile.db, 5)
    with profile.db.transaction() as session:
        meta.save_identity(session, ME)
    profile.close()  # no token in the keychain: signed out

    page = first_page.read(profile_dir)
    session = Session.early(window_settings(profile_dir), page, sync_interval=60)
    qtbot.addWidget(session.window)
    seen = []

    def refuse() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, SignInDialog):
            seen.append(dialog)
            dialog.reject()
        else:
            QTimer.singleShot(20, refuse)

    QTimer.singleShot(0, refuse)
    session.start()
    qtbot.waitUntil(lambda: bool(seen) and not session.window.isVisible(), timeout=10_000)
    assert not session.ready  # nothing started for a profile nobody signed in to


def test_the_rest_starts_even_if_no_paint_comes(qtbot) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QWidget

    from casedesktop.ui.main import AfterPaint

    widget = QWidget()  # never shown: never painted
    qtbot.addWidget(widget)
    calls = []
    AfterPaint(widget, lambda: calls.append(1), fallback_ms=50)
    qtbot.waitUntil(lambda: calls == [1], timeout=2_000)
    qtbot.wait(100)
    assert calls == [1]
