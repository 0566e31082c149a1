"""What the New Case dialog offers: the caller's accounts with their contacts, the products,
and the server's limits."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import AccountOut, LimitsOut, ProductOut
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Account, Contact, Product
from casedesktop.server.services.serialize import account_out
from casedesktop.server.settings import Settings


def list_accounts(session: Session, user: CurrentUser) -> list[AccountOut]:
    """A customer's own accounts (a managed-service user may have several); staff see all."""
    query = select(Account).order_by(Account.name)
    if not user.is_staff:
        query = query.where(Account.id.in_(user.account_ids))
    accounts = list(session.scalars(query))
    contacts: dict[object, list[Contact]] = defaultdict(list)
    if accounts:
        rows = session.scalars(
            select(Contact)
            .where(Contact.account_id.in_([a.id for a in accounts]))
            .order_by(Contact.name, Contact.email)
        )
        for contact in rows:
            contacts[contact.account_id].append(contact)
    return [account_out(account, contacts[account.id]) for account in accounts]


def list_products(session: Session) -> list[ProductOut]:
    rows = session.scalars(select(Product).order_by(Product.name))
    return [ProductOut(id=row.id, name=row.name) for row in rows]


def limits(settings: Settings) -> LimitsOut:
    return LimitsOut(
        max_attachment_bytes=settings.max_upload_bytes,
        upload_chunk_bytes=min(settings.upload_chunk_bytes, max(settings.max_upload_bytes, 1)),
    )
