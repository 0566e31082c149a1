"""Staff triage the open case in place: each control changes the cache at once and reaches the
server at the next sync; the service level is said in words; a customer sees none of it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from casedesktop.domain import Role
from casedesktop.store import queries
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow
from casedesktop.ui.case.triage import sla_words
from casedesktop.ui.main import Session
from casedesktop.ui.tasks import settle
from tests.support import Staff, seed_cases


def choose(qtbot, combo: QComboBox, data: str) -> None:  # noqa: ANN001
    """Pick an entry as the user does (activated), then let the write lane finish."""
    index = combo.findData(data)
    assert index >= 0, (data, [combo.itemData(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    settle()


def synced(qtbot, session: Session) -> None:  # noqa: ANN001
    session.window.session.request_sync()
    qtbot.waitUntil(lambda: session.window.unsent_count() == 0, timeout=15_000)


def test_each_triage_control_changes_the_cache_and_reaches_the_server(qtbot, signed_in, server_process) -> None:  # noqa: ANN001
    session = signed_in()
    window = session.window
    db = window.session.db
    staff = Staff(server_process.url)
    case = staff.session.get(f"{staff.url}/cases").json()[0]
    window.open_case(case["id"])
    panel = window.detail.triage
    assert panel is not None and panel.isVisible()
    categories = [panel.category.itemData(i) for i in range(1, panel.category.count())]
    assert categories, "the vendor's categories reach the panel"
    category = next(name for name in categories if name != case["category"])

    choose(qtbot, panel.priority, "critical")
    choose(qtbot, panel.source, "Phone")
    panel.category.setEditText(category)
    panel.category.lineEdit().returnPressed.emit()
    settle()
    panel.assign_to_me.click()
    settle()

    row = queries.case_detail(db, case["id"]).case
    assert (row.priority, row.source, row.category, row.owner_id) == (
        "critical", "Phone", category, window.session.identity.user_id)
    assert not panel.assign_to_me.isEnabled()  # already the owner

    synced(qtbot, session)
    served = staff.session.get(f"{staff.url}/cases/{case['id']}").json()
    assert (served["priority"], served["source"], served["category"], served["owner_name"]) == (
        "critical", "Phone", category, window.session.identity.name)

    choose(qtbot, panel.owner, "")  # Nobody
    synced(qtbot, session)
    assert staff.session.get(f"{staff.url}/cases/{case['id']}").json()["owner_id"] is None


def test_a_category_not_on_the_list_is_refused_beside_the_field(qtbot, signed_in) -> None:  # noqa: ANN001
    session = signed_in()
    window = session.window
    case_id = window.model.case_id_at(0)
    window.open_case(case_id)
    panel = window.detail.triage
    before = queries.case_detail(window.session.db, case_id).case.category
    panel.category.setEditText("Not a category")
    panel.category.lineEdit().returnPressed.emit()
    settle()
    assert "There is no category 'Not a category'" in panel.message.text()
    assert panel.category.currentText() == "Not a category"  # what was typed stays
    assert queries.case_detail(window.session.db, case_id).case.category == before


def test_triage_works_offline(qtbot, db, offline_window) -> None:  # noqa: ANN001
    agent = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)
    seed_cases(db, 3)
    window = offline_window(identity=agent)
    case_id = window.model.case_id_at(0)
    window.open_case(case_id)
    panel = window.detail.triage
    choose(qtbot, panel.priority, "high")
    panel.assign_to_me.click()
    settle()
    detail = queries.case_detail(db, case_id)
    assert (detail.case.priority, detail.case.owner_name) == ("high", "Alex Moreno")
    assert [a.action for a in detail.activity][-2:] == ["triage", "assign"]  # the entries show at once
    assert "Alex Moreno" in window.detail.activity.toPlainText()
    assert window.unsent_count() == 2  # waiting in the outbox for the server
    assert panel.priority.currentData() == "high" and panel.owner.currentText() == "Me (Alex Moreno)"


def _case_with_sla(created: datetime, **sla: object) -> CaseRow:
    return CaseRow(id="c", status="open", created_at=created, resolved_at=None, closed_at=None,
                   sla=json.dumps({"state": "ok", **sla}))


def test_the_service_level_is_said_in_words_and_moves_with_time(qtbot) -> None:  # noqa: ANN001
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    case = _case_with_sla(created, first_response_due=(created + timedelta(hours=8)).isoformat(),
                          resolution_due=(created + timedelta(days=3)).isoformat())
    assert sla_words(case, created + timedelta(hours=1)) == ("First response due in 7 h 0 min", "text")
    assert sla_words(case, created + timedelta(hours=7)) == ("First response due in 1 h 0 min", "warning_text")
    text, role = sla_words(case, created + timedelta(hours=9, minutes=30))
    assert (text, role) == ("Overdue: first response was due 1 h 30 min ago", "error_text")
    case.sla = json.dumps({"state": "ok", "first_response_due": (created + timedelta(hours=8)).isoformat(),
                           "first_response_at": (created + timedelta(hours=2)).isoformat(),
                           "resolution_due": (created + timedelta(days=3)).isoformat()})
    assert sla_words(case, created + timedelta(hours=10))[0] == "Resolution due in 2 d 14 h"
    case.sla = None
    assert sla_words(case, created)[1] == "muted_text"


def test_a_customer_window_has_no_triage(qtbot, db, offline_window) -> None:  # noqa: ANN001
    seed_cases(db, 3)
    window = offline_window()
    window.open_case(window.model.case_id_at(0))
    assert window.detail.triage is None
    assert not [combo for combo in window.detail.findChildren(QComboBox) if combo.accessibleName() == "Priority"]


def test_bulk_triage_sets_three_cases_and_reaches_the_server(qtbot, signed_in, server_process) -> None:  # noqa: ANN001
    from PySide6.QtCore import QItemSelectionModel

    session = signed_in()
    window = session.window
    window.table.clearSelection()
    for row in range(3):
        window.table.selectionModel().select(
            window.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    case_ids = window.table.selected_case_ids()
    assert len(case_ids) == 3
    dialog = window.staff_desk.triage_selection()
    assert dialog.windowTitle() == "Triage 3 cases"
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()  # nothing chosen yet
    dialog.priority.setCurrentIndex(dialog.priority.findData("low"))
    dialog.source.setCurrentIndex(dialog.source.findData("Chat"))
    dialog.owner.setCurrentIndex(dialog.owner.findData("me"))
    dialog.accept()
    settle()
    rows = [queries.case_detail(window.session.db, case_id).case for case_id in case_ids]
    assert {(r.priority, r.source, r.owner_name) for r in rows} == {("low", "Chat", window.session.identity.name)}
    synced(qtbot, session)
    staff = Staff(server_process.url)
    served = [staff.session.get(f"{staff.url}/cases/{case_id}").json() for case_id in case_ids]
    assert {(c["priority"], c["source"], c["owner_name"]) for c in served} == {
        ("low", "Chat", window.session.identity.name)}


def test_bulk_triage_refuses_a_bad_owner_email_beside_the_field(qtbot, db, offline_window) -> None:  # noqa: ANN001
    agent = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)
    seed_cases(db, 2)
    window = offline_window(identity=agent)
    window.table.selectRow(0)
    dialog = window.staff_desk.triage_selection()
    dialog.owner.setCurrentIndex(dialog.owner.findData("email"))
    dialog.email.setText("not an address")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and "not an email address" in dialog.email_message.text()
    assert dialog.email.text() == "not an address"
