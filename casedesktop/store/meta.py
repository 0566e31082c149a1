"""The profile's small facts (who is signed in where, the feed cursor), kept in the cache."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.i18n import _
from casedesktop.store.models import Meta

SERVER_URL = "server_url"
USER_ID = "user_id"
USER_EMAIL = "user_email"
USER_NAME = "user_name"
USER_ROLE = "user_role"
CURSOR = "cursor"
LAST_SYNC = "last_sync"
LAST_ERROR = "last_error"
CAUGHT_UP = "caught_up"  # the first full download is done; later news is marked unread
ANNOUNCED_RELEASE = "announced_release"  # the newest client version the status bar announced


@dataclass(frozen=True)
class Identity:
    """Who this profile acts as; local changes are shown under this name until the server answers."""

    server_url: str
    user_id: str
    email: str
    name: str
    role: Role


def get(session: Session, key: str, default: str = "") -> str:
    value = session.scalar(select(Meta.value).where(Meta.key == key))
    return default if value is None else value


def put(session: Session, key: str, value: str) -> None:
    session.merge(Meta(key=key, value=value))


def load_identity(session: Session) -> Identity | None:
    values = {m.key: m.value for m in session.scalars(select(Meta))}
    if not values.get(USER_EMAIL) or not values.get(SERVER_URL):
        return None
    return Identity(
        server_url=values[SERVER_URL],
        user_id=values.get(USER_ID, ""),
        email=values[USER_EMAIL],
        name=values.get(USER_NAME, ""),
        role=Role(values.get(USER_ROLE, Role.CUSTOMER)),
    )


def save_identity(session: Session, identity: Identity) -> None:
    previous = load_identity(session)
    if previous and (previous.server_url, previous.user_id) != (identity.server_url, identity.user_id):
        raise ValueError(
            _("This profile belongs to {email} on {server}; use another profile (--profile DIR) for a different "
              "account or server.").format(email=previous.email, server=previous.server_url)
        )
    put(session, SERVER_URL, identity.server_url)
    put(session, USER_ID, identity.user_id)
    put(session, USER_EMAIL, identity.email)
    put(session, USER_NAME, identity.name)
    put(session, USER_ROLE, identity.role.value)
