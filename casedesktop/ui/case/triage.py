"""Staff's triage of the open case, in place above its tabs: priority, category, source, owner
(with "Assign to me"), and where the case stands against its service level.

Each choice is one change through the write lane (`store/staff_changes.py`: the cache and the
outbox in one transaction), so it works offline and its activity entry shows at once; the
window's refresh point then shows the case again, and the panel with it. Only the user's own
choices write (`activated`, never a programmatic change of a combo).

The service level is worked out again every minute from the due times the server last sent
(`domain.sla_standing`): a case becomes overdue without anything being written. It is said in
words, coloured by the theme's roles, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from casedesktop.domain import Priority, Status, validate_emails
from casedesktop.domain.sla import Milestone, SlaState, SlaTargets, sla_standing
from casedesktop.i18n import N_, _, format_number
from casedesktop.store import reference, staff_changes
from casedesktop.store.database import CacheDB
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow
from casedesktop.store.queries import case_sla
from casedesktop.ui import theme
from casedesktop.ui.field_message import FieldMessage
from casedesktop.ui.tasks import background, writes

# The sources in the order staff meet them (values as the server spells them, shown through `_`).
SOURCE_CHOICES = (N_("Email"), N_("Phone"), N_("Chat"), N_("Portal"), N_("Desktop"), N_("Other"))
NOBODY, ME, SOMEONE_ELSE = "", "me", "someone-else"  # the owner combo's own entries
SLA_REFRESH_MS = 60_000


def as_utc(value: datetime | None) -> datetime | None:
    """A time from the cache (naive UTC, or aware) as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def span_text(span: timedelta) -> str:
    """A wait as people say it: 12 min, 3 h 5 min, 2 d 4 h."""
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("{hours} h {minutes} min").format(hours=format_number(hours), minutes=minutes)
    days, hours = divmod(hours, 24)
    # Translators: a span of days and hours, as in "2 d 4 h".
    return _("{days} d {hours} h").format(days=format_number(days), hours=hours)


def sla_words(case: CaseRow, now: datetime) -> tuple[str, str]:
    """Where the case stands against its service level, in words, and the theme role to say it in."""
    sla = case_sla(case)
    if sla is None:
        return _("No target for this priority"), "muted_text"
    created = as_utc(case.created_at)
    first_due, resolution_due = as_utc(sla.first_response_due), as_utc(sla.resolution_due)
    targets = SlaTargets(first_due - created if first_due else None,
                         resolution_due - created if resolution_due else None)
    finished = as_utc(case.resolved_at or case.closed_at) if case.status in (Status.RESOLVED, Status.CLOSED) else None
    first_response = as_utc(sla.first_response_at)
    standing = sla_standing(targets, created, first_response, finished, now, merged=case.status == Status.MERGED)
    if standing.state is SlaState.NONE:
        return _("No target: merged into another case"), "muted_text"
    if standing.state is SlaState.MET:
        return _("Targets met"), "success_text"
    if standing.state is SlaState.OVERDUE:
        if Milestone.FIRST_RESPONSE in standing.breached and first_due and not (first_response or finished):
            return _("Overdue: first response was due {span} ago").format(span=span_text(now - first_due)), "error_text"
        if Milestone.RESOLUTION in standing.breached and resolution_due and not finished:
            return _("Overdue: resolution was due {span} ago").format(span=span_text(now - resolution_due)), "error_text"
        return _("Overdue: a target was missed"), "error_text"
    role = "warning_text" if standing.state is SlaState.DUE_SOON else "text"
    if first_due and not (first_response or finished):
        return _("First response due in {span}").format(span=span_text(first_due - now)), role
    if resolution_due and not finished:
        return _("Resolution due in {span}").format(span=span_text(resolution_due - now)), role
    return _("Targets met"), "success_text"


def known_owners(db: CacheDB) -> list[tuple[str, str]]:
    """The staff members this cache has seen owning a case, as (user id, name), by name. There is
    no staff directory on the client: owners are who it knows; others are named by email."""
    from sqlalchemy import select

    with db.reading() as session:
        rows = session.execute(select(CaseRow.owner_id, CaseRow.owner_name).where(
            CaseRow.owner_id.is_not(None), CaseRow.owner_name != "").distinct()).all()
    return sorted({owner_id: name for owner_id, name in rows}.items(), key=lambda pair: pair[1].casefold())


