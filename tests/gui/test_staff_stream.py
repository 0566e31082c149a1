"""Staff's stream on the Conversation tab: replies, internal notes and activity in one timeline,
each named by a word and an icon, a filter by kind, the choice of reply or note before sending,
and Delete on one's own notes only. A customer's window of the same case shows none of it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from casedesktop.domain import CommentKind, Role
from casedesktop.store import queries
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, CommentRow, OutboxOp
from casedesktop.ui.case.thread import ACTIVITY, CONVERSATION, EVERYTHING, INTERNAL, Event, Message
from casedesktop.ui.case.thread_widgets import EventLine, MessageCard
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

CASE = str(uuid.UUID(int=1002))
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def agent() -> Identity:
    return Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)


@pytest.fixture
def stream_case(db) -> str:  # noqa: ANN001
    """An open case with a reply, a colleague's note, the agent's own note and two activity lines."""
    seed_cases(db, 3)
    with db.transaction() as session:
        for id_, who, role, kind, body, hours in (
            ("r1", "Alex Moreno", "agent", "reply", "Could you send the export log?", 1),
            ("n-sam", "Sam Lee", "agent", "internal", "Same as the bank feed outage last week?", 2),
            ("n-own", "Alex Moreno", "agent", "internal", "Checked the logs: timeout at 40%.", 3),
            ("r2", "Dana Whitfield", "customer", "reply", "Log attached, thanks.", 4),
        ):
            session.add(CommentRow(id=id_, case_id=CASE, author_name=who, author_role=role, kind=kind, body=body,
                                   created_at=T0 + timedelta(hours=hours)))
        session.add(ActivityRow(id="a-pick", case_id=CASE, actor_name="Alex Moreno", action="pick-up",
                                from_status="new", to_status="open", reason="", created_at=T0 + timedelta(minutes=30)))
        session.add(ActivityRow(id="a-triage", case_id=CASE, actor_name="Sam Lee", action="triage",
                                from_status="open", to_status="open", reason="", created_at=T0 + timedelta(hours=2.5)))
    return CASE


def open_case(window: MainWindow, case_id: str) -> None:
    window.detail.show_case(case_id)
    window.detail.tabs.setCurrentIndex(1)
    settle()


def test_one_stream_names_each_kind_in_words_and_icon(offline_window, agent, stream_case, screenshot) -> None:  # noqa: ANN001
    window = offline_window(identity=agent)
    open_case(window, stream_case)
    view = window.detail.conversation
    kinds = [(item.key, item.kind) for item in view.items]
    assert ("r1", CONVERSATION) in kinds and ("n-own", INTERNAL) in kinds and ("a-triage", ACTIVITY) in kinds
    keys = [key for key, _kind in kinds]
    assert keys.index("a-pick") < keys.index("r1") < keys.index("n-sam") < keys.index("a-triage") < keys.index("n-own")

    reply, note = view.widget_of("r1"), view.widget_of("n-own")
    assert isinstance(reply, MessageCard) and reply.badge.text() == "Reply"
    assert note.badge.text() == "Internal note"
    assert reply.accessibleName().startswith("Reply: ") and note.accessibleName().startswith("Internal note: ")
    # Not by colour alone: each kind has its own icon beside its word.
    reply_icon = reply.badge.parentWidget().findChildren(type(reply.badge))[0].pixmap().toImage()
    note_icon = note.badge.parentWidget().findChildren(type(note.badge))[0].pixmap().toImage()
    assert not reply_icon.isNull() and reply_icon != note_icon
    triage = view.widget_of("a-triage")
    assert isinstance(triage, EventLine) and triage.icon is not None
    assert "Sam Lee changed the priority or category" in triage.label.text()
    window.detail.stream_filter.show()
    screenshot(window.detail, "staff-stream-light")


def test_the_filter_shows_one_kind_or_all(offline_window, agent, stream_case) -> None:  # noqa: ANN001
    window = offline_window(identity=agent)
    open_case(window, stream_case)
    view, bar = window.detail.conversation, window.detail.stream_filter
    everything = len(view.items)

    bar.buttons[INTERNAL].click()
    assert [item.key for item in view.items] == ["n-sam", "n-own"]
    assert [w.item.key for w in view.widgets] == ["n-sam", "n-own"]
    bar.buttons[ACTIVITY].click()
    assert {item.key for item in view.items} == {"a-pick", "a-triage"}
    assert all(isinstance(item, Event) for item in view.items)
    bar.buttons[CONVERSATION].click()
    assert all(isinstance(item, Message) and not item.internal for item in view.items)
    assert "r2" in [item.key for item in view.items]
    bar.buttons[EVERYTHING].click()
    assert len(view.items) == everything

    bar.buttons[INTERNAL].click()  # the choice stays while the case is redrawn
    window.detail.refresh()
    assert [item.key for item in view.items] == ["n-sam", "n-own"]


def test_delete_is_offered_on_ones_own_note_only_and_deletes_it(
        qtbot, monkeypatch, db, offline_window, agent, stream_case) -> None:  # noqa: ANN001
    window = offline_window(identity=agent)
    open_case(window, stream_case)
    view = window.detail.conversation
    assert view.widget_of("n-sam").delete_button is None  # a colleague's note
    assert view.widget_of("r1").delete_button is None  # one's own reply stays
    assert view.widget_of("r2").delete_button is None
    own = view.widget_of("n-own")
    assert own.delete_button is not None and own.delete_button.isVisibleTo(own)

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    own.delete_button.click()
    settle()
    assert asked and view.widget_of("n-own") is not None  # declined: the note stays

    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    own.delete_button.click()
    qtbot.waitUntil(lambda: view.widget_of("n-own") is None)
    assert "n-own" not in {c.id for c in queries.case_detail(db, stream_case).comments}
    with db.reading() as session:
        assert [op.kind for op in session.query(OutboxOp).filter_by(case_id=stream_case)] == ["delete_comment"]


def test_the_kind_is_chosen_before_sending(qtbot, db, offline_window, agent, stream_case) -> None:  # noqa: ANN001
    window = offline_window(identity=agent)
    open_case(window, stream_case)
    reply = window.detail.reply
    assert reply.kind_row.isVisible() and reply.reply_toggle.isChecked()
    assert reply.send_button.text() == "&Send reply"
    base = reply.editor.palette().base().color()

    reply.note_toggle.click()
    assert reply.kind == CommentKind.INTERNAL and reply.note_toggle.isChecked()
    assert reply.send_button.accessibleName() == "Add internal note"
    assert "only support staff" in reply.kind_note.text()
    assert reply.editor.palette().base().color() != base  # tinted as a note, and said in words
    reply.editor.setPlainText("Escalate to the bank team if it fails again.")
    reply.send_button.click()
    qtbot.waitUntil(lambda: reply.editor.toPlainText() == "")
    sent = [c for c in queries.case_detail(db, stream_case).comments if c.body.startswith("Escalate to")]
    assert [c.kind for c in sent] == ["internal"]
    card = window.detail.conversation.widget_of(sent[0].id)
    assert card.badge.text() == "Internal note" and card.delete_button is not None

    reply.reply_toggle.click()
    reply.editor.setPlainText("We found the cause and are fixing it.")
    reply.send_button.click()
    qtbot.waitUntil(lambda: reply.editor.toPlainText() == "")
    kinds = {c.body: c.kind for c in queries.case_detail(db, stream_case).comments}
    assert kinds["We found the cause and are fixing it."] == "reply"


def test_a_customer_sees_no_notes_no_delete_no_staff_controls(offline_window, db, stream_case) -> None:  # noqa: ANN001
    with db.transaction() as session:  # what a customer's cache holds: the server sends them no notes
        session.query(CommentRow).filter_by(kind="internal").delete()
        session.query(ActivityRow).filter_by(action="triage").delete()
    window = offline_window()
    open_case(window, stream_case)
    detail = window.detail
    assert detail.stream_filter is None
    assert not detail.reply.kind_row.isVisible() and not detail.reply.note_toggle.isVisible()
    view = detail.conversation
    assert not view.typed
    cards = [w for w in view.widgets if isinstance(w, MessageCard)]
    assert cards and all(card.delete_button is None and card.badge is None for card in cards)
    assert "Internal note" not in view.toPlainText()
    staff_only = {"Pick up", "Ask customer", "Put on hold", "Resolve", "Merge into…"}
    assert not staff_only & {b.text() for b in detail.header.action_buttons.values()}


def test_staff_stream_in_the_dark_theme(offline_window, agent, stream_case, screenshot, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    from casedesktop.ui import theme

    app = QApplication.instance()
    before = app.palette()
    app.setPalette(theme.dark_palette())
    try:
        window = offline_window(identity=agent)
        open_case(window, stream_case)
        window.detail.reply.note_toggle.click()
        screenshot(window.detail, "staff-stream-dark")
    finally:
        app.setPalette(before)
