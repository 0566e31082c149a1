"""The Details tab: the case's fields in the portals' sections (the description opens the
Conversation, so it is not repeated here).

A customer sees only the fields that hold something (a wall of dashes says nothing), and the
Account row only when they belong to several accounts; staff see every field. Each value's
accessible name carries its field and value ("Status: Open"), and each row's label is the value's
buddy, so a screen reader reads the pair. Rows are one line each where they fit and names sit on a
value's first line, so a wrapped value does not make its row look out of step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QSizePolicy, QWidget

from casedesktop.domain import CASE_TYPES, SOURCES, Priority, Role, Severity, Status, status_text
from casedesktop.i18n import N_, _, format_datetime
from casedesktop.store.models import CaseRow

# The sections of the portals' case pages, in their order (English, shown through `_`).
SECTIONS = (
    (N_("Case information"), (("number", N_("Case number")), ("case_type", N_("Type")), ("product", N_("Product")),
                              ("environment", N_("Environment")), ("account_name", N_("Account")))),
    (N_("Status information"), (("status", N_("Status")), ("severity", N_("Severity")), ("priority", N_("Priority")),
                                ("category", N_("Category")), ("source", N_("Source")), ("owner_name", N_("Owner")))),
    (N_("Contact information"), (("reported_by_name", N_("Reported by")), ("contact", N_("Contact")),
                                 ("cc_emails", N_("Cc")))),
    (N_("Dates"), (("created_at", N_("Created")), ("updated_at", N_("Last updated")), ("resolved_at", N_("Resolved")),
                   ("closed_at", N_("Closed")))),
    (N_("Resolution"), (("resolution_summary", N_("Summary")), ("resolution_root_cause", N_("Root cause")),
                        ("resolution_type", N_("Resolution type")))),
)


class CaseFields(QScrollArea):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        details = QWidget()
        self.form = QFormLayout(details)
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        self.form.setLabelAlignment(top_left)  # a name beside a value's first line, not its middle
        self.form.setFormAlignment(top_left)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: dict[str, QLabel] = {}
        self.headings: dict[str, QLabel] = {}
        self._names: dict[str, str] = {}
        for section, fields in SECTIONS:
            heading = QLabel(_(section))
            heading_font = heading.font()
            heading_font.setBold(True)
            heading.setFont(heading_font)
            self.form.addRow(heading)
            self.headings[section] = heading
            for key, label in fields:
                value = QLabel("—")
                value.setWordWrap(True)
                value.setAlignment(top_left)
                value.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(_(label))
                self.labels[key] = value
                self._names[key] = _(label)
                # Translators: a field's name before its value, as in "Status:".
                name = QLabel(_("{field}:").format(field=_(label)))
                name.setBuddy(value)
                name.setAlignment(top_left)
                self.form.addRow(name, value)
        self.setWidgetResizable(True)
        self.setWidget(details)

    def show_case(self, case: CaseRow, role: Role, several_accounts: bool = True) -> None:
        """Show `case` as `role` reads it; `several_accounts`: whether the reader belongs to more
        than one account (else the Account row tells a customer nothing)."""
        status = status_text(Status(case.status), role, case.escalated, case.close_requested)
        contact = case.contact_name + (f" <{case.contact_email}>" if case.contact_email else "")
        severity = Severity(case.severity)
        values = {
            "number": case.number or _("assigned when the server receives it"),
            "status": status,
            "severity": severity.label,  # its meaning in the tooltip: one line, like its neighbours
            "priority": Priority(case.priority).label if case.priority in set(Priority) else (case.priority or "").capitalize(),
            "case_type": _(case.case_type) if case.case_type in CASE_TYPES else case.case_type,
            "source": _(case.source) if case.source in SOURCES else case.source,
            "owner_name": case.owner_name or _("Unassigned"),
            "contact": contact,
            "created_at": format_datetime(case.created_at),
            "updated_at": format_datetime(case.updated_at),
            "resolved_at": format_datetime(case.resolved_at) if case.resolved_at else "",
            "closed_at": format_datetime(case.closed_at) if case.closed_at else "",
        }
        customer = role is Role.CUSTOMER
        if customer:
            values["owner_name"] = case.owner_name  # "Unassigned" is staff's business
        for key, label in self.labels.items():
            value = values.get(key, getattr(case, key, "")) or ""
            label.setText(value or "—")
            # Translators: a field and its value, as a screen reader reads them: "Status: Open".
            label.setAccessibleName(_("{field}: {value}").format(field=self._names[key], value=value or _("none")))
            if key == "severity":
                label.setToolTip(severity.meaning)
                label.setAccessibleName(_("{field}: {value}").format(field=self._names[key], value=severity.label_with_meaning))
            shown = bool(value) or not customer
            if key == "account_name" and customer and not several_accounts:
                shown = False
            self.form.setRowVisible(label, shown)
        for section, fields in SECTIONS:
            self.form.setRowVisible(self.headings[section], any(self._row_shown(key) for key, _label in fields))

    def _row_shown(self, key: str) -> bool:
        row, _role = self.form.getWidgetPosition(self.labels[key])
        return self.form.isRowVisible(row)
