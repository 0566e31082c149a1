"""The New Case dialog on real widgets: validation shown beside each field, attachments (picker,
drop, paste), drafts that survive closing and a crash, the keyboard."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from casedesktop.domain import Role
from casedesktop.store import queries, reference
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.reference import Account, Contact, Reference
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.tasks import settle

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
TWO_ACCOUNTS = Reference(
    products=["Ledger Cloud", "Payroll"],
    accounts=[Account("a1", "Northwind Traders", [Contact("c1", "Sam Lee", "sam@northwind.example")]),
              Account("a2", "Contoso", [])],
)


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


@pytest.fixture
def dialog(qtbot, db):
    widget = NewCaseDialog(ProfileSession.offline(db, ME), reference=Reference(products=["Ledger Cloud", "Payroll"]))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def fill(qtbot, dialog: NewCaseDialog, subject: str = "Payroll export fails", description: str = "It stops at 80 %.") -> None:  # noqa: ANN001
    dialog.subject.setText(subject)
    dialog.description.setPlainText(description)


def activate(qtbot, dialog: NewCaseDialog) -> None:  # noqa: ANN001
    """Make the dialog the active window, so that keys and focus go where a user's would."""
    with qtbot.waitActive(dialog):
        dialog.activateWindow()


def drop(dialog: NewCaseDialog, paths: list[Path]) -> None:
    """Deliver drag-enter and drop as the window system would (QApplication refuses synthetic
    drops that its drag manager did not start, so the events go to the widget's own handler)."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = dialog.attachments
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, data, buttons, modifiers)
    assert target.event(enter) and enter.isAccepted()
    assert target.event(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, buttons, modifiers))


@pytest.mark.parametrize(
    ("subject", "description", "cc", "field", "message"),
    [
        ("", "text", "", "subject", "Enter a subject"),
        ("Subject", "", "", "description", "Describe the problem"),
        ("Subject", "text", "sam@northwind, ok@example.com", "cc_emails", "sam@northwind is not an email address"),
    ],
)
def test_each_problem_blocks_create_with_its_message_next_to_its_field(
        qtbot, dialog, db, subject, description, cc, field, message) -> None:  # noqa: ANN001
    fill(qtbot, dialog, subject, description)
    dialog.cc.setText(cc)
    assert dialog.create_button.isEnabled()
    assert not any(m.text() for m in dialog.messages.values())  # nothing said before Create
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    shown = {key: m.text() for key, m in dialog.messages.items() if m.text()}
    assert list(shown) == [field] and message in shown[field]
    assert message in dialog.messages[field].field.accessibleDescription()
    settle()  # the write lane has nothing, and nothing reached the window
    assert queries.count_cases(db) == 0


def test_a_product_is_required(qtbot, dialog) -> None:
    fill(qtbot, dialog)
    dialog.product.setCurrentText("")
    dialog.create()
    assert "Choose the product" in dialog.messages["product"].text()
    assert dialog.focusWidget() in (dialog.product, dialog.product.lineEdit())  # where to fix it


def test_account_choice_appears_only_for_several_accounts(qtbot, db) -> None:
    several = NewCaseDialog(ProfileSession.offline(db, ME), reference=TWO_ACCOUNTS)
    qtbot.addWidget(several)
    several.show()
    assert several.account.isVisible()
    assert [several.contact.itemText(i) for i in range(several.contact.count())] == [
        "Me (Dana Whitfield)", "Sam Lee <sam@northwind.example>"]
    several.account.setCurrentIndex(1)
    assert several.contact.count() == 1
    single = NewCaseDialog(ProfileSession.offline(db, ME), reference=Reference(accounts=TWO_ACCOUNTS.accounts[:1]))
    qtbot.addWidget(single)
    single.show()
    assert not single.account.isVisible()


def test_attachments_by_drop_and_paste_then_create(qtbot, dialog, db, tmp_path: Path) -> None:
    unicode_name = tmp_path / "Protokoll März – 日本.txt"
    unicode_name.write_text("log line\n", encoding="utf-8")
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    drop(dialog, [unicode_name, empty])
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    QGuiApplication.clipboard().setImage(image)
    assert dialog.attachments.paste_image()
    names = [f.filename for f in dialog.attachments.files()]
    assert names == ["Protokoll März – 日本.txt", "empty.log", "pasted-image.png"]
    fill(qtbot, dialog)
    unicode_name.unlink()  # the original may vanish: the copy is in the blob store
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    settle()  # the write lane has it, and its Changes reached the window
    detail = queries.case_detail(db, dialog.created_case_id)
    assert [(a.filename, a.size) for a in detail.attachments] == [
        ("Protokoll März – 日本.txt", len(b"log line\n")), ("empty.log", 0), ("pasted-image.png", dialog.attachments.files()[2].size)]
    assert all(dialog.attachments.blobs.has(a.sha256) for a in detail.attachments)


def test_remove_takes_the_selected_file_and_always_has_one_selected(qtbot, dialog, tmp_path: Path) -> None:
    paths = []
    for name in ("a.txt", "b.txt", "c.txt"):
        paths.append(tmp_path / name)
        paths[-1].write_text(name)
    drop(dialog, paths)
    files = dialog.attachments
    assert files.list.currentRow() == 2  # the newest is selected: Remove never does nothing
    qtbot.mouseClick(files.remove_button, Qt.MouseButton.LeftButton)
    assert [f.filename for f in files.files()] == ["a.txt", "b.txt"] and files.list.currentRow() >= 0
    files.list.setCurrentRow(0)
    qtbot.mouseClick(files.remove_button, Qt.MouseButton.LeftButton)
    assert [f.filename for f in files.files()] == ["b.txt"]
    qtbot.mouseClick(files.remove_button, Qt.MouseButton.LeftButton)
    assert files.files() == [] and not files.remove_button.isEnabled()


def test_refused_files_say_why_and_add_nothing(qtbot, dialog, tmp_path: Path) -> None:
    big = tmp_path / "memory.dmp"
    with open(big, "wb") as handle:
        handle.truncate(45 * 1024 * 1024)
    folder = tmp_path / "logs"
    folder.mkdir()
    drop(dialog, [big])
    said = dialog.attachments_message
    assert "memory.dmp is 45 MB; files can be at most 40 MB" in said.text()
    assert said.kind == "error" and "memory.dmp is 45 MB" in dialog.attachments.add_button.accessibleDescription()
    drop(dialog, [folder])
    assert "logs is a folder" in said.text()
    drop(dialog, [tmp_path / "vanished.txt"])
    assert "Cannot read vanished.txt" in said.text()
    QGuiApplication.clipboard().setText("just text")
    assert not dialog.attachments.paste_image()
    assert "no image" in said.text()
    assert dialog.attachments.files() == []
    fill(qtbot, dialog)  # typing elsewhere leaves the message where the files are
    assert "no image" in said.text()


def test_draft_survives_closing_the_dialog(qtbot, db, tmp_path: Path) -> None:
    first = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(first)
    fill(qtbot, first, "Half-written subject", "Half-written description")
    attached = tmp_path / "screenshot.png"
    attached.write_bytes(b"\x89PNG fake but bytes")
    first.attachments.add_paths([attached])
    first.reject()  # Cancel
    again = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(again)
    assert again.subject.text() == "Half-written subject"
    assert again.description.toPlainText() == "Half-written description"
    assert [f.filename for f in again.attachments.files()] == ["screenshot.png"]
    assert "draft" in again.draft_note.text()
    again.discard_draft()
    third = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(third)
    assert third.subject.text() == ""


CRASHING_WRITER = """
import os, sys, uuid
from pathlib import Path
from PySide6.QtWidgets import QApplication
from casedesktop.domain import Role
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.session import ProfileSession
app = QApplication([])
db = open_cache(Path(sys.argv[1]))
dialog = NewCaseDialog(ProfileSession.offline(db, Identity("http://x", str(uuid.uuid4()), "d@e.example", "D", Role.CUSTOMER)))
dialog.subject.setText("Typed before the crash")
dialog.description.setPlainText("Every word of this must come back")
app.processEvents()
import time
deadline = time.monotonic() + 5
while time.monotonic() < deadline and not (Path(sys.argv[1]) / "drafts" / "new-case.json").exists():
    app.processEvents(); time.sleep(0.05)
