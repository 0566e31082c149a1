"""The window never writes to the cache on the GUI thread: the sync thread holds SQLite's write
lock for each feed page, and a GUI-thread write would freeze the window while it waits."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from casedesktop.domain import Action
from casedesktop.store.database import CacheDB
from casedesktop.store.models import CaseRow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases


def test_opening_replying_acting_and_creating_write_off_the_gui_thread(db: CacheDB, offline_window, monkeypatch) -> None:
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
    window = offline_window(size=None)

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
