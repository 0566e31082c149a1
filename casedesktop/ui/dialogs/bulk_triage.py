"""Triage several cases at once (staff): any of priority, category, source and owner, set for
every selected case. Each field starts at "Keep as it is", so only what the user picks changes.

The dialog only gathers the choice and checks the category against the vendor's list; the
window writes it, one change per case through the write lane (`triage_cases`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Priority, validate_emails
from casedesktop.i18n import _, ngettext
from casedesktop.store import staff_changes
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.ui.case.triage import SOURCE_CHOICES
from casedesktop.ui.field_message import with_message

KEEP = None  # a field left as each case has it
NOBODY, ME, BY_EMAIL = "nobody", "me", "email"


@dataclass(frozen=True)
class BulkTriage:
    """What to set on every case (None: leave it); owner is `me`, `nobody` or an email."""

    priority: str | None = None
    category: str | None = None
    source: str | None = None
    owner: str | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.priority, self.category, self.source, self.owner))


def triage_cases(db: CacheDB, identity: Identity, case_ids: list[str], choice: BulkTriage) -> Changes:
    """The choice written to each case (on the write lane): a triage and an assignment each,
    as the open case's panel writes them; their Changes together."""
    changes = Changes(frozenset())
    fields = {name: getattr(choice, name) for name in ("priority", "category", "source")
              if getattr(choice, name) is not None}
    for case_id in case_ids:
        if fields:
            changes |= staff_changes.triage(db, identity, case_id, **fields)[1]
        if choice.owner == ME:
            changes |= staff_changes.assign(db, identity, case_id, owner_id=identity.user_id)[1]
        elif choice.owner == NOBODY:
            changes |= staff_changes.assign(db, identity, case_id)[1]
        elif choice.owner is not None:
            changes |= staff_changes.assign(db, identity, case_id, owner_email=choice.owner)[1]
    return changes


class BulkTriageDialog(QDialog):
    def __init__(self, count: int, categories: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(ngettext("Triage {count} case", "Triage {count} cases", count).format(count=count))
        self._categories = categories
        keep = _("Keep as it is")

        self.priority = QComboBox()
        self.priority.addItem(keep, KEEP)
        for priority in Priority:
            self.priority.addItem(priority.label, priority.value)
        self.category = QComboBox()
        self.category.addItem(keep, KEEP)
        self.category.addItem(_("No category"), "")
        for name in categories:
            self.category.addItem(name, name)
        self.source = QComboBox()
        self.source.addItem(keep, KEEP)
        for source in SOURCE_CHOICES:
            self.source.addItem(_(source), source)
        self.owner = QComboBox()
        self.owner.addItem(keep, KEEP)
        self.owner.addItem(_("Me"), ME)
        self.owner.addItem(_("Nobody"), NOBODY)
        self.owner.addItem(_("Someone else (by email)"), BY_EMAIL)
        self.email = QLineEdit()
        self.email.setPlaceholderText(_("name@example.com"))
        self.email.setAccessibleName(_("Owner's email"))
        email_box, self.email_message = with_message(self.email)
        self.owner.currentIndexChanged.connect(lambda _i: self._owner_changed())
        self.email.textChanged.connect(lambda _text: (self.email_message.clear(), self._enable()))

        form = QFormLayout()
        for text, combo in ((_("&Priority:"), self.priority), (_("Cate&gory:"), self.category),
                            (_("So&urce:"), self.source), (_("O&wner:"), self.owner)):
            form.addRow(text, combo)
        form.addRow(_("Owner's &email:"), email_box)
        self._form = form
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Apply"))
        self.buttons.accepted.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        for combo in (self.priority, self.category, self.source, self.owner):
            combo.currentIndexChanged.connect(lambda _i: self._enable())
        self._owner_changed()

    def _owner_changed(self) -> None:
        self._form.setRowVisible(self._form.rowCount() - 1, self.owner.currentData() == BY_EMAIL)
        self._enable()

    def _enable(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.choice(check=False)))

    def choice(self, check: bool = True) -> BulkTriage:
        owner = self.owner.currentData()
        if owner == BY_EMAIL:
            owner = self.email.text().strip() or (None if not check else "")
        return BulkTriage(self.priority.currentData(), self.category.currentData(), self.source.currentData(), owner)

    def _apply(self) -> None:
        if self.owner.currentData() == BY_EMAIL:
            errors = validate_emails([self.email.text().strip()])
            if errors:
                self.email_message.show_error(errors[0].message)
                self.email.setFocus()
                return
        self.accept()
