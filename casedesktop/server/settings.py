"""The server's tunable limits, with the defaults the CLI shows; one frozen value per app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from casedesktop.domain import MAX_ATTACHMENT_BYTES

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    max_upload_bytes: int = MAX_ATTACHMENT_BYTES  # per file; refused from Upload-Length
    upload_chunk_bytes: int = 8 * MEGABYTE  # what /limits suggests as a PATCH size
    token_lifetime: timedelta = timedelta(days=30)
    # Failed sign-ins are remembered this long (services/ratelimit.py). Past the free failures of
    # an account from one address, or of one address over all accounts, each further attempt from
    # that address waits: login_first_delay, then twice as long after each failure, at most
    # login_max_delay. Never per account alone, so nobody elsewhere can lock a user out.
    login_window: timedelta = timedelta(minutes=15)
    login_failures_per_account_address: int = 5
    # Higher: one office behind one address shares it, and a typo must not slow everyone down.
    login_failures_per_address: int = 30
    login_first_delay: timedelta = timedelta(seconds=1)
    login_max_delay: timedelta = timedelta(minutes=15)
