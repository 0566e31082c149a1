"""Fetches what the dialogs need offline (the user's accounts and contacts, products, limits, the
case categories) and keeps it in the cache; a later sync refreshes it."""

from __future__ import annotations

from casedesktop.store import reference
from casedesktop.store.database import CacheDB
from casedesktop.sync.api_client import ApiClient


def refresh(client: ApiClient, db: CacheDB) -> reference.Reference:
    """Raises the api client's errors; the caller decides whether a failure matters."""
    accounts = [
        reference.Account(str(a.id), a.name, [reference.Contact(str(c.id), c.name, c.email) for c in a.contacts])
        for a in client.accounts()
    ]
    products = [p.name for p in client.products()]
    limits = client.limits()
    categories = client.categories()
    kept = reference.load(db).categories if categories is None else [c.name for c in categories]
    fresh = reference.Reference(products, accounts, limits.max_attachment_bytes, kept)
    reference.save(db, fresh)
    return fresh
