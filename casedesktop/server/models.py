"""The server's tables. Ids of cases, comments and actions are made by the client (idempotency).

Keep migrations/versions in step with this file: tests compare the migrated schema to it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casedesktop.server.base import Base, UTCDateTime, utcnow

# SQLite only gives a monotonic rowid to a column typed exactly INTEGER.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Account(Base):
    """A customer organisation; its members see its cases."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lowercased
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # a domain Role value
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )


class Contact(Base):
    """A person of a customer's team; cases can be opened on their behalf. A customer user has a
    contact in each of their accounts (user_id set); others are contacts without a sign-in."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    """A product or application customers can open cases about."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Category(Base):
    """A category staff file cases under (migration 0006); `Case.category` holds its name."""

    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaTarget(Base):
    """The service level targets of one priority (migration 0006), in seconds; None: no target.
    A case's standing is worked out from them when it is answered, never stored."""

    __tablename__ = "sla_targets"

    priority: Mapped[str] = mapped_column(String(20), primary_key=True)  # a domain Priority
    first_response_seconds: Mapped[int | None] = mapped_column(BigInteger)
    resolution_seconds: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed sign-in, kept for the rate limit window (per account and per address)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Token(Base):
    """A bearer token; only its sha256 is stored, so a leaked database grants no sessions."""

    __tablename__ = "tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counter(Base):
    """Named counters, e.g. the next human case number on SQLite (PostgreSQL uses
    CASE_NUMBER_SEQUENCE); bumped inside the writing transaction."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# Case numbers on PostgreSQL (migration 0005): a counter row there would be locked from one new
# case's number to its commit, so every create would wait for the one before. Owned by
# cases.number, so TRUNCATE ... RESTART IDENTITY starts it over. SQLite keeps the counter row.
CASE_NUMBER_SEQUENCE = Sequence("case_number_seq", start=1001, metadata=Base.metadata)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_account_id_updated_at", "account_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("accounts.id"))
    reported_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))  # a domain Status value
    severity: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(200), default="")
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    close_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    parent_case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("cases.id"))
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    resolution_root_cause: Mapped[str] = mapped_column(Text, default="")
    resolution_type: Mapped[str] = mapped_column(String(200), default="")
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added by migration 0002 (server defaults fill rows that existed before it).
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("contacts.id"))
    environment: Mapped[str] = mapped_column(String(200), default="", server_default="")
    case_type: Mapped[str] = mapped_column(String(100), default="", server_default="")
    category: Mapped[str] = mapped_column(String(100), default="", server_default="")
    source: Mapped[str] = mapped_column(String(40), default="", server_default="")
    cc_emails: Mapped[list[str] | None] = mapped_column(JSON)
    # Migration 0006: when the first public staff reply came (the service level's first response).
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)
    reporter: Mapped[User] = relationship(foreign_keys=[reported_by], lazy="joined", innerjoin=True)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    contact: Mapped[Contact | None] = relationship(lazy="joined")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reply | internal
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Migration 0006: an internal note its author deleted; the row stays, without its text, so
    # the change feed can tell staff's clients to drop it and a repeated delete finds it done.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(lazy="joined")


class Activity(Base):
    """One line of a case's history: who did what, from which status to which, and why."""

    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # migration 0002
    # Migration 0006: staff's own bookkeeping (domain.STAFF_ONLY_ACTIVITIES), never sent to
    # customers.
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    actor: Mapped[User | None] = relationship(lazy="joined")


class Attachment(Base):
    """A finished upload. Its bytes live in the storage under `storage_key`, never under the
    client's file name; `staff_only` when it belongs to an internal note."""

    __tablename__ = "attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the client's attachment_id
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("comments.id"), index=True
    )
    uploader_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    uploader: Mapped[User | None] = relationship(lazy="joined")


class Upload(Base):
    """A resumable (tus) upload in progress; its bytes so far are in the data dir's staging."""

    __tablename__ = "uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    attachment_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("comments.id"))
    uploader_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    length: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)  # tus Upload-Offset
    sha256: Mapped[str] = mapped_column(String(64), default="")  # expected, hex; "" = not given
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AppliedAction(Base):
    """A client action id already applied: a retried request must not apply it twice."""

    __tablename__ = "applied_actions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeLog(Base):
    """The change feed: one row per write, in commit order; clients pull what came after a seq."""

    __tablename__ = "change_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(20))  # case | comment | activity | attachment
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"))
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("accounts.id"), index=True)
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)


class ClientRelease(Base):
    """A client release the vendor published (`casedesktop-server set-release`); the newest row
    is the current one, earlier rows are its history. A platform without a URL has no build."""

    __tablename__ = "client_releases"

    id: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64))  # PEP 440, normalised
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linux_url: Mapped[str | None] = mapped_column(String(2000))
    linux_sha256: Mapped[str | None] = mapped_column(String(64))
    windows_url: Mapped[str | None] = mapped_column(String(2000))
    windows_sha256: Mapped[str | None] = mapped_column(String(64))
    macos_url: Mapped[str | None] = mapped_column(String(2000))
    macos_sha256: Mapped[str | None] = mapped_column(String(64))


class PushDevice(Base):
    """A client cache that pushes changes: bound to one user, with its last processed number."""

    __tablename__ = "push_devices"

    device_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushRecord(Base):
    """The outcome of one processed change number of a device (applied, refused or blocked)."""

    __tablename__ = "push_mutations"

    device_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("push_devices.device_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))  # a MutationStatus
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ErrorOut of a refusal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
