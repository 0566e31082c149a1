"""The Changes view against a real server: a change the server refused (with its reason and the
user's kept text; retry, discard) and a conflict notice (what the server changed, the user's kept
reply; mark seen, open the case), reached from the status bar and from the menu's shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casedesktop.domain import Action
from casedesktop.store import conflicts, outbox
from casedesktop.store.database import open_cache
from casedesktop.ui.dialogs.changes import ChangesDialog
from casedesktop.ui.tasks import settle
from tests.support import ServerProcess, Staff


def _open_dialogs(window) -> list[ChangesDialog]:  # noqa: ANN001
    return [d for d in window.findChildren(ChangesDialog) if d.isVisible()]


def test_refused_changes_and_notices_in_one_place(qtbot, start_session, screenshot, server_process: ServerProcess) -> None:
    session = start_session(live_updates=False)  # it must not hear of the agent's resolves
    window = session.window
    db = session.profile.db
    staff = Staff(server_process.url)
    vat = staff.case_by_subject("VAT return totals differ from the VAT report")
    pdf = staff.case_by_subject("Invoice PDF export cuts off the last line item")
    # The agent resolves both cases; this window does not know yet (it is offline).
    staff.act(vat["id"], "resolve", summary="Rounding rule fixed in 5.2.1")
    staff.act(pdf["id"], "resolve", summary="Fixed in 5.3: the footer height is counted")
    server_process.stop()
    window.select_case(vat["id"])
    assert window.detail.take_action(Action.ESCALATE, "Our filing deadline is Friday")
    settle()  # the write lane has it, and its Changes reached the window
    window.select_case(pdf["id"])
    window.detail.reply_box.setPlainText("Here is the invoice with 15 lines you asked for.")
    window.detail.send_button.click()
    settle()  # the write lane has it, and its Changes reached the window
    qtbot.waitUntil(lambda: window.sync_indicator.status.online is False, timeout=15_000)

    server_process.start()
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: window.sync_indicator.status.failed == 1 and window.sync_indicator.status.conflicts == 2
                    and not window.sync_indicator.status.syncing, timeout=20_000)
    indicator = window.sync_indicator
    assert indicator.details_button.isVisible()
    assert "2 notices about your changes" in indicator.label.text()

    qtbot.mouseClick(indicator.details_button, Qt.MouseButton.LeftButton)  # the status bar's way in
    qtbot.waitUntil(lambda: len(_open_dialogs(window)) == 1)
    dialog = _open_dialogs(window)[0]
    assert dialog.windowTitle() == "Changes"
    assert dialog.list.count() == 1
    refused = dialog.list.item(0).text()
    assert refused.startswith(f"Action on {vat['number']}") and "resolved now" in refused  # the server's reason
    assert "Your text, kept: “Our filing deadline is Friday”" in dialog.kept.toPlainText()
    texts = [dialog.notice_list.item(i).text() for i in range(dialog.notice_list.count())]
    assert len(texts) == 2 and all(t.startswith("New · ") for t in texts)
    moved_on = next(t for t in texts if "The case moved on" in t)
    assert f"Your reply was added to {pdf['number']}" in moved_on and "resolved now" in moved_on
    assert "You wrote: “Here is the invoice with 15 lines you asked for.”" in moved_on
    assert any(t.startswith("New · Refused: ") and "You wrote: “Our filing deadline is Friday”" in t for t in texts)
    for widget in (dialog.list, dialog.notice_list, dialog.kept, dialog.retry_button, dialog.discard_button,
                   dialog.seen_button, dialog.all_seen_button, dialog.open_button):
        assert widget.accessibleName(), widget
    dialog.notice_list.setCurrentRow(texts.index(moved_on))
    screenshot(dialog, "changes-dialog")

    # Retry: the change goes out again (at once: the worker is poked); the server says no again,
    # with a new notice, and the change is back in the list.
    refusals = len(conflicts.notices(db))
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(conflicts.notices(db)) == refusals + 1 and outbox.counts(db).failed == 1
                    and not window.sync_indicator.status.syncing, timeout=20_000)
    dialog.reload()
    assert dialog.list.count() == 1
    # Discard: gone for good; the case keeps the server's state.
    dialog.discard_selected(confirm=False)
    settle()
    assert dialog.list.count() == 0 and outbox.counts(db).failed == 0
    assert not dialog.retry_button.isEnabled() and not dialog.discard_button.isEnabled()
    assert dialog.list.isHidden() and dialog.refused_heading.isHidden()  # no empty box left behind
    assert dialog.notice_list.isVisible() and dialog.empty_state.isHidden()

    # Mark the notices of the PDF case seen: the status bar's count follows at once.
    dialog.notice_list.setCurrentRow(next(i for i in range(dialog.notice_list.count())
                                          if "The case moved on" in dialog.notice_list.item(i).text()))
    unseen_before = len(conflicts.notices(db, unseen_only=True))
    qtbot.mouseClick(dialog.seen_button, Qt.MouseButton.LeftButton)
    settle()
    assert len(conflicts.notices(db, unseen_only=True)) == unseen_before - 1
    assert indicator.status.conflicts == unseen_before - 1
    seen_text = next(dialog.notice_list.item(i).text() for i in range(dialog.notice_list.count())
                     if "The case moved on" in dialog.notice_list.item(i).text())
    assert not seen_text.startswith("New · ")

    # Open the case of a notice: the dialog closes and the case is shown.
    window.select_case(vat["id"], open_it=True)
    dialog.notice_list.setCurrentRow(next(i for i in range(dialog.notice_list.count())
                                          if "The case moved on" in dialog.notice_list.item(i).text()))
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert window.detail.case_id == pdf["id"]
    assert window.detail.tabs.currentIndex() == 1

    # The menu's shortcut opens the same view.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(_open_dialogs(window)) == 1)
    again = _open_dialogs(window)[0]
    assert again.list.count() == 0 and again.notice_list.count() >= 2
    again.mark_all_seen()
    settle()
    assert conflicts.notices(db, unseen_only=True) == [] and indicator.status.conflicts == 0
    again.close()
    session.stop()
    session.profile.close()


def test_nothing_to_show_is_one_plain_sentence(qtbot, profile_dir) -> None:  # noqa: ANN001
    db = open_cache(profile_dir)
    dialog = ChangesDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.empty_state.isVisible()
    assert dialog.empty_state.text() == "Everything you did has reached support. Nothing is waiting to be sent."
    for widget in (dialog.refused_heading, dialog.list, dialog.kept, dialog.retry_button, dialog.notice_heading,
                   dialog.notice_list, dialog.seen_button, dialog.open_button):
        assert widget.isHidden(), widget
    assert dialog.refused_heading.text() == "Changes support could not &accept"
    assert dialog.notice_heading.text() == "&Messages about your changes"
    dialog.close()
    db.close()
