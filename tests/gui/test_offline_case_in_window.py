"""The walking skeleton through the real window: a case made offline shows at once, gets its number
when the server is back, and the agent's reply appears in the conversation."""

from __future__ import annotations

from PySide6.QtCore import Qt

from casedesktop.app import open_profile
from casedesktop.domain import Action
from casedesktop.sync.sign_in import sign_in
from casedesktop.ui.caselist.model import SYNC_STATE_ROLE
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.main import Session
from casedesktop.ui.tasks import settle
from tests.support import CUSTOMER, ServerProcess, Staff

SUBJECT = "Payroll run stops at 80 %"


def test_case_made_offline_gets_its_number_and_the_agent_reply(qtbot, server_process: ServerProcess, profile_dir) -> None:
    profile = open_profile(profile_dir)
    sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
    server_process.stop()

    session = Session(profile, sync_interval=60)
    window = session.window
    qtbot.addWidget(window)
    assert window.windowTitle() == "CaseDesktop"
    session.start()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.waitUntil(lambda: session.window.sync_indicator.status is not None and session.window.sync_indicator.status.online is False, timeout=10_000)
    assert "Offline" in window.sync_indicator.label.text()

    # Ctrl+N opens the New Case dialog; fill it as a user would.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(NewCaseDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.create_button.isEnabled()  # required fields are empty: pressing it says which
    dialog.severity.setCurrentIndex(dialog.severity.findData("urgent"))
    qtbot.keyClicks(dialog.subject, SUBJECT)
    qtbot.keyClicks(dialog.description, "Since this morning the run stops and shows error 0x80.")
    assert dialog.create_button.isEnabled()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    settle()  # the write lane has it, and its Changes reached the window
    case_id = dialog.created_case_id
    assert case_id is not None

    # At once, offline: the case is in the list, selected, marked as waiting (no network involved:
    # the list query runs on its worker and answers within milliseconds).
    qtbot.waitUntil(lambda: window.model.row_of(case_id) >= 0, timeout=2000)
    row = window.model.row_of(case_id)
    assert window.model.index(row, 0).data() == "Not sent yet"
    assert window.model.index(row, 0).data(SYNC_STATE_ROLE) == "waiting"
    assert window.model.index(row, 1).data() == SUBJECT
    assert window.detail.case_id == case_id
    qtbot.waitUntil(lambda: "1 change waiting" in window.sync_indicator.label.text(), timeout=10_000)

    # Back online: Sync now sends it and the number comes back.
    server_process.start()
    qtbot.mouseClick(window.sync_indicator.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (window.model.index(window.model.row_of(case_id), 0).data() or "").startswith("CS-"), timeout=15_000)
    number = window.model.index(window.model.row_of(case_id), 0).data()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Your case {number} reached support.", timeout=5000)
    qtbot.waitUntil(lambda: window.sync_indicator.label.text().startswith("Online"), timeout=10_000)
    assert "waiting" not in window.sync_indicator.label.text()

    # The agent answers on the server; the reply appears in the conversation after a sync.
    staff = Staff(server_process.url)
    on_server = staff.case_by_subject(SUBJECT)
    assert on_server["number"] == number
    staff.act(on_server["id"], Action.PICK_UP.value)
    staff.reply(on_server["id"], "Thanks, we see the error in our logs too.")
    staff.reply(on_server["id"], "Internal: linked to bug 4411", kind="internal")
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: "we see the error in our logs" in window.detail.conversation.toPlainText(), timeout=15_000)
    assert "bug 4411" not in window.detail.conversation.toPlainText()
    assert "Open" in window.detail.field_labels["status"].text()

    # The customer's own reply shows at once and is sent on the next sync.
    window.detail.tabs.setCurrentIndex(1)
    qtbot.keyClicks(window.detail.reply_box, "Great, thank you!")
    qtbot.mouseClick(window.detail.send_button, Qt.MouseButton.LeftButton)
    settle()  # the write lane has it, and its Changes reached the window
    assert "Great, thank you!" in window.detail.conversation.toPlainText()
    qtbot.waitUntil(lambda: "waiting to sync" not in window.detail.conversation.toPlainText(), timeout=15_000)
    session.stop()
    profile.close()


def test_lifecycle_buttons_follow_the_state_and_reason_is_required(qtbot, server_process: ServerProcess, profile_dir, monkeypatch) -> None:
    profile = open_profile(profile_dir)
    sign_in(profile.db, profile.tokens, server_process.url, *CUSTOMER)
    session = Session(profile, sync_interval=60)
    qtbot.addWidget(session.window)
    session.start()
    window = session.window
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=15_000)
    open_row = next(r for r in range(window.model.rowCount()) if window.model.index(r, 2).data() == "Open")
    window.table.selectRow(open_row)
    buttons = window.detail.action_buttons
    assert Action.ESCALATE in buttons and Action.CLOSE in buttons
    assert Action.ACCEPT not in buttons and Action.RESOLVE not in buttons  # not resolved; not staff

    from casedesktop.ui.dialogs import reason as reason_dialog

    seen = {}

    def fake_exec(dialog):  # noqa: ANN001
        seen["enabled_when_empty"] = dialog.confirm.isEnabled()
        dialog.text.setPlainText("Month-end close is blocked")
        seen["enabled_when_filled"] = dialog.confirm.isEnabled()
        return reason_dialog.ReasonDialog.DialogCode.Accepted

    monkeypatch.setattr(reason_dialog.ReasonDialog, "exec", fake_exec)
    qtbot.mouseClick(buttons[Action.ESCALATE], Qt.MouseButton.LeftButton)
    assert seen == {"enabled_when_empty": False, "enabled_when_filled": True}
    settle()
    assert "Escalated" in window.detail.field_labels["status"].text()
    assert Action.ESCALATE not in window.detail.action_buttons
    session.stop()
    profile.close()
