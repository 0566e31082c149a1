"""Pydantic models of every request and response of the REST API (version 1).

Times are timezone-aware UTC. Every entity a client creates carries a client-made UUID so that a
retried request is idempotent: the server answers with what it already has, never a duplicate.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from casedesktop.domain import (
    CASE_TYPES,
    DESCRIPTION_MAX,
    INVISIBLE_CLASS,
    REASON_MAX,
    REPLY_MAX,
    SOURCES,
    SUBJECT_MAX,
    Action,
    ActionInput,
    CommentKind,
    Milestone,
    Priority,
    Role,
    Severity,
    SlaState,
    Status,
)
from casedesktop.domain.lifecycle import RULES

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1
# GET /changes?wait=S: the longest S (seconds) a long-poll may ask for, and the header every feed
# answer carries with the wait granted; a server without long-polls sends no such header.
MAX_CHANGES_WAIT = 30
CHANGES_WAIT_HEADER = "X-Changes-Wait"

__all__ = [
    "API_PREFIX",
    "CHANGES_WAIT_HEADER",
    "MAX_CHANGES_WAIT",
    "PROTOCOL_VERSION",
    "BLANK_PATTERN",
    "CATEGORY_MAX",
    "CUSTOMER_SOURCES",
    "EMAIL_MAX",
    "SURVEY_ANSWER_MAX",
    "SURVEY_QUESTIONS_MAX",
    "WIRE_INT_MAX",
    "owner_pattern",
    "AcceptRequest",
    "AccountOut",
    "ActionRequest",
    "ActivityOut",
    "AskCustomerRequest",
    "AssignRequest",
    "AttachmentOut",
    "CaseCreate",
    "CaseOut",
    "CategoryOut",
    "ChangeItem",
    "ChangesPage",
    "ClientTime",
    "CommentCreate",
    "CommentDeleteRequest",
    "CommentOut",
    "ContactOut",
    "CsatOut",
    "ErrorCode",
    "ErrorOut",
    "Health",
    "LimitsOut",
    "LoginRequest",
    "LoginResponse",
    "MergeRequest",
    "NoteRequest",
    "ProductOut",
    "ReasonRequest",
    "RequestModel",
    "ResolveRequest",
    "SlaOut",
    "StaffSummaryOut",
    "TriageRequest",
    "UserOut",
]

SURVEY_QUESTIONS_MAX = 10
SURVEY_ANSWER_MAX = 1000
EMAIL_MAX = 320  # RFC 5321: 64 for the local part, @, 255 for the domain
CATEGORY_MAX = 100  # characters of a category's name (the vendor's list, `create-category`)
# Where a case came from. Customers' own cases come from the client or the web portal; staff
# log the others for them. Sent and stored in this spelling (any letter case is taken).
CUSTOMER_SOURCES = ("Desktop", "Portal")

# The largest integer the API takes (and gives): exact in every JSON parser (a double holds whole
# numbers up to 2**53; OpenAPI tools write bounds as doubles, so 2**63 - 1 read back as 2**63) and
# far inside the database's signed 64-bit columns (2**63 - 1), so no number a client sends can
# overflow a query. Every integer of a request body or query is bounded by it.
WIRE_INT_MAX = 2**53 - 1

# What Python's str.strip() removes (str.isspace), spelled out code point by code point, so that
# JSON Schema (ECMA-262), Python and Rust regexes read the same set: each one's own `\s` differs.
_WHITESPACE = (
    r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f"
    r"\u205f\u3000"
)
# In a schema, `not` this: nothing but whitespace and characters that show as nothing. The server refuses blank text with the domain's
# own message; this tells the schema's readers. (`not` rather than a pattern that matches a
# non-blank character: generators filter the rare blank value instead of building each string
# around a regex.)
BLANK_PATTERN = f"^[{_WHITESPACE}{INVISIBLE_CLASS}]*$"
_NOT_BLANK: dict[str, Any] = {"not": {"pattern": BLANK_PATTERN}}


def _not_blank(**field: Any) -> Any:
    return Field(json_schema_extra=_NOT_BLANK, **field)


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


def _one_of_pattern(options: tuple[str, ...], *, empty: bool = True) -> str:
    """A schema pattern for one of `options` (or "" where `empty`) in any letter case, blanks
    around allowed (what the server's case-insensitive match of the stripped value takes)."""
    words = "|".join(_any_case(option) for option in options)
    return f"^[{_WHITESPACE}]*(?:{words}){'?' if empty else ''}[{_WHITESPACE}]*$"


def owner_pattern() -> str:
    """GET /cases?owner=: me, none, or a staff member's email (a schema pattern)."""
    return f"^[{_WHITESPACE}]*(?:{_any_case('me')}|{_any_case('none')})[{_WHITESPACE}]*$|" + (
        _email_pattern()
    )


def _email_pattern() -> str:
    """domain.fields' address check (`^[^@\\s,;<>]+@[^@\\s,;<>]+\\.[^@\\s,;<>]{2,}$` on the
    stripped value), as a schema pattern over the value as sent."""
    part = f"[^@{_WHITESPACE},;<>]"
    return f"^[{_WHITESPACE}]*{part}+@{part}+\\.{part}{{2,}}[{_WHITESPACE}]*$"


SurveyAnswers = Annotated[
    dict[
        Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=SURVEY_ANSWER_MAX)]
    ],
    Field(max_length=SURVEY_QUESTIONS_MAX),
]

