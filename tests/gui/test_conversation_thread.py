"""The thread's pieces on their own: links made from escaped text, the files that went with the
description, and Tab through the thread's links and buttons, then out to the reply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casedesktop.domain import Role
from casedesktop.store.meta import Identity
from casedesktop.store.models import AttachmentRow, CaseRow, CommentRow
from casedesktop.ui.case.thread import Message, linkify
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

OPEN = str(uuid.UUID(int=1002))
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "rich"), [
    ("see https://example.com.", 'see <a href="https://example.com">https://example.com</a>.'),
    ("(https://en.wikipedia.org/wiki/Ledger_(book))", '(<a href="https://en.wikipedia.org/wiki/Ledger_(book)">'
                                                      'https://en.wikipedia.org/wiki/Ledger_(book)</a>)'),
    ("mail mailto:help@vendor.example!", 'mail <a href="mailto:help@vendor.example">mailto:help@vendor.example</a>!'),
    ('https://x.example/"onmouseover="alert(1)', '<a href="https://x.example/">https://x.example/</a>'
                                                  '&quot;onmouseover=&quot;alert(1)'),
    ("javascript:alert(1) and ftp://old.example", "javascript:alert(1) and ftp://old.example"),
    # Markup in the text stays text; the address in it is still a link of its own.
    ("<a href='https://evil.example'>x</a>", '&lt;a href=&#x27;<a href="https://evil.example">https://evil.example</a>'
                                             "&#x27;&gt;x&lt;/a&gt;"),
    ("https:// alone", "https:// alone"),
])
def test_links_are_made_from_escaped_text_only(text: str, rich: str) -> None:
    assert linkify(text) == rich


@pytest.fixture
def window(db, offline_window) -> MainWindow:  # noqa: ANN001
    seed_cases(db, 5)
    with db.transaction() as session:
        created = session.get_one(CaseRow, OPEN).created_at
        session.add(AttachmentRow(id=str(uuid.uuid4()), case_id=OPEN, comment_id=None, filename="invoice.pdf", size=52_000,
                                  sha256="a" * 64, content_type="application/pdf", uploader_name="Dana Whitfield",
                                  created_at=created))
        session.add(CommentRow(id="c1", case_id=OPEN, author_name="Alex Moreno", author_role="agent", kind="reply",
                               body="See https://help.example.com/a and https://help.example.com/b",
                               created_at=T0 + timedelta(hours=1)))
        session.add(CommentRow(id="c2", case_id=OPEN, author_name="Dana Whitfield", author_role="customer", kind="reply",
                               body="Thanks, trying now.", created_at=T0 + timedelta(hours=2)))
    main = offline_window()
    main.detail.show_case(OPEN)
    main.detail.tabs.setCurrentIndex(1)
    settle()
    return main


def test_files_sent_with_the_case_belong_to_the_description(window: MainWindow) -> None:
    description = window.detail.conversation.items[0]
    assert isinstance(description, Message) and description.description
    assert [f.attachment.filename for f in description.files] == ["invoice.pdf"]
    assert not description.files[0].local
    button = window.detail.conversation.widget_of(description.key).file_buttons[description.files[0].attachment.id]
    assert button.accessibleName() == "Download and open invoice.pdf"


def test_tab_goes_through_the_threads_links_then_to_the_reply(qtbot, window: MainWindow) -> None:
    view = window.detail.conversation
    invoice = next(iter(view.widget_of(view.items[0].key).file_buttons.values()))
    links = view.widget_of("c1").body
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Home)  # into the messages, at the description
    assert view.widgets[0].hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is invoice
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is links
    for _link in range(3):  # the label walks its links, then Tab leaves the thread
        if QApplication.focusWidget() is not links:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.detail.reply_box  # out of the thread, to the reply
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is view


def test_staff_read_internal_notes_marked_as_such(db, offline_window) -> None:  # noqa: ANN001
    agent = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)
    seed_cases(db, 5)
    with db.transaction() as session:
        session.add(CommentRow(id="n1", case_id=OPEN, author_name="Sam Lee", author_role="agent", kind="internal",
                               body="Bank API outage?", created_at=T0 + timedelta(hours=1)))
    main = offline_window(identity=agent, show=False)
    main.detail.show_case(OPEN)
    view = main.detail.conversation
    description, note = view.items[0], view.items[1]
    assert description.author == "Dana Whitfield" and not description.mine  # the customer, by name
    assert note.internal and note.author == "Sam Lee"
    card = view.widget_of("n1")
    assert card.badge.text() == "Internal note" and "staff only" in card.tags.text()
    assert card.delete_button is None  # a colleague's note: only its author may delete it
    assert card.palette().window().color() != view.widget_of(description.key).palette().window().color()


def test_a_messages_files_wrap_instead_of_widening_the_thread(qtbot) -> None:  # noqa: ANN001
    """Four pictures in a pane room for two: two rows of two, nothing wider than the pane."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from casedesktop.ui.flow_layout import FlowLayout

    pane = QWidget()
    qtbot.addWidget(pane)
    column = QVBoxLayout(pane)
    files = FlowLayout(spacing=6)
    pictures = []
    for _ in range(4):
        picture = QLabel()
        picture.setFixedSize(240, 160)
        files.addWidget(picture)
        pictures.append(picture)
    column.addLayout(files)
    column.addStretch(1)
    pane.resize(520, 600)
    pane.show()
    qtbot.waitExposed(pane)
    assert pane.minimumSizeHint().width() < 520  # the files never force the pane wider
    rows = sorted({p.geometry().top() for p in pictures})
    assert len(rows) == 2 and rows[1] - rows[0] == 166
    assert all(p.geometry().right() < pane.width() for p in pictures)
    assert files.heightForWidth(1000) == 160 and files.heightForWidth(300) == 4 * 160 + 3 * 6
