"""Signing a profile in and out: the token goes to the keychain, who we are goes to the cache."""

from __future__ import annotations

from urllib.parse import urlsplit

from casedesktop.i18n import _
from casedesktop.store import meta
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.sync.api_client import ApiClient
from casedesktop.sync.credentials import TokenStore

LOOPBACK_HOSTS = ("localhost", "::1")


class AddressTypo(ValueError):
    """An address that is almost one (its message says what to type): worth showing as it is."""


def server_address(text: str) -> str:
    """The server's address as the user typed it, made a URL: without a scheme, `https://` (and
    `http://` for this machine, where a test or demo server runs); ValueError for anything else."""
    typed = text.strip()
    if not typed:
        raise ValueError(_("Enter the server's address, for example https://support.example.com."))
    url = typed
    if "://" not in url:
        host = urlsplit(f"//{url}").hostname or ""
        loopback = host in LOOPBACK_HOSTS or host.startswith("127.")
        url = ("http://" if loopback else "https://") + url
    refusal = _("'{address}' is not a server address: give one like https://support.example.com.").format(
        address=typed)
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - urllib raises for a port that is not a number
    except ValueError:
        raise ValueError(refusal) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ValueError(refusal)
    if parts.hostname in ("http", "https"):  # "https//support.example.com"
        raise AddressTypo(_("Type the address with \"://\", for example https://support.example.com."))
    if parts.username or parts.password or parts.query or parts.fragment or "//" in parts.path:
        raise ValueError(refusal)
    if not _host_name(parts.hostname):
        raise ValueError(refusal)
    return url.rstrip("/")


def _host_name(host: str) -> bool:
    """Host-name labels only ("support..example.com" and "support_desk" are typos, not hosts): a
    password is never sent to what cannot be a server. An IPv6 address urllib has checked."""
    if ":" in host:
        return True
    return all(label and len(label) <= 63 and not label.startswith("-") and not label.endswith("-")
               and all(ch.isalnum() or ch == "-" for ch in label) for label in host.split("."))


def sign_in(
    db: CacheDB, tokens: TokenStore, server_url: str, email: str, password: str, *, remember: bool = True
) -> Identity:
    """Raises AuthRequired for a wrong email or password, TransientError when the server is away,
    ValueError for an address that cannot be a server's."""
    client = ApiClient(server_address(server_url))
    try:
        answer = client.login(email.strip(), password)
    finally:
        client.close()
    identity = Identity(
        server_url=client.base_url,
        user_id=str(answer.user.id),
        email=answer.user.email,
        name=answer.user.name,
        role=answer.user.role,
    )
    with db.transaction() as session:
        meta.save_identity(session, identity)
    db.journal.note_identity({"server_url": identity.server_url, "user_id": identity.user_id,
                              "email": identity.email, "name": identity.name,
                              "role": identity.role.value})
    if remember:
        tokens.set(answer.token)
    else:
        tokens.keep_in_memory(answer.token)
    return identity


def sign_out(db: CacheDB, tokens: TokenStore) -> None:
    """Forget the token; the cache and its unsent changes stay for the next sign-in."""
    identity = current_identity(db)
    if identity is not None:
        client = ApiClient(identity.server_url, tokens.get())
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - signing out locally must work offline too
            pass
        finally:
            client.close()
    tokens.clear()


def current_identity(db: CacheDB) -> Identity | None:
    with db.reading() as session:
        return meta.load_identity(session)