_DATE_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _date_and_time_only(value: object) -> object:
    """A date and time as ISO 8601 text (or a datetime): pydantic alone would also take a number
    of seconds (`0` as 1970) or a bare date, neither of which the schema's date-time offers."""
    if isinstance(value, datetime) or (isinstance(value, str) and _DATE_AND_TIME.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_type",
        "Input should be a date and time in ISO 8601 form, such as 2026-05-01T09:30:00Z",
    )


def _in_utc(value: datetime) -> datetime:
    """The same instant in UTC (no zone given: UTC, as the protocol says). 0001-01-01T00:00+14:00
    is a valid ISO 8601 text whose UTC instant is before year 1: refused here (422) instead of
    overflowing wherever it is first compared or stored."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "Input should be a date and time between the years 1 and 9999 in UTC"
        ) from None


# A time a client says something happened (possibly offline). The server also keeps it within a
# window around its own clock (server/services/cases.py: client_time); this is only the form.
ClientTime = Annotated[datetime, BeforeValidator(_date_and_time_only), AfterValidator(_in_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, use_enum_values=False)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    return False  # numbers, ids, times, and nested models (which check themselves)


class RequestModel(_Model):
    """The base of every body a client sends.

    No text anywhere in a request may hold a NUL character (U+0000): PostgreSQL cannot store one
    (it fails the statement, which was a 500 even on the sign-in form), and no text a person
    types has one. One rule for every string of every request, dict keys and list items
    included, so both databases answer the same 422 naming the field. Fields listed in
    `_raw_fields` hold a payload checked later as a model of its own (push mutations).
    """

    _raw_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name not in cls._raw_fields and _has_nul(value):
            raise PydanticCustomError("string_nul", "Text must not contain NUL characters (U+0000)")
        return value


class Health(_Model):
    status: Literal["ok"] = "ok"
    version: str
    protocol: int = PROTOCOL_VERSION


class LoginRequest(RequestModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(_Model):
    id: UUID
    email: str
    name: str
    role: Role
    account_ids: list[UUID] = []


class LoginResponse(_Model):
    token: str
    user: UserOut


class CaseCreate(RequestModel):
    id: UUID  # made by the client; the idempotency key
    subject: str = _not_blank(min_length=1, max_length=SUBJECT_MAX)
    description: str = _not_blank(min_length=1, max_length=DESCRIPTION_MAX)
    severity: Severity = Severity.STANDARD
    product: str = Field(default="", max_length=200)
    account_id: UUID | None = None  # required only when the user belongs to several accounts
    created_at: ClientTime | None = None  # when the user made it, possibly offline
    contact_id: UUID | None = None  # opened on behalf of this contact (default: the user)
    environment: str = Field(default="", max_length=200)  # tenant, site or reporting group
    case_type: str = Field(  # one of domain.CASE_TYPES (any letter case), or ""
        default="", max_length=60, json_schema_extra={"pattern": _one_of_pattern(CASE_TYPES)}
    )
    cc_emails: list[
        Annotated[str, Field(max_length=EMAIL_MAX, json_schema_extra={"pattern": _email_pattern()})]
    ] = Field(default_factory=list, max_length=20)
    # Staff only (a customer who sets them gets 422): staff log cases for their customers.
    priority: Priority | None = None
    category: str = Field(default="", max_length=CATEGORY_MAX)  # one of GET /categories, or ""
    # One of domain.SOURCES (any letter case), or "" for Desktop; customers may send only one of
    # CUSTOMER_SOURCES.
    source: str = Field(
        default="", max_length=40, json_schema_extra={"pattern": _one_of_pattern(SOURCES)}
    )


class SlaOut(_Model):
    """Where a case stands against its priority's service level targets (domain/sla.py), as of
    the answer: a client may work `state` out again from the due times as time passes. Staff
    only; the clock does not pause while the case waits on the customer."""

    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_response_at: datetime | None = None  # the first public staff reply
    breached: list[Milestone] = []
    state: SlaState


class CaseOut(_Model):
    id: UUID
    number: str  # human number such as CS-1001, assigned by the server
    account_id: UUID
    account_name: str = ""
    reported_by: UUID
    reported_by_name: str = ""
    subject: str
    description: str
    status: Status
    severity: Severity
    priority: Priority | None = None
    product: str = ""
    escalated: bool = False
    close_requested: bool = False
    owner_id: UUID | None = None
    owner_name: str = ""
    parent_case_id: UUID | None = None
    resolution_summary: str = ""
    resolution_root_cause: str = ""
    resolution_type: str = ""
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    contact_id: UUID | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    environment: str = ""
    case_type: str = ""
    category: str = ""
    source: str = ""
    cc_emails: list[str] = []
    survey: dict[str, str] = {}
    # Staff only: null for customers, as are priority and owner_id ("" for category and
    # owner_name): staff's triage is never shown to them. Null too where the case's priority has
    # no service level targets.
    sla: SlaOut | None = None


class CommentCreate(RequestModel):
    id: UUID
    body: str = _not_blank(min_length=1, max_length=REPLY_MAX)
    kind: Literal[CommentKind.REPLY, CommentKind.INTERNAL] = CommentKind.REPLY
    created_at: ClientTime | None = None


class CommentOut(_Model):
    id: UUID
    case_id: UUID
    author_id: UUID | None
    author_name: str
    author_role: Role
    kind: CommentKind
    body: str
    created_at: datetime
    # Set when its author deleted the internal note (DELETE /cases/{id}/comments/{comment_id}):
    # the body is then "" and a client drops the note and the files attached to it. Only the
    # change feed carries deleted notes, to staff alone; comment lists leave them out.
    deleted_at: datetime | None = None


class CommentDeleteRequest(RequestModel):
    """A push mutation of kind "delete_comment" (the push form of DELETE
    /cases/{id}/comments/{comment_id}); deleting a note twice is deleting it once."""

    id: UUID  # the client's id of this change (the mutation's id)
    comment_id: UUID


def _required_inputs_schema() -> dict[str, Any]:
    """JSON Schema for the inputs each action needs (domain RULES: `requires`), e.g. escalate's
    reason: `if action is X then these are required and not blank`. The server checks the same
    table (422 naming the field) before anything else, a replayed request id included."""
    conditions = []
    for action, rule in RULES.items():
        if not rule.requires:
            continue
        needed: dict[str, Any] = {
            name: (
                {"type": "string", "format": "uuid"}
                if name == "parent_case_id"
                else {"type": "string", **_NOT_BLANK}
            )
            for name in rule.requires
        }
        conditions.append(
            {
                "if": {"properties": {"action": {"const": action.value}}, "required": ["action"]},
                "then": {"required": list(rule.requires), "properties": needed},
            }
        )
    return {"allOf": conditions}


class ActionRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra=_required_inputs_schema())

    id: UUID  # made by the client; a retried action is applied once
    action: Action
    reason: str = Field(default="", max_length=REASON_MAX)  # required by some actions (RULES)
    summary: str = Field(default="", max_length=REASON_MAX)
    root_cause: str = Field(default="", max_length=REASON_MAX)
    resolution_type: str = Field(default="", max_length=200)
    parent_case_id: UUID | None = None
    survey: SurveyAnswers = {}

    def to_input(self) -> ActionInput:
        """What the domain's lifecycle table takes: the server applies it, the client replays it."""
        return ActionInput(
            reason=self.reason,
            summary=self.summary,
            root_cause=self.root_cause,
            resolution_type=self.resolution_type,
            parent_case_id=str(self.parent_case_id) if self.parent_case_id else "",
            survey=dict(self.survey),
        )


