"""Tables of the local cache: what the server told us, what the user did, and what is left to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from casedesktop.store.types import UtcDateTime, utcnow


class Base(DeclarativeBase):
    pass


# List columns with their own index (migration 0002), so sorting by them reads an index.
SORTABLE_INDEXED = ("subject", "severity", "product", "account_name", "owner_name", "created_at")
FTS_TABLES = ("cases_fts", "comments_fts")  # maintained by triggers (migration 0002), not the ORM
SEARCH_TABLES = (*FTS_TABLES, "comment_cases")  # and the comments' case rowids (migration 0007)


class CaseRow(Base):
    """A case as last known: the server's state, or the user's own unsent one."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    account_id: Mapped[str | None] = mapped_column(String(36))
    account_name: Mapped[str] = mapped_column(String(200), default="")
    reported_by_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(200), default="")
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    close_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[str | None] = mapped_column(String(36))  # migration 0008
    parent_case_id: Mapped[str | None] = mapped_column(String(36))
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    resolution_root_cause: Mapped[str] = mapped_column(Text, default="")
    resolution_type: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unread: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    environment: Mapped[str] = mapped_column(String(200), default="")
    case_type: Mapped[str] = mapped_column(String(60), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(60), default="")
    cc_emails: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    # Migration 0008: the server's SLA object as JSON (staff only; customers' caches keep None).
    sla: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_status_updated_at", "status", "updated_at"),
        *(Index(f"ix_cases_{c}", c) for c in SORTABLE_INDEXED),
        # Migration 0007: the unread cases only, for their count (queries.unread_count).
        Index("ix_cases_unread", "unread", sqlite_where=text("unread = 1")),
    )


class CommentRow(Base):
    """A reply or (for staff) an internal note, in conversation order by created_at."""

    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[str | None] = mapped_column(String(36))  # migration 0008
    author_role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ActivityRow(Base):
    """A lifecycle event: who did what, from which status to which, and why."""

    __tablename__ = "activity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AttachmentRow(Base):
    """A file on a case (or on one reply): the server's record, or the user's own not yet uploaded.

    The bytes live in the blob store under `sha256`, once attached here or downloaded.
    """

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[str | None] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    uploader_name: Mapped[str] = mapped_column(String(200), default="")
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxOp(Base):
    """One change the user made that the server has not confirmed yet; sent in seq order."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))  # OpKind
    payload: Mapped[str] = mapped_column(Text)  # the request body, JSON from casedesktop.api
    state: Mapped[str] = mapped_column(String(16), default="pending")  # OpState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Migration 0005 (sync): the device's change number once sent (casedesktop/api/push.py), and
    # the case's status as the user saw it when acting, to tell them when the server moved on.
    push_seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    base_status: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_outbox_case_state", "case_id", "state"),
        Index("ix_outbox_state", "state"),
    )


class SyncNotice(Base):
    """Something sync did that the user should know: a change refused, overtaken or moved on."""

    __tablename__ = "sync_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    op_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))  # NoticeKind
    message: Mapped[str] = mapped_column(Text)
    your_text: Mapped[str] = mapped_column(Text, default="")  # what the user wrote, kept
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    seen: Mapped[bool] = mapped_column(Boolean, default=False)


class UploadSession(Base):
    """A resumable upload under way: where the server keeps it, so a restart resumes, never redoes."""

    __tablename__ = "upload_sessions"

    attachment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    offset: Mapped[int] = mapped_column(Integer, default=0)  # the server's, as last heard
    bytes_sent: Mapped[int] = mapped_column(Integer, default=0)  # over all attempts
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Meta(Base):
    """Small key/value facts of the profile: server, user, feed cursor, last sync."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
