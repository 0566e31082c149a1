"""An unexpected exception is logged and shown in one dialog, from which the user may copy the
details or open a new case about it; nothing is sent by itself, and no secret is in the details.

pytest-qt fails a test on an exception raised in a Qt virtual or slot by putting its own
`sys.excepthook` in place; these tests raise such exceptions on purpose and install the app's hook
instead, so they opt out of that capture (`qt_no_exception_capture`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from casedesktop import __version__
from casedesktop.ui import errors
from casedesktop.ui.errors import ErrorDialog, ErrorReporter

pytestmark = pytest.mark.qt_no_exception_capture

TOKEN = "Zk3vQ9mX2pL7rT1sW8yB4nC6dF0gH5jK-aE_uIoPq"  # the shape of the server's tokens


@pytest.fixture
def reporter(qapp: QApplication) -> Iterator[ErrorReporter]:
    hook = ErrorReporter(qapp).install()
    yield hook
    hook.uninstall()
    if hook.open_dialog() is not None:
        hook.open_dialog().close()
    hook.deleteLater()


def _raise_later(exc: BaseException) -> None:
    def boom() -> None:
        raise exc

    QTimer.singleShot(0, boom)


def _error_dialogs() -> list[ErrorDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()]


def test_an_exception_in_a_slot_shows_the_dialog_and_is_logged(qtbot, reporter: ErrorReporter,  # noqa: ANN001
                                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="casedesktop"):
        QTimer.singleShot(0, lambda: 1 / 0)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=3000)
    dialog = reporter.dialog
    assert "ZeroDivisionError" in dialog.what.text() and "division by zero" in dialog.what.text()
    assert "went wrong" in dialog.headline.text()
    assert not dialog.report_button.isEnabled()  # no profile open: nowhere to report to yet
    assert any("ZeroDivisionError" in r.getMessage() and "Traceback" in r.getMessage() for r in caplog.records)


def test_copy_puts_the_details_on_the_clipboard(qtbot, reporter: ErrorReporter) -> None:  # noqa: ANN001
    _raise_later(KeyError("missing-key"))
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=3000)
    reporter.dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert "Traceback (most recent call last)" in copied and "KeyError: 'missing-key'" in copied
    assert f"CaseDesktop {__version__}" in copied and "PySide6" in copied and "Qt " in copied
    assert "Platform:" in copied and "boom" in copied  # the function that raised


def test_a_second_exception_joins_the_open_dialog(qtbot, reporter: ErrorReporter) -> None:  # noqa: ANN001
    _raise_later(ValueError("first"))
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=3000)
    first = reporter.dialog
    _raise_later(RuntimeError("second"))
    qtbot.waitUntil(lambda: len(first.reports) == 2, timeout=3000)
    assert reporter.dialog is first and len(_error_dialogs()) == 1
    assert "ValueError: first" in first.what.text() and "RuntimeError: second" in first.what.text()
    assert "2 times" in first.headline.text()
    for _ in range(30):  # a storm stays one dialog, and a bounded one
        _raise_later(OSError("again"))
    qtbot.waitUntil(lambda: len(first.reports) + first.dropped == 32, timeout=3000)
    assert len(first.reports) == errors.MAX_SHOWN and len(_error_dialogs()) == 1


def test_an_exception_on_another_thread_reaches_the_dialog_on_the_gui_thread(  # noqa: ANN001
        qtbot, reporter: ErrorReporter) -> None:
    shown_on: list[QThread] = []
    original = reporter._show
    reporter._show = lambda report: (shown_on.append(QThread.currentThread()), original(report))  # type: ignore[method-assign]

    def work() -> None:
        raise ConnectionError("worker lost its way")

    thread = threading.Thread(target=work, name="casedesktop-test-worker")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=3000)
    assert shown_on == [QApplication.instance().thread()]
    assert reporter.dialog.thread() is QApplication.instance().thread()
    report = reporter.dialog.reports[0]
    assert report.thread == "casedesktop-test-worker" and report.type_name == "ConnectionError"


def test_report_opens_a_filled_new_case_with_the_log_attached(qtbot, profile_dir: Path,  # noqa: ANN001
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    from casedesktop.domain import Role
    from casedesktop.store import outbox
    from casedesktop.store.database import open_cache
    from casedesktop.store.drafts import NEW_CASE, Draft
    from casedesktop.store.meta import Identity
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.mainwindow.window import MainWindow
    from casedesktop.ui.session import ProfileSession

    log_file = profile_dir / "casedesktop.log"
    log_file.write_text(f"2026-03-02 INFO casedesktop.sync: pass with Authorization: Bearer {TOKEN}\n", encoding="utf-8")
    monkeypatch.setattr(errors, "log_file", lambda: log_file)
    db = open_cache(profile_dir)
    me = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)
    reporter = errors.install()  # as run_gui does; the window gives it somewhere to report to
    session = ProfileSession.offline(db, me)
    session.drafts.save(NEW_CASE, Draft({"subject": "My own unsent case"}, []))
    window = MainWindow(session)
    qtbot.addWidget(window)
    try:
        assert reporter.report_handler == window.report_problem
        _raise_later(ZeroDivisionError(f"division by zero with token={TOKEN}"))
        qtbot.waitUntil(lambda: reporter.open_dialog() is not None, timeout=3000)
        assert reporter.dialog.report_button.isEnabled()
        reporter.dialog.report_button.click()
        dialog = next(w for w in window.findChildren(NewCaseDialog) if w.isVisible())
        assert dialog.subject.text() == "CaseDesktop error: ZeroDivisionError"
        description = dialog.description.toPlainText()
        assert "ZeroDivisionError" in description and "Traceback" in description and __version__ in description
        assert TOKEN not in description and "[removed]" in description
        files = dialog.attachments.files()
        assert [f.filename for f in files] == ["casedesktop-log.txt"]  # one file, the user may remove it
        attached = session.blobs.path_of(files[0].sha256).read_text(encoding="utf-8")
        assert "Bearer [removed]" in attached and TOKEN not in attached
        assert not _error_dialogs() and reporter.open_dialog() is None  # the report replaces it
        assert dialog.create_button.isEnabled()  # ready to send, once the user chooses to
        assert outbox.sendable(db) == []  # nothing queued, let alone sent
        dialog.reject()  # cancelled: nothing sent, and the user's own draft is as it was
        assert dialog.created_case_id is None and outbox.sendable(db) == []
        assert session.drafts.load(NEW_CASE).fields["subject"] == "My own unsent case"
    finally:
        reporter.uninstall()
        window.close()
        db.close()


def test_details_never_carry_a_secret() -> None:
    text = errors.scrub(
        f"GET /api/v1/changes?cursor=3&token={TOKEN} headers={{'Authorization': 'Bearer {TOKEN}'}}\n"
        f'{{"password": "hunter2hunter2", "email": "dana@northwind.example"}}\n'
        f"bare {TOKEN} and a sha256 {'ab12' * 16} and a case 0e6f5e3c-2a51-4d3b-9a0e-4bd7cc1b3b9a\n")
    assert TOKEN not in text and "hunter2" not in text
    assert "dana@northwind.example" in text and "ab12" * 16 in text and "0e6f5e3c-2a51-4d3b-9a0e-4bd7cc1b3b9a" in text