class TriagePanel(QWidget):
    """The open case's triage for staff; `changed` carries each write's Changes to the window."""

    changed = Signal(object)

    def __init__(self, db: CacheDB, identity: Identity, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._identity = identity
        self.case: CaseRow | None = None
        self._owners: list[tuple[str, str]] = []
        self._categories: list[str] | None = None
        self.setAccessibleName(_("Triage"))

        self.priority = QComboBox()
        self.priority.setAccessibleName(_("Priority"))
        self.priority.setPlaceholderText(_("Not set"))  # shown while the case has none
        for priority in Priority:
            self.priority.addItem(priority.label, priority.value)
        self.priority.activated.connect(lambda _i: self._triage(priority=self.priority.currentData()))

        self.source = QComboBox()
        self.source.setAccessibleName(_("Source"))
        self.source.setPlaceholderText(_("Not set"))
        for source in SOURCE_CHOICES:
            self.source.addItem(_(source), source)
        self.source.activated.connect(lambda _i: self._triage(source=self.source.currentData()))

        self.category = QComboBox()
        self.category.setEditable(True)  # typed to find one quickly; only the vendor's names are taken
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.setAccessibleName(_("Category"))
        self.category.lineEdit().setPlaceholderText(_("No category"))
        self.category.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.category.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.category.activated.connect(lambda _i: self._category_chosen())
        self.category.lineEdit().returnPressed.connect(self._category_chosen)

        self.owner = QComboBox()
        # Long names (owners, categories) must not widen the case pane: the box keeps its width.
        for combo in (self.category, self.owner):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.owner.setAccessibleName(_("Owner"))
        self.owner.activated.connect(lambda _i: self._owner_chosen())
        self.assign_to_me = QPushButton(_("Assign to &me"))
        self.assign_to_me.setToolTip(_("Make yourself the owner of this case"))
        self.assign_to_me.clicked.connect(lambda: self._assign(owner_id=self._identity.user_id))

        self.sla = QLabel()
        self.sla.setAccessibleName(_("Service level"))
        self.sla.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sla.setWordWrap(True)  # a narrow pane wraps it rather than clipping or widening the pane
        self._sla_role = ""
        self.message = FieldMessage(self.category)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)

        def label(text: str, buddy: QWidget) -> QLabel:
            name = QLabel(text)
            name.setBuddy(buddy)
            return name

        grid.addWidget(label(_("&Priority:"), self.priority), 0, 0)
        grid.addWidget(self.priority, 0, 1)
        grid.addWidget(label(_("So&urce:"), self.source), 0, 2)
        grid.addWidget(self.source, 0, 3)
        grid.addWidget(label(_("Service level:"), self.sla), 0, 4)
        grid.addWidget(self.sla, 0, 5, 1, 2)
        grid.addWidget(label(_("Cate&gory:"), self.category), 1, 0)
        grid.addWidget(self.category, 1, 1, 1, 3)
        grid.addWidget(label(_("O&wner:"), self.owner), 1, 4)
        grid.addWidget(self.owner, 1, 5)
        grid.addWidget(self.assign_to_me, 1, 6)
        grid.addWidget(self.message, 2, 0, 1, 7)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 2)

        self._timer = QTimer(self)  # the service level moves on as time passes
        self._timer.setInterval(SLA_REFRESH_MS)
        self._timer.timeout.connect(self.show_sla)
        self._timer.start()

    # --- showing -------------------------------------------------------------------------------

    def show_case(self, case: CaseRow | None) -> None:
        """Show `case`'s triage (None: nothing to triage)."""
        new_case = case is None or self.case is None or case.id != self.case.id
        self.case = case
        self.setVisible(case is not None)
        if case is None:
            return
        if new_case:
            self.message.clear()
            background().run(known_owners, self._db, done=self._owners_known, owner=self)
        self._select(self.priority, case.priority or "")
        self._select(self.source, staff_changes.known_source(case.source or "") or "")
        self._fill_categories()
        self.category.setCurrentIndex(-1)
        self.category.setEditText(case.category or "")
        self._fill_owners()
        self.assign_to_me.setEnabled(case.owner_id != self._identity.user_id)
        self.show_sla()

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        combo.setCurrentIndex(combo.findData(value))  # -1 (blank) where nothing is set yet

    def show_sla(self, now: datetime | None = None) -> None:
        if self.case is None:
            return
        text, role = sla_words(self.case, now or datetime.now(UTC))
        self.sla.setText(text)
        # Translators: the service level as a screen reader reads it: "Service level: Overdue: ...".
        self.sla.setAccessibleName(_("Service level: {standing}").format(standing=text))
        if role != self._sla_role:
            self._sla_role = role
            theme.set_text_role(self.sla, role)  # a theme role, kept through palette changes

    def _fill_categories(self) -> None:
        categories = reference.load(self._db).categories
        if categories == self._categories:
            return
        self._categories = categories
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem(_("No category"), "")
        for name in categories:
            self.category.addItem(name, name)
        self.category.blockSignals(False)

    def _owners_known(self, owners: list[tuple[str, str]]) -> None:
        self._owners = owners
        self._fill_owners()

    def _fill_owners(self) -> None:
        case = self.case
        if case is None:
            return
        owners = [(owner_id, name) for owner_id, name in self._owners if owner_id != self._identity.user_id]
        if case.owner_id and case.owner_id != self._identity.user_id and all(o != case.owner_id for o, _n in owners):
            owners.append((case.owner_id, case.owner_name or case.owner_id))
        self.owner.clear()
        self.owner.addItem(_("Nobody"), NOBODY)
        # Translators: the user themself among the owners of a case, as in "Me (Alex Moreno)".
        self.owner.addItem(_("Me ({name})").format(name=self._identity.name), ME)
        for owner_id, name in owners:
            self.owner.addItem(name, owner_id)
        if not case.owner_id and case.owner_name:  # named by email, the server not asked yet
            self.owner.addItem(case.owner_name, f"email:{case.owner_name}")
        self.owner.addItem(_("Someone else (by email)…"), SOMEONE_ELSE)
        if case.owner_id == self._identity.user_id:
            current = ME
        elif case.owner_id:
            current = case.owner_id
        else:
            current = f"email:{case.owner_name}" if case.owner_name else NOBODY
        self._select(self.owner, current)

    # --- writing -------------------------------------------------------------------------------

    def _category_chosen(self) -> None:
        if self.case is None:
            return
        typed = self.category.currentText().strip()
        if typed == _("No category"):
            typed = ""
        if typed == (self.case.category or ""):
            return
        self._triage(category=typed)

    def _owner_chosen(self) -> None:
        choice = self.owner.currentData()
        if choice == ME:
            self._assign(owner_id=self._identity.user_id)
        elif choice == NOBODY:
            self._assign()
        elif choice == SOMEONE_ELSE:
            email, ok = QInputDialog.getText(self, _("Assign to"), _("The support staff member's email:"),
                                             QLineEdit.EchoMode.Normal)
            email = email.strip()
            if not ok or not email:
                self._fill_owners()
                return
            errors = validate_emails([email])
            if errors:
                self._fill_owners()
                self.message.show_error(errors[0].message)
                return
            self._assign(owner_email=email)
        elif isinstance(choice, str) and choice.startswith("email:"):
            self._assign(owner_email=choice[len("email:"):])
        elif choice:
            self._assign(owner_id=choice)

    def _triage(self, **fields: str) -> None:
        self._write(staff_changes.triage, **fields)

    def _assign(self, **owner: str) -> None:
        self._write(staff_changes.assign, **owner)

    def _write(self, change: Callable, **fields: str) -> None:
        if self.case is None:
            return
        self.message.clear()

        def refused(error: BaseException) -> None:
            if not isinstance(error, InvalidInput | LookupError):
                raise error
            self.message.show_error(str(error))  # what was typed stays in its field

        writes().run(change, self._db, self._identity, self.case.id, **fields,
                     done=lambda result: self.changed.emit(result[1]), failed=refused, owner=self)
