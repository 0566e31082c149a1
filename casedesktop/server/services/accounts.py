"""Administration of accounts, users, contacts and products (used by the CLI and demo data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.server.auth import hash_password, normalize_email
from casedesktop.server.models import (
    Account,
    Contact,
    LoginFailure,
    Membership,
    Product,
    Token,
    User,
)

PASSWORD_MIN = 10  # characters; argon2 makes each guess slow, length makes guesses many


class AdminError(Exception):
    """An administration request that cannot be done; the message says what to do instead."""


def check_password(password: str) -> None:
    """The rule for every password an administrator sets (create-user, reset-password)."""
    if len(password) < PASSWORD_MIN:
        raise AdminError(
            f"The password must be at least {PASSWORD_MIN} characters "
            f"(it has {len(password)}); a passphrase of a few words is easy to type."
        )
    if password != password.strip() or any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise AdminError("The password must not start or end with spaces or hold control characters.")


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
    account_name: str | list[str] | None = None,
    name: str | None = None,
) -> User:
    """A new user, member of the named account(s) (created if missing). Customers need one."""
    if isinstance(account_name, str):
        account_names = [account_name]
    else:
        account_names = [one for one in account_name or [] if one.strip()]
    email = normalize_email(email)
    if "@" not in email or len(email) < 3:
        raise AdminError(f"{email!r} is not an email address.")
    check_password(password)
    if find_user(session, email) is not None:
        raise AdminError(f"A user {email} already exists; use reset-password to change it.")
    if role is Role.CUSTOMER and not account_names:
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
    for one in account_names:
        account, _created = ensure_account(session, one, now)
        add_member(session, user, account, now)
    return user


def add_member(session: Session, user: User, account: Account, now: datetime) -> bool:
    """Make the user a member of the account, with a contact there; False if already one."""
    if session.get(Membership, (user.id, account.id)) is not None:
        return False
    session.add(Membership(user_id=user.id, account_id=account.id))
    contact = session.scalar(
        select(Contact).where(Contact.account_id == account.id, Contact.user_id == user.id)
    )
    if contact is None:
        session.add(
            Contact(
                account_id=account.id,
                user_id=user.id,
                name=user.name,
                email=user.email,
                phone="",
                created_at=now,
            )
        )
    session.flush()
    return True


def join_account(session: Session, email: str, account_name: str, now: datetime) -> bool:
    """Add an existing user to an account (created if missing): managed-service users work
    for several customers and choose one when they open a case."""
    user = find_user(session, email)
    if user is None:
        raise AdminError(f"There is no user {normalize_email(email)}.")
    account, _created = ensure_account(session, account_name, now)
    return add_member(session, user, account, now)


def create_contact(
    session: Session,
    *,
    account_name: str,
    name: str,
    now: datetime,
    email: str = "",
    phone: str = "",
) -> Contact:
    """A person of the account's team who cannot sign in; cases can be opened for them."""
    name, email, phone = name.strip(), normalize_email(email), phone.strip()
    if not name:
        raise AdminError("Give the contact a name.")
    if email and ("@" not in email or len(email) > 320):
        raise AdminError(f"{email!r} is not an email address.")
    if len(name) > 200 or len(phone) > 50:
        raise AdminError("Keep the name to 200 characters and the phone number to 50.")
    account = find_account(session, account_name)
    if account is None:
        raise AdminError(f"There is no account {account_name.strip()!r}; create it first.")
    contact = Contact(
        account_id=account.id, user_id=None, name=name, email=email, phone=phone, created_at=now
    )
    session.add(contact)
    session.flush()
    return contact


def ensure_product(session: Session, name: str, now: datetime) -> tuple[Product, bool]:
    """The product of that name, created if missing; the flag says whether it was created."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AdminError("Give the product a name of at most 200 characters.")
    product = session.scalar(select(Product).where(Product.name == name))
    if product is not None:
        return product, False
    product = Product(name=name, created_at=now)
    session.add(product)
    session.flush()
    return product, True


def reset_password(session: Session, email: str, password: str) -> User:
    """Set a new password and sign the user out everywhere."""
    check_password(password)
    user = find_user(session, email)
    if user is None:
        raise AdminError(f"There is no user {normalize_email(email)}.")
    user.password_hash = hash_password(password)
    session.execute(delete(Token).where(Token.user_id == user.id))
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    return user
