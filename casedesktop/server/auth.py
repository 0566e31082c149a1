"""Passwords (argon2), bearer tokens, and who holds a token: plain Python, so the CLI, the demo
data and the services use it too; its request dependencies are in routes/deps.py.

Tokens are random and only their sha256 is stored. Wrong email and wrong password give the same
answer (and take about the same time), so the login form does not reveal who has an account.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casedesktop.api import ErrorCode
from casedesktop.domain import Role
from casedesktop.server import tokencache
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions
from casedesktop.server.errors import ApiError
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Membership, Token, User

T = TypeVar("T")
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


def caller_of(sessions: Sessions, token: str) -> CurrentUser:
    """Who holds the token, or 401. Answered from the token cache while the database's auth epoch
    says nothing that could change the answer has happened since (tokencache.py); else looked up."""
    digest = token_digest(token)
    now = utcnow()
    with sessions.engine.connect() as connection:
        epoch = tokencache.read_epoch(connection)
    user = sessions.token_cache.get(digest, epoch, now)
    if user is not None:
        return user
    with sessions.reader() as session:
        return _look_up(session, sessions.token_cache, digest, now)


def read_as(sessions: Sessions, token: str, work: Callable[[Session, CurrentUser], T]) -> T:
    """`work` as the token's holder (or 401): the caller is checked on the same connection, in
    the same trip to a worker thread, as the work itself. The session is a `latest_reader`: each
    statement sees the latest commits (the feed needs no snapshot; see services/feed.py)."""
    with sessions.latest_reader() as session:
        return work(session, caller_in(session, sessions.token_cache, token))


def caller_in(session: Session, cache: tokencache.TokenCache, token: str) -> CurrentUser:
    """Who holds the token, or 401, checked in `session`'s transaction (a write's too: the
    create-case lane checks each queued request's caller in its batch, reading the auth epoch
    once for the batch; see tokencache.epoch_in)."""
    return caller_at(session, cache, token, tokencache.epoch_in(session))


def caller_at(
    session: Session, cache: tokencache.TokenCache, token: str, epoch: int
) -> CurrentUser:
    """`caller_in` with the auth epoch this session has just read itself (with other values in
    the same statement: the feed's hot path)."""
    tokencache.remember_epoch(session, epoch)
    digest = token_digest(token)
    now = utcnow()
    user = cache.get(digest, epoch, now)
    if user is None:
        user = _look_up(session, cache, digest, now)
    return user


def _look_up(
    session: Session, cache: tokencache.TokenCache, digest: str, now: datetime
) -> CurrentUser:
    epoch = tokencache.epoch_in(session)  # before the lookup: a later change re-checks
    row = session.execute(
        select(User, Token.expires_at)
        .join(Token, Token.user_id == User.id)
        .where(Token.token_hash == digest)
    ).first()
    if row is None or row.expires_at <= now:
        raise unauthorized(BAD_TOKEN)
    user = current_user_of(session, row[0])
    cache.put(digest, tokencache.Entry(user, row.expires_at, epoch))
    return user