class ActivityOut(_Model):
    id: UUID
    case_id: UUID
    actor_id: UUID | None
    actor_name: str
    action: str  # an Action value, or "create" / "reply"
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str = ""
    created_at: datetime
    # What else the action recorded, e.g. the earlier resolution on reopen/reject
    # (previous_summary, previous_root_cause, previous_resolution_type), or triage changes.
    details: dict[str, str] = {}


class AttachmentOut(_Model):
    """A file attached to a case, or to one of its comments, after its upload completed."""

    id: UUID  # made by the client (the upload's attachment_id): a retried upload is one file
    case_id: UUID
    comment_id: UUID | None = None
    filename: str  # as the user named it; only ever shown, never used as a path
    size: int
    sha256: str  # hex
    content_type: str
    uploader_id: UUID | None = None
    uploader_name: str = ""
    created_at: datetime
    staff_only: bool = False  # attached to an internal note: customers never see it


class ChangeItem(_Model):
    """One entry of the change feed; exactly one of case, comment, activity, attachment is set."""

    seq: int = Field(le=WIRE_INT_MAX)
    entity: Literal["case", "comment", "activity", "attachment"]
    case: CaseOut | None = None
    comment: CommentOut | None = None
    activity: ActivityOut | None = None
    attachment: AttachmentOut | None = None


