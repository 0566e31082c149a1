"""An attachment that is a program hiding behind its name is shown by its real name and never opened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from casedesktop.domain import Role
from casedesktop.store import local_changes, queries
from casedesktop.store.attachments import prepare_files
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import AttachmentRow
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.session import ProfileSession
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
DISGUISED = "invoice\u202egpj.exe"  # shows as "invoiceexe.jpg" where bidi overrides are kept


def test_a_program_is_never_opened_and_its_name_shows_what_it_is(qtbot, profile_dir: Path, tmp_path: Path,  # noqa: ANN001
                                                                 monkeypatch) -> None:
    monkeypatch.setenv("CASEDESKTOP_NO_OPEN", "1")  # an open would say "Would open ..." instead
    db = open_cache(profile_dir)
    seed_cases(db, 2)
    case_id = str(uuid.UUID(int=1001))
    window = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(window)
    # The user's own file with a disguised name is attached under its cleaned name.
    local = tmp_path / DISGUISED
    local.write_bytes(b"MZ not really a program")
    [prepared] = prepare_files(window.session.blobs, [local])
    assert prepared.filename == "invoicegpj.exe"
    local_changes.attach_files(db, ME, case_id, [prepared])
    with db.transaction() as session:  # and one from an older server that kept the override
        session.add(AttachmentRow(id=str(uuid.uuid4()), case_id=case_id, comment_id=None, filename=DISGUISED,
                                  size=10, sha256="cd" * 32, content_type="image/jpeg", uploader_name="Someone",
                                  staff_only=False, created_at=datetime.now(UTC)))
    assert len(queries.case_detail(db, case_id).attachments) == 2
    window.show()
    window.select_case(case_id)
    window.detail.tabs.setCurrentIndex(2)
    tab = window.detail.attachments
    for row in range(tab.tree.topLevelItemCount()):
        tab.tree.setCurrentItem(tab.tree.topLevelItem(row))
        assert "Programs are never opened" in tab.open_button.toolTip()
        tab.open_button.click()
        assert "is a program" in tab.message.text() and "Would open" not in tab.message.text()
        assert "\u202e" not in tab.message.text()
    assert not (profile_dir / "opened").exists()
    window.close()
    db.close()
