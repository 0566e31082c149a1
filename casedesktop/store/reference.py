"""What the server tells the client once and the dialogs need offline: products, the user's
accounts and their contacts, limits, and for staff the case categories. Kept as JSON in the
cache's meta table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from casedesktop.domain import MAX_ATTACHMENT_BYTES
from casedesktop.store import meta
from casedesktop.store.database import CacheDB

KEY = "reference"


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    contacts: list[Contact] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    products: list[str] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    categories: list[str] = field(default_factory=list)  # empty: not known yet (or not offered)


def load(db: CacheDB) -> Reference:
    with db.reading() as session:
        raw = meta.get(session, KEY)
    if not raw:
        return Reference()
    data = json.loads(raw)
    accounts = [Account(a["id"], a["name"], [Contact(**c) for c in a.get("contacts", [])]) for a in data.get("accounts", [])]
    return Reference(list(data.get("products", [])), accounts, int(data.get("max_attachment_bytes", MAX_ATTACHMENT_BYTES)),
                     list(data.get("categories", [])))


def save(db: CacheDB, reference: Reference) -> None:
    with db.transaction() as session:
        meta.put(session, KEY, json.dumps(asdict(reference)))
