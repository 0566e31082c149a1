"""Administration of accounts and users (used by the CLI; no HTTP endpoint yet)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.server.auth import hash_password, normalize_email
from casedesktop.server.models import Account, Membership, Token, User


class AdminError(Exception):
    """An administration request that cannot be done; the message says what to do instead."""


def find_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name.strip()))


def ensure_account(session: Session, name: str, now: datetime) -> tuple[Account, bool]:
    """The account of that name, created if missing; the flag says whether it was created."""
    name = name.strip()
    if not name:
        raise AdminError("Give the account a name.")
    account = find_account(session, name)
    if account is not None:
        return account, False
    account = Account(name=name, created_at=now)
    session.add(account)
    session.flush()
    return account, True


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    now: datetime,
    account_name: str | None = None,
    name: str | None = None,
) -> User:
    """A new user, member of `account_name` (created if missing). Customers need an account."""
    email = normalize_email(email)
    if "@" not in email or len(email) < 3:
        raise AdminError(f"{email!r} is not an email address.")
    if not password:
        raise AdminError("Give the user a password.")
    if find_user(session, email) is not None:
        raise AdminError(f"A user {email} already exists; use reset-password to change it.")
    if role is Role.CUSTOMER and not account_name:
        raise AdminError("A customer must belong to an account: add --account NAME.")
    user = User(
        email=email,
        name=(name or "").strip() or email.split("@")[0].replace(".", " ").title(),
        role=role.value,
        password_hash=hash_password(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    if account_name:
        account, _created = ensure_account(session, account_name, now)
        session.add(Membership(user_id=user.id, account_id=account.id))
        session.flush()
    return user


def reset_password(session: Session, email: str, password: str) -> User:
    """Set a new password and sign the user out everywhere."""
    if not password:
        raise AdminError("Give the new password.")
    user = find_user(session, email)
    if user is None:
        raise AdminError(f"There is no user {normalize_email(email)}.")
    user.password_hash = hash_password(password)
    session.execute(delete(Token).where(Token.user_id == user.id))
    return user
