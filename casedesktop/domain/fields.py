"""Case fields, their allowed values and limits, and validation of what a user types."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

SUBJECT_MAX = 255
DESCRIPTION_MAX = 32_000
REPLY_MAX = 32_000
REASON_MAX = 4_000
MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024  # per file: what the portals allow (35-40 MB)
MAX_TOTAL_ATTACHMENT_BYTES = 200 * 1024 * 1024  # per case or reply, all files together


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CUSTOMER


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    def label_for(self, role: Role) -> str:
        """Customers read "Waiting on you" where staff read "Waiting on customer"."""
        if self is Status.PENDING_CUSTOMER and role is Role.CUSTOMER:
            return "Waiting on you"
        return self.label

    @property
    def is_active(self) -> bool:
        """Work is still going on: staff or customer still have something to do."""
        return self in (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD)


_STATUS_LABELS = {
    Status.NEW: "New",
    Status.OPEN: "Open",
    Status.PENDING_CUSTOMER: "Waiting on customer",
    Status.ON_HOLD: "On hold",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
    Status.MERGED: "Merged",
}


class Severity(StrEnum):
    """The customer's view of impact; it sets the response time."""

    CRITICAL = "critical"
    URGENT = "urgent"
    STANDARD = "standard"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def meaning(self) -> str:
        return _SEVERITY_MEANINGS[self]

    @property
    def rank(self) -> int:
        """0 is the most severe; used for sorting."""
        return list(Severity).index(self)


_SEVERITY_MEANINGS = {
    Severity.CRITICAL: "Immediate attention required, business operations halted.",
    Severity.URGENT: "Severe impact on the application, but it is still functional.",
    Severity.STANDARD: "Minor disruption, work efficiency affected.",
    Severity.LOW: "General query or enhancement request, no significant business impact.",
}


class Priority(StrEnum):
    """Staff's view of urgency, set by staff only."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


CASE_TYPES = ("Problem", "Question", "Incident", "Service request", "Feature request")
SOURCES = ("Portal", "Desktop", "Email", "Phone", "Chat", "Other")
MAX_CC = 20
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")


def parse_emails(text: str) -> list[str]:
    """Split what the user typed (commas, semicolons, spaces, new lines) into addresses."""
    return [part for part in re.split(r"[,;\s]+", text.strip()) if part]


def validate_emails(emails: list[str]) -> list[ValidationError]:
    bad = [e for e in emails if not _EMAIL.match(e)]
    if bad:
        return [ValidationError("cc_emails", f"{bad[0]} is not an email address; write it as name@example.com.")]
    if len(emails) > MAX_CC:
        return [ValidationError("cc_emails", f"Copy at most {MAX_CC} people.")]
    return []


class CommentKind(StrEnum):
    REPLY = "reply"  # customer and staff see it
    INTERNAL = "internal"  # staff only: never sent to a customer
    ACTIVITY = "activity"  # system generated


@dataclass(frozen=True)
class ValidationError:
    """One problem with one field, worded for the person who typed it."""

    field: str
    message: str


# What shows as nothing but is not whitespace: control characters (C0 and C1, whitespace aside)
# and the format characters of the basic plane (bidi marks and overrides, zero-width spaces and
# joiners, the word joiner, the BOM...). Spelled out as a regex class so that the API's schema says
# the same set (api.models.BLANK_PATTERN); a test walks every code point to keep them in step.
INVISIBLE_CLASS = (
    r"\u0000-\u0008\u000e-\u001b\u007f-\u0084\u0086-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    r"\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
_INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}]+")


def visible(text: str) -> str:
    """`text` without what shows as nothing, stripped: what "blank" is judged on."""
    return _INVISIBLE.sub("", text).strip()


def validate_new_case(subject: str, description: str, severity: str) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if not visible(subject):
        errors.append(ValidationError("subject", "Enter a subject: one line that sums up the problem."))
    elif len(subject) > SUBJECT_MAX:
        errors.append(
            ValidationError("subject", f"The subject is {len(subject)} characters; keep it to {SUBJECT_MAX}.")
        )
    if not visible(description):
        errors.append(ValidationError("description", "Describe the problem: what you did and what happened."))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(
            ValidationError(
                "description",
                f"The description is {len(description)} characters; keep it to {DESCRIPTION_MAX}.",
            )
        )
    if severity not in {s.value for s in Severity}:
        errors.append(
            ValidationError("severity", f"Severity must be one of {', '.join(s.value for s in Severity)}.")
        )
    return errors


def validate_reply(body: str) -> list[ValidationError]:
    if not visible(body):
        return [ValidationError("body", "Write something before sending.")]
    if len(body) > REPLY_MAX:
        return [ValidationError("body", f"The reply is {len(body)} characters; keep it to {REPLY_MAX}.")]
    return []


def status_text(status: Status, role: Role, escalated: bool = False, close_requested: bool = False) -> str:
    """A case's status as every view shows it (list, detail, CLI): "Waiting on you · Escalated"."""
    parts = [status.label_for(role)]
    if escalated:
        parts.append("Escalated")
    if close_requested and status.is_active:
        parts.append("Close requested")
    return " · ".join(parts)


def without_nul(value):  # noqa: ANN001, ANN201 - str, list, dict or dataclass in, the same type out
    """`value` with every NUL character taken out of its text (nested lists, dicts and frozen
    dataclasses too). NUL never means anything in a support case, PostgreSQL cannot store it, and
    the API refuses it: typed or pasted text loses it before it is kept."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: without_nul(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def known_product(wanted: str, products: list[str]) -> str | None:
    """The product as the vendor spells it (case and spaces forgiven), `wanted` itself while the
    vendor lists no products, None when it is not one of them."""
    wanted = wanted.strip()
    if not products:
        return wanted
    return next((name for name in products if name.casefold() == wanted.casefold()), None)


def validate_product(wanted: str, products: list[str]) -> list[ValidationError]:
    """One rule for the window and the CLI: a product is required whenever the vendor lists any
    (while none is known, e.g. before the first sync, it may be left to the vendor's staff)."""
    if not wanted.strip():
        return [ValidationError("product", "Choose the product the problem is in.")] if products else []
    if known_product(wanted, products) is None:
        return [ValidationError("product", f"There is no product {wanted.strip()!r}; choose one from the list.")]
    return []


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def validate_attachments(
    files: list[tuple[str, int]],
    max_bytes: int = MAX_ATTACHMENT_BYTES,
    max_total: int = MAX_TOTAL_ATTACHMENT_BYTES,
) -> list[ValidationError]:
    """Check (name, size) pairs against the limits before any byte is copied or sent."""
    errors = [
        ValidationError(
            "attachments",
            f"{name} is {megabytes(size)}; files can be at most {megabytes(max_bytes)}. "
            "Compress it or share a smaller part.",
        )
        for name, size in files
        if size > max_bytes
    ]
    total = sum(size for _, size in files)
    if not errors and total > max_total:
        errors.append(
            ValidationError(
                "attachments",
                f"Together the files are {megabytes(total)}; at most {megabytes(max_total)} "
                f"can be attached at once (the last one, {files[-1][0]}, goes over).",
            )
        )
    return errors
