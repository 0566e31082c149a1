"""The window against a real server: notifications for staff news (brought by the live long-poll), actions pending (with a countdown
to the next try while offline) then confirmed, and refused changes shown with retry and discard."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from casedesktop.domain import Action
from casedesktop.store import outbox, queries
from casedesktop.ui.tasks import settle
from tests.support import CUSTOMER, ServerProcess, Staff


def row_by_number(window, number: str) -> int:  # noqa: ANN001
    return next(r for r in range(window.model.rowCount()) if window.model.index(r, 0).data() == number)


def test_a_staff_reply_notifies_and_marks_the_case_unread(qtbot, start_session, server_process: ServerProcess) -> None:
    session = start_session()
    window = session.window
    assert window.notifier.history == []  # the first download is not news
    staff = Staff(server_process.url)
    target = staff.case_by_subject("Invoice PDF export cuts off the last line item")
    staff.reply(target["id"], "A fix ships in 5.3; meanwhile use the landscape template.")
    # Nobody asks for a sync and the regular poll is a minute away: the live long-poll brings it.
    qtbot.waitUntil(lambda: len(window.notifier.history) == 1, timeout=5_000)
    note = window.notifier.history[0]
    assert note.title == f"Support replied on {target['number']}"
    assert note.message == "A fix ships in 5.3; meanwhile use the landscape template."
    assert window.detail.case_id != target["id"]
    # The list refreshes on its worker: the unread dot and bold face appear within moments, and
    # the tray's count follows.
    qtbot.waitUntil(lambda: window.model.index(row_by_number(window, target["number"]), 0).data(Qt.ItemDataRole.DecorationRole) is not None)
    assert window.model.index(row_by_number(window, target["number"]), 0).data(Qt.ItemDataRole.FontRole).bold()
    qtbot.waitUntil(lambda: window.notifier.unread == 1)
    assert window.notifier.tooltip == "CaseDesktop: 1 unread case"

    banner = window.notifier.banner  # no system tray under Xvfb: the notice shows above the list
    assert banner.isVisible() and banner.title.text() == note.title
    qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)  # what a click on the notification does
    assert window.detail.case_id == target["id"]
    assert window.detail.tabs.currentIndex() == 1
    assert not banner.isVisible()
    qtbot.waitUntil(lambda: window.model.index(row_by_number(window, target["number"]), 0).data(Qt.ItemDataRole.DecorationRole) is None)
    qtbot.waitUntil(lambda: window.notifier.unread == 0)
    session.stop()
    session.profile.close()


def test_an_action_taken_offline_is_pending_then_confirmed(qtbot, start_session, server_process: ServerProcess) -> None:
    session = start_session()
    window = session.window
    staff = Staff(server_process.url)
    target = staff.case_by_subject("VAT return totals differ from the VAT report")
    server_process.stop()
    window.select_case(target["id"])
    assert window.detail.take_action(Action.ESCALATE, "Filing deadline is Friday")
    settle()  # the write lane has it, and its Changes reached the window
    assert "waiting to sync" in window.detail.activity.toPlainText()
    qtbot.waitUntil(lambda: window.sync_indicator.status.online is False, timeout=15_000)
    assert window.sync_indicator.status.waiting == 1
    # The worker's next try, counted down in the status bar: within seconds while a change waits.
    countdown = re.compile(r"^Offline since \d\d:\d\d · trying again in \d s · 1 change waiting$")
    qtbot.waitUntil(lambda: countdown.match(window.sync_indicator.label.text()) is not None, timeout=5_000)

    server_process.start()
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: "waiting to sync" not in window.detail.activity.toPlainText(), timeout=15_000)
    assert "Escalated" in window.detail.field_labels["status"].text()
    assert staff.case_by_subject("VAT return totals differ from the VAT report")["escalated"] is True
    session.stop()
    session.profile.close()


def test_a_refused_change_keeps_the_text_and_can_be_discarded(qtbot, start_session, server_process: ServerProcess,
                                                              monkeypatch) -> None:  # noqa: ANN001
    session = start_session(live_updates=False)  # it must not hear of the agent's resolve
    window = session.window
    staff = Staff(server_process.url)
    target = staff.case_by_subject("VAT return totals differ from the VAT report")
    # The agent resolves the case on the server; this window has not synced since, so it still
    # offers "Request close", which the server will refuse for a resolved case.
    staff.act(target["id"], "resolve", summary="Rounding rule fixed in 5.2.1")
    window.select_case(target["id"])
    assert window.detail.take_action(Action.REQUEST_CLOSE, "")
    settle()  # the write lane has it, and its Changes reached the window
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: window.sync_indicator.status.failed == 1, timeout=15_000)
    assert window.sync_indicator.details_button.isVisible()
    assert "Resolved" in window.detail.field_labels["status"].text()  # the server's state wins
    dialog = window.show_failed_changes()
    assert dialog.list.count() == 1
    assert target["number"] in dialog.list.item(0).text()
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])

    def answer(_parent, _title, text):  # noqa: ANN001, ANN202
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)  # "No": nothing is lost
    settle()
    assert asked == ["Discard this change for good?"] and dialog.list.count() == 1
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)  # "Yes"
    settle()
    assert len(asked) == 2 and dialog.list.count() == 0
    assert outbox.counts(session.profile.db).failed == 0
    assert queries.case_detail(session.profile.db, target["id"]).sync_state == "synced"
    session.stop()
    session.profile.close()


def test_a_file_from_another_device_downloads_verified_from_the_attachments_tab(qtbot, start_session, server_process: ServerProcess,
                                                                               customer_cli, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import hashlib

    original = tmp_path / "bank-feed.har"
    original.write_bytes(b"HAR capture " * 50_000)
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    customer_cli.run("cases", "attach", "CS-1001", str(original))
    customer_cli.run("sync")

    session = start_session()
    window = session.window
    staff = Staff(server_process.url)
    target = next(c for c in staff.session.get(f"{staff.url}/cases").json() if c["number"] == "CS-1001")
    window.select_case(target["id"])
    tab = window.detail.attachments
    qtbot.waitUntil(lambda: len(tab.rows) == 1, timeout=15_000)
    assert "not downloaded" in tab.tree.topLevelItem(0).text(4)
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    saved = tmp_path / "saved" / "bank-feed.har"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(saved), ""))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(saved.exists, timeout=15_000)
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()
    assert "downloaded and verified" in tab.message.text() or "Saved" in tab.message.text()
    session.stop()
    session.profile.close()
