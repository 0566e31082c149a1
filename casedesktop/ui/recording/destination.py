"""Where a recording started from the toolbar goes: the case open in the window, or a new case.

Asked before recording, so the preview can say where Attach puts the video. A closed or merged
case takes no more replies: the question still comes, with that case's choice disabled and the
reason said, so the recording going to a new case is no surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from casedesktop.domain import Status
from casedesktop.i18n import _
from casedesktop.store.database import CacheDB

NO_REPLIES = frozenset({Status.CLOSED, Status.MERGED})


@dataclass(frozen=True)
class OpenCase:
    """The case open in the window, as the recording questions name it."""

    case_id: str
    number: str | None  # None until the server has numbered a case made here
    subject: str
    status: Status = Status.OPEN

    @property
    def takes_replies(self) -> bool:
        return self.status not in NO_REPLIES

    @property
    def why_not_here(self) -> str:
        """Why the recording cannot go to this case ("" when it can)."""
        if self.status is Status.CLOSED:
            return _("{case} is closed, so the recording will start a new case.").format(case=self.short_label)
        if self.status is Status.MERGED:
            return _("{case} was merged into another case, so the recording will start a new case.").format(
                case=self.short_label)
        return ""

    @property
    def label(self) -> str:
        """"CS-1042: Printer offline"; the subject alone in quotes before it has a number."""
        if self.number:
            return _("{case}: {subject}").format(case=self.number, subject=self.subject)
        return _("“{subject}”").format(subject=self.subject)

    @property
    def short_label(self) -> str:
        return self.number or _("“{subject}”").format(subject=self.subject)


def shown_case(db: CacheDB, case_id: str | None) -> OpenCase | None:
    """The case `case_id` whatever its status, None if there is none. One row read: quick, and
    WAL never makes it wait for the sync thread."""
    if case_id is None:
        return None
    from casedesktop.store.models import CaseRow

    with db.reading() as session:
        row = session.get(CaseRow, case_id)
        if row is None:
            return None
        return OpenCase(row.id, row.number, row.subject, Status(row.status))


def open_case(db: CacheDB, case_id: str | None) -> OpenCase | None:
    """The case `case_id` if a recording may go to it (it exists and takes replies), else None."""
    case = shown_case(db, case_id)
    return case if case is not None and case.takes_replies else None


class Destination(Enum):
    OPEN_CASE = "case"
    NEW_CASE = "new"


class DestinationDialog(QDialog):
    """"Attach to CS-1042 (the open case)" / "Start a new case with it" / Cancel; `choice` holds
    the answer (None: cancelled). For a case that takes no replies its choice is disabled and the
    reason stands where the open case is named."""

    def __init__(self, case: OpenCase, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Record your screen"))
        self.choice: Destination | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Where should the recording go?")))
        self.case_label = QLabel(_("The open case: {case}").format(case=case.label))
        self.case_label.setWordWrap(True)
        layout.addWidget(self.case_label)
        buttons = QDialogButtonBox()
        self.case_button = QPushButton(_("Attach to {case} (the open case)").format(case=case.short_label))
        self.case_button.setToolTip(case.label)
        self.new_case_button = QPushButton(_("Start a new case with it"))
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.case_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.new_case_button, QDialogButtonBox.ButtonRole.AcceptRole)
        if case.takes_replies:
            self.case_button.setDefault(True)
        else:
            self.case_label.setText(case.why_not_here)
            self.case_button.setEnabled(False)
            self.case_button.setToolTip(case.why_not_here)
            self.new_case_button.setDefault(True)
        self.case_button.clicked.connect(lambda: self._choose(Destination.OPEN_CASE))
        self.new_case_button.clicked.connect(lambda: self._choose(Destination.NEW_CASE))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self, choice: Destination) -> None:
        self.choice = choice
        self.accept()
