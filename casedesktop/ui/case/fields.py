"""The Details tab: the case's fields in the portals' sections, and its description."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QTextBrowser, QWidget

from casedesktop.domain import Role, Severity, Status, status_text
from casedesktop.store.models import CaseRow
from casedesktop.ui.formatting import when

# The sections of the portals' case pages, in their order.
SECTIONS = (
    ("Case information", (("number", "Case number"), ("case_type", "Type"), ("product", "Product"),
                          ("environment", "Environment"), ("account_name", "Account"))),
    ("Status information", (("status", "Status"), ("severity", "Severity"), ("priority", "Priority"),
                            ("category", "Category"), ("source", "Source"), ("owner_name", "Owner"))),
    ("Contact information", (("reported_by_name", "Reported by"), ("contact", "Contact"),
                             ("cc_emails", "Cc"))),
    ("Dates", (("created_at", "Created"), ("updated_at", "Last updated"), ("resolved_at", "Resolved"),
               ("closed_at", "Closed"))),
    ("Resolution", (("resolution_summary", "Summary"), ("resolution_root_cause", "Root cause"),
                    ("resolution_type", "Resolution type"))),
)


class CaseFields(QScrollArea):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        details = QWidget()
        self.form = QFormLayout(details)
        self.labels: dict[str, QLabel] = {}
        for section, fields in SECTIONS:
            heading = QLabel(section)
            heading_font = heading.font()
            heading_font.setBold(True)
            heading.setFont(heading_font)
            self.form.addRow(heading)
            for key, label in fields:
                value = QLabel("—")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(label)
                self.labels[key] = value
                self.form.addRow(label + ":", value)
        self.description = QTextBrowser()
        self.description.setAccessibleName("Case description")
        self.description.setMinimumHeight(90)
        self.form.addRow("Description:", self.description)
        self.setWidgetResizable(True)
        self.setWidget(details)

    def show_case(self, case: CaseRow, role: Role) -> None:
        status = status_text(Status(case.status), role, case.escalated, case.close_requested)
        contact = case.contact_name + (f" <{case.contact_email}>" if case.contact_email else "")
        severity = Severity(case.severity)
        values = {
            "number": case.number or "assigned when the server receives it",
            "status": status,
            "severity": f"{severity.label} — {severity.meaning}",
            "priority": (case.priority or "").capitalize(),
            "owner_name": case.owner_name or "Unassigned",
            "contact": contact,
            "created_at": when(case.created_at),
            "updated_at": when(case.updated_at),
            "resolved_at": when(case.resolved_at) if case.resolved_at else "",
            "closed_at": when(case.closed_at) if case.closed_at else "",
        }
        for key, label in self.labels.items():
            label.setText(values.get(key, getattr(case, key, "")) or "—")
        self.description.setPlainText(case.description)