os._exit(9)  # no clean-up, no close event: like a crash
"""


def test_draft_survives_a_crash_and_a_fresh_process_reads_it(qtbot, profile_dir: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    result = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(profile_dir)], env=env, timeout=60)
    assert result.returncode == 9
    db = open_cache(profile_dir)
    try:
        restored = NewCaseDialog(ProfileSession.offline(db, ME))
        qtbot.addWidget(restored)
        assert restored.subject.text() == "Typed before the crash"
        assert restored.description.toPlainText() == "Every word of this must come back"
    finally:
        db.close()


def test_a_product_the_vendor_does_not_list_is_refused_and_case_is_forgiven(qtbot, dialog, db) -> None:  # noqa: ANN001
    reference.save(db, dialog.reference)  # what the last sync cached; the store checks it too
    fill(qtbot, dialog)
    dialog.product.setCurrentText("Ledger Clod")
    dialog.create()
    assert "There is no product 'Ledger Clod'" in dialog.messages["product"].text()
    dialog.product.setCurrentText("  payroll ")
    assert dialog.messages["product"].text() == ""  # gone as soon as the field is right
    dialog.create()
    settle()  # the write lane has it, and its Changes reached the window
    case = queries.case_detail(db, dialog.created_case_id)
    assert case.case.product == "Payroll"  # stored as the vendor spells it


def test_enter_means_create_after_any_attachment_button_was_clicked(qtbot, dialog) -> None:  # noqa: ANN001
    """The record and attach buttons never become the default: Enter does not start a recording."""
    started: list[bool] = []
    dialog.recordRequested.connect(lambda: started.append(True))
    for button in (dialog.record_button, dialog.attachments.add_button, dialog.attachments.paste_button):
        button.setFocus()
        assert not button.autoDefault() and not button.isDefault()
    dialog.record_button.setFocus()
    qtbot.keyClick(dialog.record_button, Qt.Key.Key_Return)
    assert started == []


# --- errors next to their fields, the keyboard ---------------------------------------------------


def geometry_of(dialog: NewCaseDialog) -> dict[str, tuple[int, int, int, int]]:
    """Where each field and button is, in the dialog's coordinates, and the dialog's own size."""
    widgets = {"product": dialog.product, "environment": dialog.environment, "type": dialog.case_type,
               "severity": dialog.severity, "subject": dialog.subject, "description": dialog.description,
               "cc": dialog.cc, "attach": dialog.attachments.add_button, "create": dialog.create_button}
    places = {}
    for name, widget in widgets.items():
        top_left = widget.mapTo(dialog, widget.rect().topLeft())
        places[name] = (top_left.x(), top_left.y(), widget.width(), widget.height())
    places["dialog"] = (0, 0, dialog.width(), dialog.height())
    return places


def test_create_on_an_empty_form_says_what_is_missing_beside_each_field_and_nothing_moves(qtbot, dialog, db) -> None:  # noqa: ANN001
    activate(qtbot, dialog)
    assert dialog.create_button.isEnabled()  # enabled with nothing typed: pressing it says why not
    before = geometry_of(dialog)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert geometry_of(dialog) == before

    subject, description = dialog.messages["subject"], dialog.messages["description"]
    assert subject.text() == "Enter a subject: one line that sums up the problem."
    assert description.text() == "Describe the problem: what you did and what happened."
    assert not dialog.messages["cc_emails"].text() and not dialog.messages["product"].text()
    for field, message in ((dialog.subject, subject), (dialog.description, description)):
        assert message.isVisible() and message.kind == "error"
        under = message.mapTo(dialog, message.rect().topLeft())
        above = field.mapTo(dialog, field.rect().bottomLeft())
        assert under.x() == above.x() and 0 < under.y() - above.y() <= 4  # right under its field
        assert field.property("invalid") is True and field.accessibleDescription() == message.text()
    assert QApplication.focusWidget() is dialog.subject  # the first field to fix has the keyboard
    assert dialog.subject.palette().color(QPalette.ColorRole.Base) != dialog.environment.palette().color(
        QPalette.ColorRole.Base)  # marked where the eye is

    qtbot.keyClicks(dialog.subject, "Payroll export fails")  # fixed: its message goes at once
    assert subject.text() == "" and dialog.subject.property("invalid") is False
    assert dialog.subject.accessibleDescription() == "" and description.text()
    assert dialog.subject.palette().color(QPalette.ColorRole.Base) == dialog.environment.palette().color(
        QPalette.ColorRole.Base)
    dialog.description.setPlainText("It stops at 80 %.")
    assert not description.text()
    assert geometry_of(dialog) == before
    settle()
    assert queries.count_cases(db) == 0  # nothing was created by the click on the empty form


def test_messages_follow_the_theme(qtbot, dialog, qapp) -> None:  # noqa: ANN001
    from casedesktop.ui import theme

    dialog.create()
    light = dialog.messages["subject"].palette().color(QPalette.ColorRole.WindowText)
    assert light == theme.colour("error_text")
    before = QPalette(qapp.palette())
    try:
        with qtbot.waitSignal(theme.manager().changed, timeout=2000):
            qapp.setPalette(theme.dark_palette())
        assert dialog.messages["subject"].palette().color(QPalette.ColorRole.WindowText) == theme.colour("error_text")
        assert dialog.subject.palette().color(QPalette.ColorRole.Base) == theme.colour("error_background")
    finally:
        qapp.setPalette(before)
        theme.manager().refresh()


def test_a_long_paste_into_the_subject_says_what_was_cut(qtbot, dialog) -> None:  # noqa: ANN001
    activate(qtbot, dialog)
    pasted = "".join(f"{i:04d} " for i in range(1000))  # 5,000 characters
    qtbot.keyClicks(dialog.subject, "Start end")
    dialog.subject.setCursorPosition(len("Start "))
    QGuiApplication.clipboard().setText(pasted)
    qtbot.keyClick(dialog.subject, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    kept = dialog.subject.text()
    assert len(kept) == 255
    assert kept == "Start " + pasted[:255 - len("Start end")] + "end"  # what came before and after stays
    message = dialog.messages["subject"]
    assert message.text() == "Subject is limited to 255 characters; the last 4,754 were cut."
    assert message.kind == "notice" and dialog.subject.accessibleDescription() == message.text()
    assert dialog.create_button.isEnabled() and dialog.subject.property("invalid") is False
    qtbot.keyClick(dialog.subject, Qt.Key.Key_Backspace)  # the next edit of the subject retires it
    assert message.text() == ""
    qtbot.keyClick(dialog.subject, Qt.Key.Key_X)
    qtbot.keyClick(dialog.subject, Qt.Key.Key_Y)  # one key past the limit
    assert len(dialog.subject.text()) == 255
    assert message.text() == "Subject is limited to 255 characters; the last 1 was cut."


def test_severity_choices_say_what_each_is_for(dialog) -> None:  # noqa: ANN001
    items = [dialog.severity.itemText(i) for i in range(dialog.severity.count())]
    assert items[0] == "Critical — production down, no workaround"
    assert all(" — " in item for item in items)
    assert dialog.severity.currentData() == "standard"  # the value kept and sent is still the plain one


def test_ctrl_enter_creates_the_case_from_the_description(qtbot, dialog, db) -> None:  # noqa: ANN001
    activate(qtbot, dialog)
    dialog.subject.setText("Payroll export fails")
    dialog.description.setFocus()
    qtbot.keyClicks(dialog.description, "It stops at 80 %.")
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert dialog.created_case_id is not None
    assert queries.case_detail(db, dialog.created_case_id).case.description == "It stops at 80 %."  # no new line


def test_ctrl_enter_on_an_incomplete_form_shows_the_errors(qtbot, dialog) -> None:  # noqa: ANN001
    activate(qtbot, dialog)
    dialog.subject.setText("Payroll export fails")
    qtbot.keyClick(dialog.subject, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier)
    assert dialog.messages["description"].text() and QApplication.focusWidget() is dialog.description


def test_tab_leaves_the_description_and_reaches_every_button(qtbot, dialog) -> None:  # noqa: ANN001
    activate(qtbot, dialog)
    dialog.description.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.description)
    qtbot.keyClick(dialog.description, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.cc and dialog.description.toPlainText() == ""  # no tab typed
    seen = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    wanted = [dialog.attachments.add_button, dialog.attachments.paste_button, dialog.record_button,
              dialog.create_button, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)]
    assert all(button in seen for button in wanted)
    assert seen.index(dialog.attachments.paste_button) < seen.index(dialog.record_button)  # in reading order


def test_every_field_has_a_name_a_screen_reader_can_say(dialog) -> None:  # noqa: ANN001
    for field in (dialog.contact, dialog.product, dialog.environment, dialog.case_type, dialog.severity,
                  dialog.subject, dialog.description, dialog.cc, dialog.attachments.list):
        assert field.accessibleName(), field


def test_escape_keeps_what_was_typed_as_a_draft(qtbot, db) -> None:  # noqa: ANN001
    first = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(first)
    first.show()
    qtbot.keyClicks(first.subject, "Typed, then Escape")
    qtbot.keyClick(first, Qt.Key.Key_Escape)
    assert not first.isVisible()
    again = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(again)
    assert again.subject.text() == "Typed, then Escape" and "draft" in again.draft_note.text()


def test_escape_on_an_edited_report_asks_before_discarding(qtbot, db) -> None:  # noqa: ANN001
    """A form the app filled (an error report) keeps no draft: once changed, Escape asks first."""
    dialog = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(dialog)
    dialog.prefill("CaseDesktop error: ZeroDivisionError", "Traceback ...")
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # unchanged: closes without a question
    assert not dialog.isVisible()

    dialog = NewCaseDialog(ProfileSession.offline(db, ME))
    qtbot.addWidget(dialog)
    dialog.prefill("CaseDesktop error: ZeroDivisionError", "Traceback ...")
    dialog.show()
    qtbot.keyClicks(dialog.description, " It happened while exporting payroll.")
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])
    asked = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        asked.append(box.text())
        box.button(next(answers)).click()

    QTimer.singleShot(0, answer)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "exporting payroll" in dialog.description.toPlainText()  # kept editing
    QTimer.singleShot(0, answer)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and len(asked) == 2 and "Discard" in asked[0]


def test_what_the_cache_refuses_shows_beside_its_field(qtbot, dialog, db) -> None:  # noqa: ANN001
    """The cache checks against the products of the last sync, which this form did not know."""
    reference.save(db, Reference(products=["Payroll"]))
    dialog.reference = Reference()  # the form knew no products: any name passes its own check
    fill(qtbot, dialog)
    dialog.product.setCurrentText("Ledger Cloud")
    dialog.create()
    qtbot.waitUntil(lambda: bool(dialog.messages["product"].text()))
    assert "There is no product 'Ledger Cloud'" in dialog.messages["product"].text()
    assert dialog.created_case_id is None and dialog.create_button.isEnabled()
    dialog.product.setCurrentText("Payroll")
    assert dialog.messages["product"].text() == ""


def test_the_size_limit_reads_the_same_in_the_dialog_and_on_the_recording_bar(qtbot, dialog, tmp_path: Path) -> None:  # noqa: ANN001
    from casedesktop.domain import MAX_ATTACHMENT_BYTES
    from casedesktop.recording import RecorderState, RecorderStatus
    from casedesktop.ui.recording.controls import RecordingControlBar

    assert dialog.reference.max_attachment_bytes == MAX_ATTACHMENT_BYTES
    assert "up to 40 MB each." in dialog.attachments.hint.text()
    bar = RecordingControlBar(600, MAX_ATTACHMENT_BYTES)
    qtbot.addWidget(bar)
    assert bar.size.text() == "0 bytes of 40 MB"
    width = bar.size.width()
    for size, text in ((1023, "1,023 bytes of 40 MB"), (int(1.5 * 2**20), "1.5 MB of 40 MB"),
                       (39 * 2**20, "39 MB of 40 MB")):
        bar.show_status(RecorderStatus(RecorderState.RECORDING, 12.0, size, 0, 0))
        assert bar.size.text() == text
        assert bar.size.fontMetrics().horizontalAdvance(text) <= width  # fits: the bar never changes width
    big = tmp_path / "screen.mp4"
    with open(big, "wb") as handle:
        handle.truncate(MAX_ATTACHMENT_BYTES + 5 * 2**20)
    assert not dialog.attachments.add_paths([big])
    assert "screen.mp4 is 45 MB; files can be at most 40 MB" in dialog.attachments_message.text()
