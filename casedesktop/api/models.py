"""Pydantic models of every request and response of the REST API (version 1).

Times are timezone-aware UTC. Every entity a client creates carries a client-made UUID so that a
retried request is idempotent: the server answers with what it already has, never a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from casedesktop.domain import (
    DESCRIPTION_MAX,
    REASON_MAX,
    REPLY_MAX,
    SUBJECT_MAX,
    Action,
    CommentKind,
    Priority,
    Role,
    Severity,
    Status,
)

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1

__all__ = [
    "API_PREFIX",
    "PROTOCOL_VERSION",
    "SURVEY_ANSWER_MAX",
    "SURVEY_QUESTIONS_MAX",
    "AcceptRequest",
    "AccountOut",
    "ActionRequest",
    "ActivityOut",
    "AssignRequest",
    "AttachmentOut",
    "CaseCreate",
    "CaseOut",
    "ChangeItem",
    "ChangesPage",
    "CommentCreate",
    "CommentOut",
    "ContactOut",
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
    "ResolveRequest",
    "TriageRequest",
    "UserOut",
]

SURVEY_QUESTIONS_MAX = 10
SURVEY_ANSWER_MAX = 1000

SurveyAnswers = Annotated[
    dict[
        Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=SURVEY_ANSWER_MAX)]
    ],
    Field(max_length=SURVEY_QUESTIONS_MAX),
]


class _Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, use_enum_values=False)


class Health(_Model):
    status: Literal["ok"] = "ok"
    version: str
    protocol: int = PROTOCOL_VERSION


class LoginRequest(_Model):
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


class CaseCreate(_Model):
    id: UUID  # made by the client; the idempotency key
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    severity: Severity = Severity.STANDARD
    product: str = Field(default="", max_length=200)
    account_id: UUID | None = None  # required only when the user belongs to several accounts
    created_at: datetime | None = None  # when the user made it, possibly offline
    contact_id: UUID | None = None  # opened on behalf of this contact (default: the user)
    environment: str = Field(default="", max_length=200)  # tenant, site or reporting group
    case_type: str = Field(default="", max_length=60)  # one of domain.CASE_TYPES
    cc_emails: list[str] = Field(default_factory=list, max_length=20)
    # Staff only (a customer who sets them gets 403): staff log cases for their customers.
    priority: Priority | None = None
    category: str = Field(default="", max_length=100)
    source: str = Field(default="", max_length=40)  # one of domain.SOURCES; default Desktop


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


class CommentCreate(_Model):
    id: UUID
    body: str = Field(min_length=1, max_length=REPLY_MAX)
    kind: Literal[CommentKind.REPLY, CommentKind.INTERNAL] = CommentKind.REPLY
    created_at: datetime | None = None


class CommentOut(_Model):
    id: UUID
    case_id: UUID
    author_id: UUID | None
    author_name: str
    author_role: Role
    kind: CommentKind
    body: str
    created_at: datetime


class ActionRequest(_Model):
    id: UUID  # made by the client; a retried action is applied once
    action: Action
    reason: str = Field(default="", max_length=REASON_MAX)
    summary: str = Field(default="", max_length=REASON_MAX)
    root_cause: str = Field(default="", max_length=REASON_MAX)
    resolution_type: str = Field(default="", max_length=200)
    parent_case_id: UUID | None = None
    survey: dict[str, str] = {}


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

    seq: int
    entity: Literal["case", "comment", "activity", "attachment"]
    case: CaseOut | None = None
    comment: CommentOut | None = None
    activity: ActivityOut | None = None
    attachment: AttachmentOut | None = None


class ChangesPage(_Model):
    changes: list[ChangeItem]
    cursor: int  # pass back as ?cursor= to get what came after this page
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


class _ActionBody(_Model):
    id: UUID | None = None


class ReasonRequest(_ActionBody):
    """escalate, reject, reopen: the reason is required."""

    reason: str = Field(min_length=1, max_length=REASON_MAX)


class NoteRequest(_ActionBody):
    """request-close, close, pick-up, pending-customer, hold, resume: a reason is optional."""

    reason: str = Field(default="", max_length=REASON_MAX)


class AcceptRequest(_ActionBody):
    """accept: the optional short survey, e.g. {"solved": "yes", "rating": "5"}."""

    survey: SurveyAnswers = {}


class ResolveRequest(_ActionBody):
    summary: str = Field(min_length=1, max_length=REASON_MAX)
    root_cause: str = Field(default="", max_length=REASON_MAX)
    resolution_type: str = Field(default="", max_length=200)


class MergeRequest(_ActionBody):
    parent_case_id: UUID
    reason: str = Field(default="", max_length=REASON_MAX)


class AssignRequest(_ActionBody):
    """Staff: set the case's owner (a staff user), or null to unassign."""

    owner_id: UUID | None = None


class TriageRequest(_ActionBody):
    """Staff: set priority, category and/or severity; a field left out (null) stays as it is."""

    priority: Priority | None = None
    category: str | None = Field(default=None, max_length=100)
    severity: Severity | None = None