class ChangesPage(_Model):
    changes: list[ChangeItem]
    cursor: int = Field(le=WIRE_INT_MAX)  # pass back as ?cursor= to get what came after this page
    has_more: bool


class ErrorCode(StrEnum):
    UNAUTHORIZED = "unauthorized"  # 401: no token, a bad token, or wrong email/password
    FORBIDDEN = "forbidden"  # 403: signed in, but this role may not do this
    NOT_FOUND = "not_found"  # 404: no such thing, or not one this user may see
    INVALID_TRANSITION = "invalid_transition"  # 409: the case's state does not allow the action
    CONFLICT = "conflict"  # 409: the id is taken by something different
    VALIDATION = "validation"  # 422: a field is missing or wrong; `field` names it
    TOO_LARGE = "too_large"  # 413
    INTERNAL = "internal"  # 500: a fault on the server; try again later
    BAD_REQUEST = "bad_request"  # 400: a malformed header or body (e.g. tus Upload-Metadata)
    RATE_LIMITED = "rate_limited"  # 429: too many attempts; wait for Retry-After seconds
    OFFSET_MISMATCH = "offset_mismatch"  # 409: a tus PATCH at another offset than the server's
    CHECKSUM_MISMATCH = "checksum_mismatch"  # 460: a chunk or the whole file failed its sha256
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"  # 416: a download Range past the file's end
    UNSUPPORTED = "unsupported"  # 412/415: tus version or content type the server cannot take
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405: the path exists; `Allow` lists its methods


class ErrorOut(_Model):
    """Every error body: a stable code, one sentence for the user, and details where they help."""

    code: ErrorCode
    message: str
    field: str | None = None
    current_status: Status | None = None


# --- Accounts, contacts, products and limits: what the New Case dialog offers ---------------


class ContactOut(_Model):
    """A person of a customer's team; a case may be opened on their behalf."""

    id: UUID
    account_id: UUID
    name: str
    email: str = ""
    phone: str = ""
    user_id: UUID | None = None  # set when the contact can also sign in


class AccountOut(_Model):
    """A customer organisation the caller may open cases for (staff: every account)."""

    id: UUID
    name: str
    contacts: list[ContactOut] = []


class ProductOut(_Model):
    id: UUID
    name: str


