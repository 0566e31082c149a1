"""Case fields, their allowed values and limits, and validation of what a user types."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

from casedesktop.i18n import N_, _, format_size, ngettext, pgettext

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
        """The status as a heading or a list cell shows it, in the user's language."""
        return _(_STATUS_LABELS[self])

    def label_for(self, role: Role) -> str:
        """Customers read "Waiting on you" where staff read "Waiting on customer"."""
        if self is Status.PENDING_CUSTOMER and role is Role.CUSTOMER:
            return _("Waiting on you")
        return self.label

    @property
    def is_active(self) -> bool:
        """Work is still going on: staff or customer still have something to do."""
        return self in (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD)


# English here, translated when read (`Status.label`): the language is chosen after import.
_STATUS_LABELS = {
    Status.NEW: N_("New"),
    Status.OPEN: N_("Open"),
    Status.PENDING_CUSTOMER: N_("Waiting on customer"),
    Status.ON_HOLD: N_("On hold"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
    Status.MERGED: N_("Merged"),
}


def status_phrase(status: Status, role: Role | None = None) -> str:
    """The status inside a sentence ("the case is {status}"): "waiting on you" for a customer
    given as `role`. Its own strings, since many languages do not just lowercase a label."""
    if status is Status.PENDING_CUSTOMER and role is Role.CUSTOMER:
        return pgettext("the case is …", "waiting on you")
    return {
        Status.NEW: lambda: pgettext("the case is …", "new"),
        Status.OPEN: lambda: pgettext("the case is …", "open"),
        Status.PENDING_CUSTOMER: lambda: pgettext("the case is …", "waiting on customer"),
        Status.ON_HOLD: lambda: pgettext("the case is …", "on hold"),
        Status.RESOLVED: lambda: pgettext("the case is …", "resolved"),
        Status.CLOSED: lambda: pgettext("the case is …", "closed"),
        Status.MERGED: lambda: pgettext("the case is …", "merged"),
    }[status]()


class Severity(StrEnum):
    """The customer's view of impact; it sets the response time."""

    CRITICAL = "critical"
    URGENT = "urgent"
    STANDARD = "standard"
    LOW = "low"

    @property
    def label(self) -> str:
        return _(_SEVERITY_LABELS[self])

    @property
    def meaning(self) -> str:
        """What the severity is for, so that the customer can choose ("production down, no workaround")."""
        return _(_SEVERITY_MEANINGS[self])

    @property
    def label_with_meaning(self) -> str:
        """The label and its meaning in one line, as a choice of severity shows it: the customer
        picks by what is happening, not by a word."""
        # Translators: a severity and what it is for, e.g. "Critical — production down, no workaround".
        return _("{severity} — {meaning}").format(severity=self.label, meaning=self.meaning)

    @property
    def rank(self) -> int:
        """0 is the most severe; used for sorting."""
        return list(Severity).index(self)


_SEVERITY_LABELS = {
    Severity.CRITICAL: N_("Critical"),
    Severity.URGENT: N_("Urgent"),
    Severity.STANDARD: N_("Standard"),
    Severity.LOW: N_("Low"),
}
# Short enough to follow the label in a drop-down, concrete enough to choose by.
_SEVERITY_MEANINGS = {
    Severity.CRITICAL: N_("production down, no workaround"),
    Severity.URGENT: N_("a key function fails, work goes on with difficulty"),
    Severity.STANDARD: N_("something does not work as it should, a workaround exists"),
    Severity.LOW: N_("a question, a request or a cosmetic problem"),
}


class Priority(StrEnum):
    """Staff's view of urgency, set by staff only."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return _(_PRIORITY_LABELS[self])


_PRIORITY_LABELS = {Priority.LOW: N_("Low"), Priority.MEDIUM: N_("Medium"), Priority.HIGH: N_("High"),
                    Priority.CRITICAL: N_("Critical")}


# Values the server stores and checks, in English; a choice shows them through `_`.
CASE_TYPES = (N_("Problem"), N_("Question"), N_("Incident"), N_("Service request"), N_("Feature request"))
SOURCES = (N_("Portal"), N_("Desktop"), N_("Email"), N_("Phone"), N_("Chat"), N_("Other"))
MAX_CC = 20
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")


def parse_emails(text: str) -> list[str]:
    """Split what the user typed (commas, semicolons, spaces, new lines) into addresses."""
    return [part for part in re.split(r"[,;\s]+", text.strip()) if part]


def validate_emails(emails: list[str]) -> list[ValidationError]:
    bad = [e for e in emails if not _EMAIL.match(e)]
    if bad:
        return [ValidationError("cc_emails", _("{address} is not an email address; write it as name@example.com.")
                                .format(address=bad[0]))]
    if len(emails) > MAX_CC:
        return [ValidationError("cc_emails", ngettext("Copy at most {count} person.", "Copy at most {count} people.",
                                                      MAX_CC).format(count=MAX_CC))]
    return []


class CommentKind(StrEnum):
    REPLY = "reply"  # customer and staff see it
    INTERNAL = "internal"  # staff only: never sent to a customer
    ACTIVITY = "activity"  # system generated


@dataclass(frozen=True)
class ValidationError:
    """One problem with one field, worded for the person who typed it (in their language on the
    client; the server installs no language, so its messages stay English)."""

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
        errors.append(ValidationError("subject", _("Enter a subject: one line that sums up the problem.")))
    elif len(subject) > SUBJECT_MAX:
        errors.append(ValidationError("subject", ngettext(
            "The subject is {length} character; keep it to {limit}.",
            "The subject is {length} characters; keep it to {limit}.", len(subject),
        ).format(length=len(subject), limit=SUBJECT_MAX)))
    if not visible(description):
        errors.append(ValidationError("description", _("Describe the problem: what you did and what happened.")))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(ValidationError("description", ngettext(
            "The description is {length} character; keep it to {limit}.",
            "The description is {length} characters; keep it to {limit}.", len(description),
        ).format(length=len(description), limit=DESCRIPTION_MAX)))
    if severity not in {s.value for s in Severity}:
        errors.append(ValidationError("severity", _("Severity must be one of {choices}.").format(
            choices=", ".join(s.value for s in Severity))))
    return errors


def validate_reply(body: str) -> list[ValidationError]:
    if not visible(body):
        return [ValidationError("body", _("Write something before sending."))]
    if len(body) > REPLY_MAX:
        return [ValidationError("body", ngettext(
            "The reply is {length} character; keep it to {limit}.",
            "The reply is {length} characters; keep it to {limit}.", len(body),
        ).format(length=len(body), limit=REPLY_MAX))]
    return []


def status_text(status: Status, role: Role, escalated: bool = False, close_requested: bool = False) -> str:
    """A case's status as every view shows it (list, detail, CLI): "Waiting on you · Escalated"."""
    parts = [status.label_for(role)]
    if escalated:
        parts.append(_("Escalated"))
    if close_requested and status.is_active:
        parts.append(_("Close requested"))
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
        return [ValidationError("product", _("Choose the product the problem is in."))] if products else []
    if known_product(wanted, products) is None:
        return [ValidationError("product", _("There is no product {product}; choose one from the list.")
                                .format(product=repr(wanted.strip())))]
    return []


def validate_attachments(
    files: list[tuple[str, int]],
    max_bytes: int = MAX_ATTACHMENT_BYTES,
    max_total: int = MAX_TOTAL_ATTACHMENT_BYTES,
) -> list[ValidationError]:
    """Check (name, size) pairs against the limits before any byte is copied or sent."""
    errors = [ValidationError("attachments", _too_large(name, size, max_bytes)) for name, size in files
              if size > max_bytes]
    total = sum(size for _name, size in files)
    if not errors and total > max_total:
        errors.append(
            ValidationError(
                "attachments",
                _("Together the files are {total}; at most {limit} can be attached at once "
                  "(the last one, {name}, goes over).").format(
                    total=format_size(total), limit=format_size(max_total), name=files[-1][0]),
            )
        )
    return errors


def _too_large(name: str, size: int, limit: int) -> str:
    """Says by how much when the rounded sizes read the same ("40 MB" for a file of 40 MB and one
    byte): "it is 40 MB; at most 40 MB" would make no sense."""
    if format_size(size) == format_size(limit):
        return _("{name} is {excess} over the limit of {limit} for a file. Compress it or share a smaller part."
                 ).format(name=name, excess=format_size(size - limit), limit=format_size(limit))
    return _("{name} is {size}; files can be at most {limit}. Compress it or share a smaller part.").format(
        name=name, size=format_size(size), limit=format_size(limit))
