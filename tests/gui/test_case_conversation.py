"""The case pane as a customer meets it: the conversation as one thread (description first, inline
status lines, pictures in place, the resolution to accept or reject), safe text with working
links, the Details tab without empty rows, and the actions a customer understands in each state."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from casedesktop.domain import Action
from casedesktop.store import queries, reference
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow
from casedesktop.ui.case import previews
from casedesktop.ui.case.conversation import FIRST_BATCH
from casedesktop.ui.case.thread import Event, Message, Resolution
from casedesktop.ui.case.thread_widgets import EventLine, MessageCard, ResolutionCard
from casedesktop.ui.dialogs import reason as reason_dialog
from casedesktop.ui.dialogs import survey as survey_dialog
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

OPEN, RESOLVED, CLOSED = (str(uuid.UUID(int=n)) for n in (1002, 1005, 1006))  # seed_cases' statuses
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def ten_cases(db) -> None:  # noqa: ANN001
    seed_cases(db, 10)


@pytest.fixture
def window(offline_window) -> MainWindow:  # noqa: ANN001
    return offline_window()


def _reply(db, case_id: str, body: str, minutes: int, author: str = "Alex Moreno", role: str = "agent") -> str:  # noqa: ANN001
    comment_id = str(uuid.uuid4())
    with db.transaction() as session:
        session.add(CommentRow(id=comment_id, case_id=case_id, author_name=author, author_role=role, kind="reply",
                               body=body, created_at=T0 + timedelta(minutes=minutes)))
    return comment_id


def _png(width: int = 320, height: int = 200) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _open(window: MainWindow, case_id: str) -> None:
    window.detail.show_case(case_id)
    window.detail.tabs.setCurrentIndex(1)
    settle()


def test_the_thread_starts_with_the_description_and_shows_an_escalation_inline(qtbot, window: MainWindow, db) -> None:  # noqa: ANN001
    _reply(db, OPEN, "Which version are you on?", 30)
    _reply(db, OPEN, "Version 4.2, on Windows.", 40, author="Dana Whitfield", role="customer")
    _open(window, OPEN)
    assert window.detail.take_action(Action.ESCALATE, "Payroll deadline on Friday")
    settle()
    view = window.detail.conversation
    items = view.items
    assert isinstance(items[0], Message) and items[0].description
    assert items[0].body.startswith("Steps to reproduce 1002")
    assert [i.body for i in items if isinstance(i, Message)][1:] == ["Which version are you on?", "Version 4.2, on Windows."]
    event = items[-1]
    assert isinstance(event, Event) and "escalated the case" in event.text and "Payroll deadline on Friday" in event.text
    assert isinstance(view.widget_of(event.key), EventLine)
    # Who wrote what is said in words, not colour alone: "Support" for staff, "You" for the reader.
    support, mine = (view.widget_of(i.key) for i in items[1:3])
    assert isinstance(support, MessageCard) and support.accessibleName().startswith("Support, ")
    assert mine.accessibleName().startswith("You, ")
    assert mine.accessibleDescription() == "Version 4.2, on Windows."
    assert support.palette().window().color() != mine.palette().window().color()
    assert "Steps to reproduce 1002" in view.toPlainText().split("\n\n")[0]


def test_text_is_never_markup_and_links_open(qtbot, window: MainWindow, db) -> None:  # noqa: ANN001
    comment = _reply(db, OPEN, "<b>x</b> <script>alert(1)</script> see https://example.com/a?b=1&c=2. "
                                "or mailto:help@vendor.example", 30)
    _open(window, OPEN)
    card = window.detail.conversation.widget_of(comment)
    text = card.body.text()
    assert "<b>x</b>" not in text and "<script>" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "&lt;script&gt;" in text
    assert '<a href="https://example.com/a?b=1&amp;c=2">' in text  # the sentence's full stop stays out
    assert '<a href="mailto:help@vendor.example">' in text
    assert card.body.openExternalLinks()
    assert card.body.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    assert "<b>x</b> <script>alert(1)</script>" in window.detail.conversation.toPlainText()


def test_an_image_shows_as_a_thumbnail_and_opens_in_place(qtbot, window: MainWindow, db, monkeypatch) -> None:  # noqa: ANN001
    comment = _reply(db, OPEN, "Here is the screen.", 30, author="Dana Whitfield", role="customer")
    ref = window.session.blobs.add_bytes(_png())
    with db.transaction() as session:
        session.add(AttachmentRow(id=str(uuid.uuid4()), case_id=OPEN, comment_id=comment, filename="screen.png",
                                  size=ref.size, sha256=ref.sha256, content_type="image/png",
                                  uploader_name="Dana Whitfield", created_at=T0 + timedelta(minutes=30)))
    _open(window, OPEN)
    card = window.detail.conversation.widget_of(comment)
    button = next(iter(card.file_buttons.values()))
    previews.settle()
    # 320x200 fitted in 240x160 (the placeholder before it is 240 wide too, but 48 high)
    qtbot.waitUntil(lambda: (button.iconSize().width(), button.iconSize().height()) == (previews.THUMBNAIL.width(), 150),
                    timeout=5000)
    assert button.accessibleName() == "Open the image screen.png"
    assert list((window.session.blobs.root.parent / "previews").glob(f"{ref.sha256}-*.png"))  # kept for next time
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    viewer = window.detail.viewer
    qtbot.waitUntil(lambda: viewer.picture.pixmap() is not None and not viewer.picture.pixmap().isNull(), timeout=5000)
    assert viewer.windowTitle() == "screen.png"
    viewer.reject()


def test_a_recording_shows_its_first_frame_and_plays_in_place(qtbot, window: MainWindow, db, tmp_path) -> None:  # noqa: ANN001
    import av
    import numpy as np

    video = tmp_path / "steps.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 320, 200, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((200, 320, 3), 40 * i, dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    ref = window.session.blobs.add_file(video)
    comment = _reply(db, OPEN, "Recording attached.", 30, author="Dana Whitfield", role="customer")
    with db.transaction() as session:
        session.add(AttachmentRow(id=str(uuid.uuid4()), case_id=OPEN, comment_id=comment, filename="steps.mp4",
                                  size=ref.size, sha256=ref.sha256, content_type="video/mp4",
                                  uploader_name="Dana Whitfield", created_at=T0 + timedelta(minutes=30)))
    _open(window, OPEN)
    button = next(iter(window.detail.conversation.widget_of(comment).file_buttons.values()))
    assert button.accessibleName() == "Play the recording steps.mp4"
    qtbot.waitUntil(lambda: button.iconSize().width() == previews.THUMBNAIL.width(), timeout=10_000)  # the poster
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    viewer = window.detail.viewer
    view = viewer.playback
    qtbot.waitUntil(lambda: view.picture.pixmap() is not None and not view.picture.pixmap().isNull(), timeout=10_000)
    assert view.play_button.accessibleName() == "Play the recording"
    qtbot.waitUntil(lambda: not view.slider.isHidden(), timeout=10_000)  # its length, read off the GUI thread
    assert view.slider.maximum() == 1000 and view.position.text().endswith("/ 0:01")  # 5 frames at 5 a second
    viewer.reject()


def _resolve(db, case_id: str, summary: str) -> None:  # noqa: ANN001
    with db.transaction() as session:
        row = session.get_one(CaseRow, case_id)
        row.status, row.resolution_summary, row.resolved_at = "resolved", summary, T0 + timedelta(hours=2)
        session.add(ActivityRow(id=str(uuid.uuid4()), case_id=case_id, actor_name="Alex Moreno", action="resolve",
                                from_status="open", to_status="resolved", reason=summary,
                                created_at=T0 + timedelta(hours=2)))


def test_accept_in_the_thread_closes_the_case(qtbot, window: MainWindow, db, monkeypatch) -> None:  # noqa: ANN001
    _resolve(db, OPEN, "Cleared the stuck export job; see https://status.example.com")
    monkeypatch.setattr(survey_dialog.SurveyDialog, "exec", lambda self: survey_dialog.SurveyDialog.DialogCode.Accepted)
    _open(window, OPEN)
    resolution = window.detail.conversation.items[-1]
    assert isinstance(resolution, Resolution) and resolution.actions == (Action.ACCEPT, Action.REJECT)
    card = window.detail.conversation.widget_of(resolution.key)
    assert isinstance(card, ResolutionCard) and '<a href="https://status.example.com">' in card.summary.text()
    assert card.buttons[Action.ACCEPT].toolTip() == Action.ACCEPT.explanation
    qtbot.mouseClick(card.buttons[Action.ACCEPT], Qt.MouseButton.LeftButton)
    settle()
    assert queries.case_detail(db, OPEN).case.status == "closed"
    assert not any(isinstance(i, Resolution) for i in window.detail.conversation.items)


def test_reject_in_the_thread_asks_why_and_reopens(qtbot, window: MainWindow, db, monkeypatch) -> None:  # noqa: ANN001
    _resolve(db, OPEN, "Cleared the stuck export job.")
    asked = []

    def fake_exec(dialog: reason_dialog.ReasonDialog) -> int:
        asked.append(dialog.explanation.text())
        dialog.text.setPlainText("The export still stops at 40%")
        return reason_dialog.ReasonDialog.DialogCode.Accepted

    monkeypatch.setattr(reason_dialog.ReasonDialog, "exec", fake_exec)
    _open(window, OPEN)
    card = window.detail.conversation.widget_of(window.detail.conversation.items[-1].key)
    qtbot.mouseClick(card.buttons[Action.REJECT], Qt.MouseButton.LeftButton)
    settle()
    assert asked == [Action.REJECT.explanation]  # the dialog says what the button's tooltip says
    detail = queries.case_detail(db, OPEN)
    assert detail.case.status == "open"
    assert detail.activity[-1].reason == "The export still stops at 40%"
    assert "The export still stops at 40%" in window.detail.conversation.toPlainText()


def test_details_hide_empty_fields_and_the_account_of_a_one_account_user(db, offline_window) -> None:  # noqa: ANN001
    reference.save(db, reference.Reference(accounts=[reference.Account("a1", "Northwind Traders")]))
    window = offline_window()
    window.detail.show_case(OPEN)
    fields = window.detail.fields
    labels = window.detail.field_labels
    assert labels["status"].isVisibleTo(fields) and labels["status"].accessibleName() == "Status: Open"
    assert labels["product"].accessibleName() == "Product: Ledger Desktop"
    for empty in ("environment", "category", "cc_emails", "resolved_at", "resolution_summary"):
        assert not labels[empty].isVisibleTo(fields), empty
    assert not fields.headings["Resolution"].isVisibleTo(fields)  # a section with nothing in it goes too
    assert not labels["account_name"].isVisibleTo(fields)  # one account: nothing to tell apart
    name = fields.form.labelForField(labels["status"])
    assert name.buddy() is labels["status"]


def test_details_show_the_account_to_a_user_of_several(db, offline_window) -> None:  # noqa: ANN001
    reference.save(db, reference.Reference(accounts=[reference.Account("a1", "Northwind Traders"),
                                                     reference.Account("a2", "Contoso")]))
    window = offline_window()
    window.detail.show_case(OPEN)
    label = window.detail.field_labels["account_name"]
    assert label.isVisibleTo(window.detail.fields) and label.accessibleName() == "Account: Contoso"


def test_a_close_request_shows_at_once_and_is_not_offered_again(qtbot, window: MainWindow, monkeypatch) -> None:  # noqa: ANN001
    shown = []

    def fake_exec(dialog: reason_dialog.ReasonDialog) -> int:
        shown.append((dialog.explanation.text(), dialog.confirm.isEnabled()))
        return reason_dialog.ReasonDialog.DialogCode.Accepted

    monkeypatch.setattr(reason_dialog.ReasonDialog, "exec", fake_exec)
    _open(window, OPEN)
    buttons = window.detail.action_buttons
    assert buttons[Action.REQUEST_CLOSE].toolTip() == "Ask support to confirm it is solved and close it."
    assert buttons[Action.CLOSE].toolTip() == "Close it now: you no longer need help."
    qtbot.mouseClick(buttons[Action.REQUEST_CLOSE], Qt.MouseButton.LeftButton)
    settle()  # stored locally: the server has not heard of it yet
    assert shown == [("Ask support to confirm it is solved and close it.", True)]  # a comment is optional
    assert window.detail.header.status.text() == "Status: Open · Close requested"
    assert Action.REQUEST_CLOSE not in window.detail.action_buttons
    assert Action.CLOSE in window.detail.action_buttons
    assert "You asked to close the case" in window.detail.conversation.toPlainText()


CUSTOMER_ACTIONS = {
    OPEN: [Action.ESCALATE, Action.REQUEST_CLOSE, Action.CLOSE],
    RESOLVED: [Action.ACCEPT, Action.REJECT],  # accepting closes it: no Close case beside it
    CLOSED: [Action.REOPEN],
}


@pytest.mark.parametrize(("case_id", "expected"), CUSTOMER_ACTIONS.items(), ids=["open", "resolved", "closed"])
def test_actions_offered_in_each_state_explain_themselves(window: MainWindow, case_id: str, expected: list) -> None:
    window.detail.show_case(case_id)
    assert list(window.detail.action_buttons) == expected
    for action, button in window.detail.action_buttons.items():
        assert button.toolTip() == action.explanation and button.toolTip()


def test_a_closed_case_offers_reopen_instead_of_a_reply(qtbot, window: MainWindow, monkeypatch) -> None:  # noqa: ANN001
    _open(window, CLOSED)
    reply = window.detail.reply
    assert reply.closed_row.isVisibleTo(window.detail) and reply.reopen_button.isVisibleTo(window.detail)
    assert "closed" in reply.closed_note.text()
    assert not window.detail.send_button.isEnabled()
    chosen = []
    monkeypatch.setattr(window.detail, "take_action", lambda action, text=None: chosen.append(action))
    reply.reopenRequested.disconnect()
    reply.reopenRequested.connect(lambda: window.detail.take_action(Action.REOPEN))
    qtbot.mouseClick(reply.reopen_button, Qt.MouseButton.LeftButton)
    assert chosen == [Action.REOPEN]
    _open(window, OPEN)
    assert not reply.closed_row.isVisibleTo(window.detail) and window.detail.send_button.isEnabled()


def test_the_reply_box_tabs_out_sends_with_ctrl_enter_and_explains_files_alone(qtbot, window: MainWindow, db, tmp_path) -> None:  # noqa: ANN001
    _open(window, OPEN)
    editor = window.detail.reply_box
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert not editor.hasFocus() and "\t" not in editor.toPlainText()

    log = tmp_path / "console.log"
    log.write_text("error 42\n")
    assert window.detail.reply.files.add_paths([log])
    window.detail.send_button.click()
    assert "Add a few words about the files" in window.detail.reply_error.text()
    assert window.detail.reply.files.files()  # nothing is lost

    editor.setFocus()
    qtbot.keyClicks(editor, "The log from this morning.")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert editor.toPlainText() == ""
    assert queries.case_detail(db, OPEN).comments[-1].body == "The log from this morning."


def test_a_long_thread_opens_fast_and_grows_upwards(qtbot, window: MainWindow, db) -> None:  # noqa: ANN001
    with db.transaction() as session:
        for i in range(500):
            staff = i % 2 == 0
            session.add(CommentRow(id=str(uuid.uuid4()), case_id=OPEN, author_name="Alex Moreno" if staff else "Dana Whitfield",
                                   author_role="agent" if staff else "customer", kind="reply",
                                   body=f"Message {i}: see https://example.com/{i}", created_at=T0 + timedelta(minutes=10 + i)))
    started = time.perf_counter()
    _open(window, OPEN)
    QApplication.processEvents()
    assert time.perf_counter() - started < 2.0
    view = window.detail.conversation
    assert len(view.items) == 501 and len(view.widgets) == FIRST_BATCH
    assert view.widgets[-1].item.body.startswith("Message 499")
    assert "Steps to reproduce 1002" in view.toPlainText()  # the description is there before it is made
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() == view.verticalScrollBar().maximum())

    # Keyboard: Tab reaches the view, Up enters at the newest message and goes back, Home reaches the description.
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.widgets[-1].hasFocus()
    qtbot.keyClick(view.widgets[-1], Qt.Key.Key_Up)
    assert view.widgets[-2].hasFocus()
    qtbot.keyClick(view.widgets[-2], Qt.Key.Key_Home)
    assert len(view.widgets) == 501 and view.widgets[0].hasFocus()
    assert view.widgets[0].item.description


def test_attachments_tab_says_when_there_are_none(window: MainWindow) -> None:
    window.detail.show_case(OPEN)
    tab = window.detail.attachments
    assert tab.empty.isVisibleTo(tab) and not tab.tree.isVisibleTo(tab)
    assert tab.empty.text().startswith("No attachments yet.")
