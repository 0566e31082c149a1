"""The case pane's layout as a user meets it: it opens on the Conversation, the Details rows are
even, a long message wraps instead of widening the pane, Request close asks for its text, and the
files waiting in the reply box show pictures, take only their rows' height and are picked from
the user's folders."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QTextBrowser

from casedesktop.domain import Action
from casedesktop.ui.case import attachment_list, previews
from casedesktop.ui.case.detail_pane import CONVERSATION_TAB
from casedesktop.ui.dialogs import reason as reason_dialog
from casedesktop.ui.dialogs.changes import ChangesDialog
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

OPEN, OTHER = (str(uuid.UUID(int=n)) for n in (1002, 1003))
DETAILS_TAB = 0


@pytest.fixture(autouse=True)
def ten_cases(db) -> None:  # noqa: ANN001
    seed_cases(db, 10)


@pytest.fixture
def window(offline_window) -> MainWindow:  # noqa: ANN001
    return offline_window()


def _show(window: MainWindow, case_id: str) -> None:
    window.detail.show_case(case_id)
    settle()


def test_a_case_opens_on_the_conversation_and_the_chosen_tab_stays_for_the_next(window: MainWindow) -> None:
    _show(window, OPEN)
    assert window.detail.tabs.currentIndex() == CONVERSATION_TAB
    window.detail.tabs.setCurrentIndex(DETAILS_TAB)
    _show(window, OTHER)
    assert window.detail.tabs.currentIndex() == DETAILS_TAB


def test_details_rows_are_one_line_each_with_names_on_the_first_line(qtbot, window: MainWindow, db) -> None:  # noqa: ANN001
    with db.transaction() as session:
        from casedesktop.store.models import CaseRow

        case = session.get(CaseRow, OPEN)
        case.contact_name, case.contact_email = "Dana Whitfield", "dana.whitfield@northwind.example"
    _show(window, OPEN)
    window.detail.tabs.setCurrentIndex(DETAILS_TAB)
    fields = window.detail.fields
    qtbot.waitUntil(fields.isVisible)
    severity = fields.labels["severity"]
    assert severity.text() == "Urgent" and severity.toolTip()  # its meaning on hover, not a second line
    assert "Urgent" in severity.accessibleName() and "difficulty" in severity.accessibleName()
    shown = [label for label in fields.labels.values() if label.isVisible()]
    single = [label for label in shown if label is not fields.labels["contact"]]
    assert len({label.height() for label in single}) == 1  # every one-line row alike
    contact_name = fields.form.labelForField(fields.labels["contact"])
    assert contact_name.alignment() & Qt.AlignmentFlag.AlignTop  # beside the value's first line
    assert not fields.findChildren(QTextBrowser)  # the description opens the Conversation instead


def test_request_close_asks_for_its_text_through_the_dialog(qtbot, window: MainWindow, monkeypatch) -> None:  # noqa: ANN001
    _show(window, OPEN)
    asked = []

    def fake_exec(dialog: reason_dialog.ReasonDialog) -> int:
        asked.append((dialog.confirm.text(), dialog.windowTitle()))
        dialog.text.setPlainText("All good now")
        return reason_dialog.ReasonDialog.DialogCode.Accepted

    monkeypatch.setattr(reason_dialog.ReasonDialog, "exec", fake_exec)
    qtbot.mouseClick(window.detail.action_buttons[Action.REQUEST_CLOSE], Qt.MouseButton.LeftButton)
    settle()
    assert asked == [(Action.REQUEST_CLOSE.label, Action.REQUEST_CLOSE.label)]
    for action in Action:
        dialog = reason_dialog.ReasonDialog(action, required=False)
        assert dialog.confirm.text() == action.label
        dialog.deleteLater()


def test_the_changes_dialog_wraps_its_intro(qtbot, db) -> None:  # noqa: ANN001
    dialog = ChangesDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.intro.wordWrap() and "Your text is kept" in dialog.intro.text()


def test_files_without_words_get_a_short_wrapped_message_that_keeps_the_pane_width(qtbot, window: MainWindow,  # noqa: ANN001
                                                                                   tmp_path: Path) -> None:
    _show(window, OPEN)
    qtbot.waitUntil(window.detail.reply.isVisible)
    sizes = window.splitter.sizes()
    pane_minimum = window.detail.minimumSizeHint().width()
    log = tmp_path / "console.log"
    log.write_text("error 42\n")
    assert window.detail.reply.files.add_paths([log])
    window.detail.send_button.click()
    error = window.detail.reply_error
    assert error.text().startswith("Add a few words about the files") and error.wordWrap()
    assert "Attachments tab" in error.toolTip()  # the other way, for whoever wants it
    qtbot.wait(50)  # the layout has settled
    assert window.detail.minimumSizeHint().width() == pane_minimum
    assert window.splitter.sizes() == sizes
    error.setText("A much longer refusal " * 20)  # any message, from the cache or a file check
    qtbot.wait(50)
    assert window.detail.minimumSizeHint().width() == pane_minimum
    assert window.splitter.sizes() == sizes
    assert window.detail.attachments.message.wordWrap()


def test_the_picker_starts_in_pictures_or_home_then_where_the_user_was(qtbot, window: MainWindow, monkeypatch,  # noqa: ANN001
                                                                       tmp_path: Path) -> None:
    monkeypatch.setattr(attachment_list, "_last_folder", None)
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
    folders = []
    picked = tmp_path / "shots" / "screen.txt"
    picked.parent.mkdir()
    picked.write_text("what the screen said")

    def fake_pick(parent, caption, folder="", *args):  # noqa: ANN001, ANN002, ANN202
        folders.append(folder)
        return [str(picked)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(fake_pick))
    files = window.detail.reply.files
    files.pick()
    files.pick()
    assert folders[0] in (pictures, home) and folders[0] != os.getcwd()
    assert folders[1] == str(picked.parent)
    assert [f.filename for f in files.files()] == ["screen.txt", "screen.txt"]


def test_an_image_waiting_to_be_sent_shows_its_picture_in_a_list_no_taller_than_its_rows(qtbot, window: MainWindow,  # noqa: ANN001
                                                                                         tmp_path: Path) -> None:
    _show(window, OPEN)
    files = window.detail.reply.files
    qtbot.waitUntil(window.detail.reply.isVisible)
    assert not files.list.isVisible()  # nothing attached: no empty box
    picture = tmp_path / "screenshot.png"
    image = QImage(640, 400, QImage.Format.Format_RGB32)
    image.fill(QColor(0, 139, 139))
    assert image.save(str(picture))
    note = tmp_path / "notes.txt"
    note.write_text("steps")
    assert files.add_paths([picture, note])
    assert files.list.isVisible()
    qtbot.wait(50)  # laid out
    rows = [files.list.visualItemRect(files.list.item(i)) for i in range(2)]
    assert all(rect.height() >= attachment_list.ICON_SIZE.height() for rect in rows)
    assert rows[-1].bottom() < files.list.viewport().height()  # both rows whole, no scrolling
    assert files.list.viewport().height() - rows[-1].bottom() < rows[-1].height()  # and no empty box under them
    previews.settle()
    item = files.list.item(0)
    qtbot.waitUntil(lambda: item.icon().pixmap(attachment_list.ICON_SIZE).toImage()
                    .pixelColor(16, 16) == QColor(0, 139, 139))
    files.clear()
    assert not files.list.isVisible()
