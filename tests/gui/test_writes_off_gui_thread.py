"""The window never writes to the cache on the GUI thread: the sync thread holds SQLite's write
lock for each feed page, and a GUI-thread write would freeze the window while it waits."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from casedesktop.domain import Action, Role
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)


@pytest.fixture
def db(profile_dir):
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


def test_opening_replying_acting_and_creating_write_off_the_gui_thread(qtbot, db: CacheDB, monkeypatch) -> None:
    seed_cases(db, 20)
    with db.transaction() as session:
        session.execute(update(CaseRow).values(unread=True))
    writers: list[bool] = []  # for each write transaction: was it on the GUI thread?
    original = CacheDB.transaction

    @contextmanager
    def watched(self):  # noqa: ANN001, ANN202
        writers.append(QThread.currentThread() is QApplication.instance().thread())
        with original(self) as session:
            yield session

    monkeypatch.setattr(CacheDB, "transaction", watched)
    window = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    case_id = str(uuid.UUID(int=1002))  # an open case
    window.select_case(case_id)  # opening an unread case marks it read
    settle()
    window.detail.reply_box.setPlainText("Here is the log you asked for.")
    window.detail.send_button.click()
    settle()
    assert window.detail.take_action(Action.ESCALATE, "Payroll deadline tomorrow")
    settle()
    dialog = window.open_new_case()
    dialog.subject.setText("Export stops at 80 %")
    dialog.description.setPlainText("Since this morning the export stops with error 0x80.")
    dialog.create()
    settle()

    assert dialog.created_case_id is not None
    assert window.detail.reply_box.toPlainText() == ""  # the reply was taken...
    assert "waiting to sync" in window.detail.title.text()  # ...and the action too
    assert len(writers) >= 4  # read mark, reply, action, new case
    assert not any(writers), f"{writers.count(True)} of {len(writers)} writes ran on the GUI thread"
