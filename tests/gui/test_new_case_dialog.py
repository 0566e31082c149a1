"""The New Case dialog on real widgets: validation, attachments (picker, drop, paste), drafts that
survive closing and a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage

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
    ("subject", "description", "cc", "message"),
    [
        ("", "text", "", "Enter a subject"),
        ("Subject", "", "", "Describe the problem"),
        ("x" * 256, "text", "", "keep it to 255"),
        ("Subject", "text", "sam@northwind, ok@example.com", "sam@northwind is not an email address"),
    ],
)
def test_each_problem_blocks_create_with_its_message(qtbot, dialog, db, subject, description, cc, message) -> None:  # noqa: ANN001
    fill(qtbot, dialog, subject, description)
    dialog.cc.setText(cc)
    assert not dialog.create_button.isEnabled()
    assert message in dialog.errors.text()
    assert message in dialog.create_button.toolTip()
    dialog.create()  # even if forced, nothing is created
    settle()  # the write lane has it, and its Changes reached the window
    assert queries.count_cases(db) == 0


def test_a_product_is_required(qtbot, dialog) -> None:
    fill(qtbot, dialog)
    dialog.product.setCurrentText("")
    assert not dialog.create_button.isEnabled()
    assert "Choose the product" in dialog.errors.text()


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


def test_refused_files_say_why_and_add_nothing(qtbot, dialog, tmp_path: Path) -> None:
    big = tmp_path / "memory.dmp"
    with open(big, "wb") as handle:
        handle.truncate(45 * 1024 * 1024)
    folder = tmp_path / "logs"
    folder.mkdir()
    drop(dialog, [big])
    assert "memory.dmp is 45.0 MB; files can be at most 40.0 MB" in dialog.errors.text()
    drop(dialog, [folder])
    assert "logs is a folder" in dialog.errors.text()
    drop(dialog, [tmp_path / "vanished.txt"])
    assert "Cannot read vanished.txt" in dialog.errors.text()
    QGuiApplication.clipboard().setText("just text")
    assert not dialog.attachments.paste_image()
    assert "no image" in dialog.errors.text()
    assert dialog.attachments.files() == []


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
    assert not dialog.create_button.isEnabled()
    assert "There is no product 'Ledger Clod'" in dialog.errors.text()
    dialog.product.setCurrentText("  payroll ")
    assert dialog.create_button.isEnabled()
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
