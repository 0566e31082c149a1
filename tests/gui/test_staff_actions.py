"""Staff actions driven through the window's widgets reach the server: resolve with its summary,
root cause and type, reopen with a reason, ask the customer (the question and the wait in one
step), merge into a case found by its number, an internal note and its deletion. Read back
through the REST API as another staff tool would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMessageBox

from casedesktop.domain import Action
from casedesktop.ui.case.thread import INTERNAL
from casedesktop.ui.dialogs import ask_customer as ask_dialog
from casedesktop.ui.dialogs import merge as merge_dialog
from casedesktop.ui.dialogs import reason as reason_dialog
from casedesktop.ui.dialogs import resolve as resolve_dialog
from casedesktop.ui.tasks import settle
from tests.support import Staff

WAIT = 15_000


def server_case(staff: Staff, number: str) -> dict:
    return next(c for c in staff.session.get(f"{staff.url}/cases").json() if c["number"] == number)


def wait_for(qtbot, staff: Staff, number: str, check: Callable[[dict], bool]) -> dict:  # noqa: ANN001
    """The case as the server has it, once `check` holds (the window's sync pushes it)."""
    found: list[dict] = []
    qtbot.waitUntil(lambda: check(case := server_case(staff, number)) and not found.append(case), timeout=WAIT)
    return found[0]


def fill(monkeypatch, dialog_class: type, filling: Callable) -> None:  # noqa: ANN001
    """The dialog's exec fills it as a user would, then presses its confirm button."""
    def exec_(dialog) -> int:  # noqa: ANN001
        filling(dialog)
        assert dialog.confirm.isEnabled()
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(dialog_class, "exec", exec_)


def test_resolve_in_one_dialog_then_reopen_with_a_reason(qtbot, monkeypatch, signed_in, server_process) -> None:  # noqa: ANN001
    window = signed_in().window
    staff = Staff(server_process.url)
    target = server_case(staff, "CS-1002")
    window.select_case(target["id"])
    header = window.detail.header

    def resolve(dialog: resolve_dialog.ResolveDialog) -> None:
        assert not dialog.confirm.isEnabled()  # the summary is required
        dialog.root_cause.setPlainText("The template's page break dropped the last row.")
        assert not dialog.confirm.isEnabled()
        dialog.summary.setPlainText("Fixed the invoice template; the last line prints again.")
        dialog.resolution_type.setCurrentIndex(dialog.resolution_type.findData("Bug fix"))

    fill(monkeypatch, resolve_dialog.ResolveDialog, resolve)
    header.action_buttons[Action.RESOLVE].click()
    case = wait_for(qtbot, staff, "CS-1002", lambda c: c["status"] == "resolved")
    assert case["resolution_summary"] == "Fixed the invoice template; the last line prints again."
    assert case["resolution_root_cause"] == "The template's page break dropped the last row."
    assert case["resolution_type"] == "Bug fix"

    # Staff reopen a resolved case, with a reason.
    qtbot.waitUntil(lambda: Action.REOPEN in header.action_buttons, timeout=WAIT)
    fill(monkeypatch, reason_dialog.ReasonDialog,
         lambda dialog: dialog.text.setPlainText("The customer's second invoice is cut off too."))
    header.action_buttons[Action.REOPEN].click()
    wait_for(qtbot, staff, "CS-1002", lambda c: c["status"] == "open")
    activity = staff.session.get(f"{staff.url}/cases/{target['id']}/activity").json()
    assert activity[-1]["action"] == "reopen" and activity[-1]["reason"] == "The customer's second invoice is cut off too."

    # And a closed one.
    closed = server_case(staff, "CS-1005")
    window.select_case(closed["id"])
    qtbot.waitUntil(lambda: Action.REOPEN in header.action_buttons, timeout=WAIT)
    fill(monkeypatch, reason_dialog.ReasonDialog, lambda dialog: dialog.text.setPlainText("Asked again for July."))
    header.action_buttons[Action.REOPEN].click()
    wait_for(qtbot, staff, "CS-1005", lambda c: c["status"] == "open")


def test_ask_the_customer_and_merge_into_a_case_found_by_number(
        qtbot, monkeypatch, signed_in, server_process, screenshot) -> None:  # noqa: ANN001
    window = signed_in().window
    staff = Staff(server_process.url)
    asked = server_case(staff, "CS-1008")
    window.select_case(asked["id"])
    header = window.detail.header
    question = "Which VAT period do the totals differ for?"

    def ask(dialog: ask_dialog.AskCustomerDialog) -> None:
        assert not dialog.confirm.isEnabled()
        dialog.question.setPlainText(question)
        screenshot(dialog, "ask-customer-dialog")

    fill(monkeypatch, ask_dialog.AskCustomerDialog, ask)
    header.action_buttons[Action.PENDING_CUSTOMER].click()
    wait_for(qtbot, staff, "CS-1008", lambda c: c["status"] == "pending_customer")
    comments = staff.session.get(f"{staff.url}/cases/{asked['id']}/comments").json()
    assert [(c["body"], c["kind"]) for c in comments if c["body"] == question] == [(question, "reply")]

    child, parent = server_case(staff, "CS-1006"), server_case(staff, "CS-1002")
    window.select_case(child["id"])

    def merge(dialog: merge_dialog.MergeDialog) -> None:
        qtbot.waitUntil(lambda: dialog.results.count() > 0)  # the newest cases, before any search
        offered = {dialog.results.item(i).data(256).number for i in range(dialog.results.count())}
        assert "CS-1006" not in offered  # not into itself
        assert "CS-1010" not in offered  # another customer's case: the server would refuse it
        dialog.search.setText("CS-1002")
        dialog.find()
        qtbot.waitUntil(lambda: dialog.results.count() == 1 and dialog.results.item(0).data(256).number == "CS-1002")
        assert not dialog.confirm.isEnabled()  # nothing chosen yet
        dialog.results.setCurrentRow(0)
        assert dialog.confirm.text() == "&Merge into CS-1002"
        assert "CS-1006 will be closed as merged into CS-1002" in dialog.note.text()
        screenshot(dialog, "merge-dialog")

    fill(monkeypatch, merge_dialog.MergeDialog, merge)
    header.action_buttons[Action.MERGE].click()
    case = wait_for(qtbot, staff, "CS-1006", lambda c: c["status"] == "merged")
    assert case["parent_case_id"] == parent["id"]


def test_an_internal_note_and_its_deletion_reach_the_server(qtbot, monkeypatch, signed_in, server_process) -> None:  # noqa: ANN001
    session = signed_in()
    window = session.window
    staff = Staff(server_process.url)
    target = server_case(staff, "CS-1002")
    window.select_case(target["id"])
    detail = window.detail
    detail.tabs.setCurrentIndex(1)

    def notes() -> list[dict]:
        return [c for c in staff.session.get(f"{staff.url}/cases/{target['id']}/comments").json()
                if c["kind"] == "internal"]

    detail.reply.note_toggle.click()
    detail.reply.editor.setPlainText("Customer is on the 5.2 template; 5.3 fixes it.")
    detail.send_button.click()
    body = "Customer is on the 5.2 template; 5.3 fixes it."
    qtbot.waitUntil(lambda: body in [n["body"] for n in notes()], timeout=WAIT)
    note_id = next(n["id"] for n in notes() if n["body"] == body)
    view = detail.conversation
    detail.stream_filter.buttons[INTERNAL].click()
    assert note_id in [item.key for item in view.items]
    assert all(item.internal for item in view.items)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    view.widget_of(note_id).delete_button.click()
    qtbot.waitUntil(lambda: view.widget_of(note_id) is None)
    qtbot.waitUntil(lambda: note_id not in [n["id"] for n in notes()], timeout=WAIT)
    activity = staff.session.get(f"{staff.url}/cases/{target['id']}/activity").json()
    assert activity[-1]["action"] == "delete-note" and activity[-1]["actor_name"] == "Alex Moreno"
    # The deletion shows in the stream once the window has the server's activity.
    window.session.request_sync()
    detail.stream_filter.buttons["activity"].click()
    qtbot.waitUntil(lambda: any("deleted an internal note" in item.plain for item in view.items), timeout=WAIT)


def test_a_customer_window_never_shows_internal_notes_or_staff_controls(qtbot, start_session, server_process) -> None:  # noqa: ANN001
    staff = Staff(server_process.url)
    target = staff.case_by_subject("Invoice PDF export cuts off the last line item")
    staff.reply(target["id"], "Looks like the template bug from last week.", kind="internal")
    staff.reply(target["id"], "We are looking at the template now.")
    session = start_session(live_updates=False)
    window = session.window
    window.select_case(target["id"])
    settle()
    detail = window.detail
    text = detail.conversation.toPlainText()
    assert "We are looking at the template now." in text
    assert "template bug from last week" not in text and "Internal note" not in text
    assert detail.stream_filter is None and not detail.reply.kind_row.isVisibleTo(detail)
    assert all(getattr(w, "delete_button", None) is None for w in detail.conversation.widgets)
    assert not {Action.RESOLVE, Action.MERGE, Action.PENDING_CUSTOMER, Action.PICK_UP} & set(detail.action_buttons)
    session.stop()
    session.profile.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_staff_dialogs_look(qtbot, db, offline_window, screenshot, scheme: str) -> None:  # noqa: ANN001
    """Each dialog, grabbed in both themes for people to look at; their confirm waits for input."""
    import uuid

    from PySide6.QtWidgets import QApplication

    from casedesktop.domain import Role
    from casedesktop.store.meta import Identity
    from casedesktop.ui import theme
    from tests.support import seed_cases

    seed_cases(db, 6)
    agent = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)
    app = QApplication.instance()
    before = app.palette()
    if scheme == "dark":
        app.setPalette(theme.dark_palette())
    try:
        window = offline_window(identity=agent)
        case_id = str(uuid.UUID(int=1002))
        resolve = resolve_dialog.ResolveDialog(window)
        resolve.summary.setPlainText("Fixed the invoice template; the last line prints again.")
        resolve.root_cause.setPlainText("x" * 4_001)
        assert not resolve.confirm.isEnabled() and "keep it to 4,000" in resolve.root_cause_message.text()
        resolve.show()
        qtbot.waitExposed(resolve)
        screenshot(resolve, f"resolve-dialog-{scheme}")
        resolve.close()
        ask = ask_dialog.AskCustomerDialog("CS-1002", window)
        ask.question.setPlainText("Which VAT period do the totals differ for?")
        ask.show()
        screenshot(ask, f"ask-customer-dialog-{scheme}")
        ask.close()
        reopen = reason_dialog.ReasonDialog(Action.REOPEN, required=True, parent=window)
        reopen.show()
        screenshot(reopen, f"reopen-dialog-{scheme}")
        reopen.close()
        merge = merge_dialog.MergeDialog(db, Role.AGENT, case_id, "CS-1002", "", window)
        merge.show()
        qtbot.waitUntil(lambda: merge.results.count() == 5)
        merge.results.setCurrentRow(1)
        qtbot.wait(50)  # the button box lays out its longer button, as a user sees it
        assert merge.confirm.width() >= merge.confirm.sizeHint().width()
        screenshot(merge, f"merge-dialog-{scheme}")
        merge.close()
    finally:
        app.setPalette(before)
