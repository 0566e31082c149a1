"""Screenshots of the real window and dialogs under Xvfb, for people to look at.

Saved to $CASEDESKTOP_SCREENSHOTS or build/screenshots/ of the checkout. Each must show something:
a grab that came out blank (one colour) fails the test.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from casedesktop.domain import Action, Role
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, CaseRow, CommentRow
from casedesktop.ui.failed_changes_dialog import FailedChangesDialog
from casedesktop.ui.main_window import MainWindow
from casedesktop.ui.new_case_dialog import NewCaseDialog
from casedesktop.ui.reason_dialog import ReasonDialog
from casedesktop.ui.sign_in_dialog import SignInDialog
from casedesktop.ui.survey_dialog import SurveyDialog
from tests.support import seed_cases

OUT = Path(os.environ.get("CASEDESKTOP_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)


def save(widget: QWidget, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    assert widget.grab().save(str(path)), path
    image = QImage(str(path)).scaled(64, 64)
    colours = {image.pixel(x, y) for x in range(64) for y in range(64)}
    assert len(colours) > 8, f"{name}: the grab looks blank"
    return path


@pytest.fixture
def window(qtbot, profile_dir):
    db = open_cache(profile_dir)
    seed_cases(db, 40)
    case_id = str(uuid.UUID(int=1040))
    t0 = datetime.now(UTC) - timedelta(hours=5)
    with db.transaction() as session:
        case = session.get_one(CaseRow, case_id)
        case.subject = "Bank feed stopped importing transactions since Monday"
        case.description = "Our business account has not imported any transactions since Monday morning."
        case.status = "open"
        case.owner_name = "Alex Moreno"
        for i, (who, role, body) in enumerate([
            ("Dana Whitfield", "customer", "It still says 'Connected' but nothing arrives."),
            ("Alex Moreno", "agent", "Thanks Dana. Could you record the bank connection page for me?"),
            ("Dana Whitfield", "customer", "Recording attached. The sync button spins forever."),
        ]):
            session.add(CommentRow(id=str(uuid.uuid4()), case_id=case_id, author_name=who, author_role=role,
                                   kind="reply", body=body, created_at=t0 + timedelta(minutes=30 * i)))
        session.add(ActivityRow(id=str(uuid.uuid4()), case_id=case_id, actor_name="Alex Moreno", action="pick-up",
                                from_status="new", to_status="open", created_at=t0))
    main = MainWindow(db, ME)
    qtbot.addWidget(main)
    main.resize(1360, 820)
    main.show()
    qtbot.waitExposed(main)
    main.select_case(case_id)
    yield main
    main.close()
    db.close()


def test_screenshots_of_the_window_and_its_dialogs(qtbot, window: MainWindow) -> None:
    saved = [save(window, "main-window")]
    for index, name in enumerate(("details", "conversation", "attachments", "activity")):
        window.detail.tabs.setCurrentIndex(index)
        saved.append(save(window, f"detail-{name}"))

    dialog = NewCaseDialog(window._db, ME, parent=window)
    dialog.show()
    qtbot.waitExposed(dialog)
    saved.append(save(dialog, "new-case-empty"))
    qtbot.keyClicks(dialog.subject, "x" * 260)
    saved.append(save(dialog, "new-case-errors"))
    dialog.close()

    for widget, name in (
        (SignInDialog(window._db, window.__dict__.get("tokens"), "https://support.example.com", "dana@northwind.example"), "sign-in"),
        (ReasonDialog(Action.REOPEN, required=True, parent=window), "reopen-reason"),
        (SurveyDialog(window), "accept-survey"),
        (FailedChangesDialog(window._db, window), "refused-changes"),
    ):
        widget.show()
        qtbot.waitExposed(widget)
        saved.append(save(widget, name))
        widget.close()
    assert len(saved) == 11 and all(p.stat().st_size > 2000 for p in saved)
