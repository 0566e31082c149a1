"""The server's tunable limits, with the defaults the CLI shows; one frozen value per app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from casedesktop.domain import MAX_ATTACHMENT_BYTES

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    max_upload_bytes: int = MAX_ATTACHMENT_BYTES  # per file; refused from Upload-Length
    upload_chunk_bytes: int = 8 * MEGABYTE  # what /limits suggests as a PATCH size
    token_lifetime: timedelta = timedelta(days=30)
    login_window: timedelta = timedelta(minutes=15)
    login_failures_per_account: int = 10  # then 429 for that email until the window passes
    # Higher: one office behind one address shares it, and a typo must not lock out everyone.
    login_failures_per_address: int = 30


def settings_of(request: Request) -> Settings:
    return request.app.state.settings
