"""What the New Case dialog offers (accounts, products, categories, limits) and the published
client release."""

from __future__ import annotations

from fastapi import APIRouter, Request

from casedesktop.api import AccountOut, CategoryOut, LimitsOut, ProductOut
from casedesktop.api.releases import CLIENT_RELEASE_PATH, ClientReleaseOut
from casedesktop.server.routes.deps import Caller, sessions_of, settings_of
from casedesktop.server.services import categories, directory, releases

router = APIRouter()


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(request: Request, user: Caller) -> list[AccountOut]:
    """The accounts the caller may open cases for, with their contacts (staff: all)."""
    return sessions_of(request).run_read(lambda session: directory.list_accounts(session, user))


@router.get("/products", response_model=list[ProductOut])
def list_products(request: Request, _user: Caller) -> list[ProductOut]:
    return sessions_of(request).run_read(directory.list_products)


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(request: Request, _user: Caller) -> list[CategoryOut]:
    """The vendor's categories, by name (any signed-in user; staff file cases under them)."""
    return sessions_of(request).run_read(categories.list_categories)


@router.get("/limits", response_model=LimitsOut)
def limits(request: Request, _user: Caller) -> LimitsOut:
    return directory.limits(settings_of(request))


@router.get(CLIENT_RELEASE_PATH, response_model=ClientReleaseOut)
def client_release(request: Request, _user: Caller) -> ClientReleaseOut:
    """The client release the vendor published last (any signed-in user); 404 before the first."""
    return sessions_of(request).run_read(releases.current_release)