class CategoryOut(_Model):
    """A category staff file cases under (the vendor's list: `casedesktop-server
    create-category`); every signed-in user may read the names."""

    name: str


class LimitsOut(_Model):
    """The server's limits; the client checks them before any work starts."""

    max_attachment_bytes: int
    max_subject_chars: int = SUBJECT_MAX
    max_description_chars: int = DESCRIPTION_MAX
    max_reply_chars: int = REPLY_MAX
    max_reason_chars: int = REASON_MAX
    max_cc_emails: int = 20
    upload_chunk_bytes: int = 8 * 1024 * 1024  # a good PATCH size for resumable uploads
    tus_version: str = "1.0.0"
    checksum_algorithm: str = "sha256"


# --- One request body per lifecycle action (POST /cases/{id}/<action>) ----------------------
# Each shares the generic POST /cases/{id}/actions implementation. `id` is the client's
# idempotency key for the action; when left out the server makes one (no retry safety).


class _ActionBody(RequestModel):
    id: UUID | None = None


class ReasonRequest(_ActionBody):
    """escalate, reject, reopen: the reason is required."""

    reason: str = _not_blank(min_length=1, max_length=REASON_MAX)


class NoteRequest(_ActionBody):
    """request-close, close, pick-up, pending-customer, hold, resume: a reason is optional."""

    reason: str = Field(default="", max_length=REASON_MAX)


class AcceptRequest(_ActionBody):
    """accept: the optional short survey, e.g. {"solved": "yes", "rating": "5"}."""

    survey: SurveyAnswers = {}


class ResolveRequest(_ActionBody):
    summary: str = _not_blank(min_length=1, max_length=REASON_MAX)
    root_cause: str = Field(default="", max_length=REASON_MAX)
    resolution_type: str = Field(default="", max_length=200)


class MergeRequest(_ActionBody):
    parent_case_id: UUID
    reason: str = Field(default="", max_length=REASON_MAX)


class AssignRequest(_ActionBody):
    """Staff: set the case's owner, a staff user named by id or by email (one of the two), or
    neither to unassign."""

    # Not both (else 422, field "owner_email"): stated in the schema too.
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["owner_id", "owner_email"],
                "properties": {"owner_id": {"type": "string"}, "owner_email": {"type": "string"}},
            }
        }
    )

    owner_id: UUID | None = None
    owner_email: str | None = Field(
        default=None,
        min_length=1,
        max_length=EMAIL_MAX,
        json_schema_extra={"pattern": _email_pattern()},
    )


class TriageRequest(_ActionBody):
    """Staff: set priority, category and/or severity; a field left out (null) stays as it is."""

    # At least one of them (else 422): stated in the schema too.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in ("priority", "category", "severity", "source")
            ]
        }
    )

    priority: Priority | None = None
    category: str | None = Field(default=None, max_length=CATEGORY_MAX)  # "" clears it
    severity: Severity | None = None
    source: str | None = Field(  # one of domain.SOURCES, any letter case
        default=None,
        max_length=40,
        json_schema_extra={"pattern": _one_of_pattern(SOURCES, empty=False)},
    )


class AskCustomerRequest(RequestModel):
    """Staff: ask the customer a question. One change: a reply with the question, and the case
    waits on the customer. `id` is the client's id of the change and the reply's id."""

    id: UUID
    question: str = _not_blank(min_length=1, max_length=REPLY_MAX)


# --- The staff desk: its summary cards -------------------------------------------------------


class CsatOut(_Model):
    """Satisfaction from the surveys of accepted resolutions in the window: the 1-5 answers."""

    average: float | None = None  # null without answers
    answers: int = 0
    satisfied: int = 0  # answers of 4 or 5
    scale: int = 5


class StaffSummaryOut(_Model):
    """GET /staff/summary: the counts above staff's case list. Open, critical, overdue,
    unassigned and mine count active cases (domain.queues); resolved_today counts cases resolved
    or closed since midnight in the asked time zone (UTC by default)."""

    open: int
    resolved_today: int
    total: int
    critical: int
    overdue: int
    unassigned: int
    mine: int
    avg_first_response_seconds: float | None = None  # cases opened in the window that got one
    csat: CsatOut
    window_days: int = 30
