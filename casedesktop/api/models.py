"""Pydantic models of every request and response of the REST API (version 1).

Times are timezone-aware UTC. Every entity a client creates carries a client-made UUID so that a
retried request is idempotent: the server answers with what it already has, never a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
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
    "ActionRequest",
    "ActivityOut",
    "CaseCreate",
    "CaseOut",
    "ChangeItem",
    "ChangesPage",
    "CommentCreate",
    "CommentOut",
    "ErrorCode",
    "ErrorOut",
    "Health",
    "LoginRequest",
    "LoginResponse",
    "UserOut",
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


class ChangeItem(_Model):
    """One entry of the change feed; exactly one of case, comment, activity is set."""

    seq: int
    entity: Literal["case", "comment", "activity"]
    case: CaseOut | None = None
    comment: CommentOut | None = None
    activity: ActivityOut | None = None


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


class ErrorOut(_Model):
    """Every error body: a stable code, one sentence for the user, and details where they help."""

    code: ErrorCode
    message: str
    field: str | None = None
    current_status: Status | None = None

