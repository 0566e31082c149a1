"""Passwords (argon2), bearer tokens, and the request dependency that says who is calling.

Tokens are random and only their sha256 is stored. Wrong email and wrong password give the same
answer (and take about the same time), so the login form does not reveal who has an account.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.domain import Role
from casedesktop.server.db import Sessions, utcnow
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Membership, Token, User

TOKEN_LIFETIME = timedelta(days=30)
BAD_LOGIN = "The email or password is wrong. Check both and try again."
NO_TOKEN = "You are not signed in. Sign in and try again."
BAD_TOKEN = "Your session has expired or is not valid. Sign in again."

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CurrentUser:
    """Who is calling, detached from any session so each handler can open its own."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    account_ids: frozenset[uuid.UUID]

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff


def account_ids_of(session: Session, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
    rows = session.scalars(select(Membership.account_id).where(Membership.user_id == user_id))
    return frozenset(rows)


def current_user_of(session: Session, user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        account_ids=account_ids_of(session, user.id),
    )


def authenticate(sessions: Sessions, email: str, password: str) -> tuple[uuid.UUID, str | None]:
    """Check email and password; returns the user id and, if the stored hash uses outdated
    parameters, a fresh hash to store. Raises 401 with one message for any failure.

    Runs outside any write transaction: argon2 is slow by design and must not hold the lock.
    """
    with sessions.reader() as session:
        row = session.execute(
            select(User.id, User.password_hash).where(User.email == normalize_email(email))
        ).first()
    if row is None:
        verify_password(_dummy_hash(), password)  # same cost as a real check
        raise unauthorized(BAD_LOGIN)
    if not verify_password(row.password_hash, password):
        raise unauthorized(BAD_LOGIN)
    new_hash = hash_password(password) if _hasher.check_needs_rehash(row.password_hash) else None
    return row.id, new_hash


def issue_token(
    session: Session,
    user_id: uuid.UUID,
    now: datetime,
    new_hash: str | None = None,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> tuple[str, User]:
    """A new bearer token for the user (their expired ones are dropped)."""
    user = session.get(User, user_id)
    if user is None:  # deleted between the password check and now
        raise unauthorized(BAD_LOGIN)
    if new_hash:
        user.password_hash = new_hash
    session.execute(delete(Token).where(Token.user_id == user.id, Token.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        Token(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token, user


def logout(session: Session, token: str) -> None:
    session.execute(delete(Token).where(Token.token_hash == token_digest(token)))


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    row = session.execute(
        select(User, Token.expires_at)
        .join(Token, Token.user_id == User.id)
        .where(Token.token_hash == token_digest(token))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return row[0]


def unauthorized(message: str) -> ApiError:
    return ApiError(401, ErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer ...` header; 401 when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized(NO_TOKEN)
    return token.strip()


def sessions_of(request: Request) -> Sessions:
    return request.app.state.sessions


def require_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in caller, or 401."""
    token = bearer_token(request)
    with sessions_of(request).reader() as session:
        user = user_for_token(session, token, utcnow())
        if user is None:
            raise unauthorized(BAD_TOKEN)
        return current_user_of(session, user)


Caller = Annotated[CurrentUser, Depends(require_user)]
