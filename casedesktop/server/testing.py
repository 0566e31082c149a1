"""Run a real server on loopback in a background thread: for server tests and client e2e tests.

    with run_server_in_thread(None, tmp_path) as base_url:
        requests.get(base_url + "/api/v1/health")

The database is migrated first; the server stops (should_exit) when the block ends.
`running_server` adds a handle to create users and sign in as them with `ApiCaller`.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.orm import Session

from casedesktop.api import API_PREFIX
from casedesktop.api.files import (
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    checksum_header,
    encode_metadata,
)
from casedesktop.domain import Role
from casedesktop.server.app import create_app
from casedesktop.server.auth import current_user_of, hash_password, issue_token
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions, default_database_url, make_engine
from casedesktop.server.migrate import upgrade_database
from casedesktop.server.models import User
from casedesktop.server.serve import (
    AnnouncingServer,
    bind_socket,
    release_long_polls,
    socket_url,
    uvicorn_config,
)
from casedesktop.server.services.accounts import add_member, ensure_account, find_user
from casedesktop.server.services.serialize import user_out
from casedesktop.server.settings import Settings

STARTUP_TIMEOUT = 15.0
TEST_PASSWORD = "correct horse battery staple"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy


@contextmanager
def run_server_in_thread(
    database_url: str | None,
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    log_level: str = "warning",
    settings: Settings | None = None,
    trusted_proxies: Sequence[str] = (),
) -> Iterator[str]:
    """Yield the base URL (e.g. http://127.0.0.1:54321) of a running server on a free port."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or default_database_url(data_dir)
    upgrade_database(url)
    app = create_app(url, data_dir, settings)
    with serve_app_in_thread(
        app, host=host, log_level=log_level, trusted_proxies=trusted_proxies
    ) as base:
        yield base


@contextmanager
def serve_app_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    log_level: str = "warning",
    trusted_proxies: Sequence[str] = (),
) -> Iterator[str]:
    """Serve an already built app with uvicorn in a daemon thread until the block ends.
    `trusted_proxies` as for `serve --trusted-proxy` (none by default)."""
    sock = bind_socket(host, 0)
    base_url = socket_url(sock)
    config = uvicorn_config(app, sock, log_level=log_level, trusted_proxies=trusted_proxies)
    server = _QuickServer(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit on a failed startup, too
            failure.append(exc)

    thread = threading.Thread(target=serve, name="casedesktop-test-server", daemon=True)
    thread.start()
    try:
        _wait_until_healthy(base_url, thread, failure)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class _QuickServer(AnnouncingServer):
    """Stops in milliseconds instead of uvicorn's ~0.2 s (it polls should_exit every 0.1 s and
    sleeps 0.1 s more while shutting down): test suites start and stop hundreds of servers."""

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            await asyncio.sleep(0.005)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        release_long_polls(self.config.app)
        state = getattr(self, "server_state", None)
        if state is None or not hasattr(self, "servers") or not hasattr(self, "lifespan"):
            await super().shutdown(sockets)  # uvicorn changed inside: take the slow, sure way
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(state.connections):
            connection.shutdown()
        deadline = time.monotonic() + self.config.timeout_graceful_shutdown
        while (state.connections or state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        for task in state.tasks:
            task.cancel()
        await self.lifespan.shutdown()


def _wait_until_healthy(
    base_url: str, thread: threading.Thread, failure: list[BaseException]
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"The test server stopped during start-up: {failure!r}")
        try:
            with _NO_PROXY.open(f"{base_url}{API_PREFIX}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"The test server at {base_url} did not answer /health in time")


@cache
def _test_hash(password: str) -> str:
    """Hash each test password once per process: argon2 is slow by design, tests add many users."""
    return hash_password(password)


class ApiCaller:
    """A `requests` session for one caller; paths are relative to the API prefix (/api/v1).

    Raw requests with every answer visible to the test: not the product's client
    (casedesktop.sync.api_client.ApiClient), hence its own name."""

    def __init__(self, base_url: str, token: str | None = None, user: dict[str, Any] | None = None):
        self.base = base_url + API_PREFIX
        self.http = requests.Session()
        self.http.trust_env = False  # loopback: never through a proxy
        self.user: dict[str, Any] = user or {}
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=10, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.base + path, json=json, timeout=10, **kwargs)

    def new_case(self, **fields: Any) -> dict[str, Any]:
        """Open a case (a fresh id and plausible text unless given); asserts it was created."""
        body = {
            "id": str(uuid.uuid4()),
            "subject": "Printer offline",
            "description": "It stopped printing after the update.",
            **fields,
        }
        response = self.post("/cases", json=body)
        if response.status_code != 201:
            raise AssertionError(f"creating a case gave {response.status_code}: {response.text}")
        return response.json()

    def act(self, case_id: str, action: str, **fields: Any) -> requests.Response:
        body = {"id": str(uuid.uuid4()), "action": action, **fields}
        return self.post(f"/cases/{case_id}/actions", json=body)

    def comment(self, case_id: str, body: str, kind: str = "reply") -> requests.Response:
        payload = {"id": str(uuid.uuid4()), "body": body, "kind": kind}
        return self.post(f"/cases/{case_id}/comments", json=payload)

    # --- tus uploads -----------------------------------------------------------------------

    def start_upload(
        self,
        case_id: str,
        length: int,
        filename: str = "log.txt",
        *,
        comment_id: str | None = None,
        attachment_id: str | None = None,
        sha256: str | None = None,
        content_type: str = "",
    ) -> requests.Response:
        """tus creation (POST /uploads); the Location header names the upload."""
        meta = {
            "filename": filename,
            "case_id": case_id,
            "attachment_id": attachment_id or str(uuid.uuid4()),
        }
        if comment_id:
            meta["comment_id"] = comment_id
        if sha256:
            meta["sha256"] = sha256
        if content_type:
            meta["content_type"] = content_type
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Length": str(length),
            "Upload-Metadata": encode_metadata(meta),
        }
        return self.http.post(self.base + "/uploads", headers=headers, timeout=10)

    def patch_upload(
        self, location: str, offset: int, chunk: bytes, *, checksum: str | None = "auto"
    ) -> requests.Response:
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(offset),
            "Content-Type": OFFSET_CONTENT_TYPE,
        }
        if checksum == "auto":
            headers["Upload-Checksum"] = checksum_header(chunk)
        elif checksum is not None:
            headers["Upload-Checksum"] = checksum
        return self.http.patch(location, data=chunk, headers=headers, timeout=30)

    def upload_offset(self, location: str) -> int:
        response = self.http.head(location, headers={"Tus-Resumable": TUS_VERSION}, timeout=10)
        if response.status_code != 200:
            raise AssertionError(f"HEAD {location} gave {response.status_code}")
        return int(response.headers["Upload-Offset"])

    def upload(
        self,
        case_id: str,
        data: bytes,
        filename: str = "log.txt",
        *,
        comment_id: str | None = None,
        chunk_size: int = 1024 * 1024,
        attachment_id: str | None = None,
    ) -> dict[str, Any]:
        """Upload a whole file in chunks; returns the attachment (asserts each step worked)."""
        attachment_id = attachment_id or str(uuid.uuid4())
        created = self.start_upload(
            case_id,
            len(data),
            filename,
            comment_id=comment_id,
            attachment_id=attachment_id,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        if created.status_code != 201:
            raise AssertionError(f"creating an upload gave {created.status_code}: {created.text}")
        location, offset = created.headers["Location"], int(created.headers["Upload-Offset"])
        while offset < len(data):
            response = self.patch_upload(location, offset, data[offset : offset + chunk_size])
            if response.status_code != 204:
                raise AssertionError(f"PATCH gave {response.status_code}: {response.text}")
            offset = int(response.headers["Upload-Offset"])
        response = self.get(f"/attachments/{attachment_id}")
        if response.status_code != 200:
            raise AssertionError(f"the attachment is missing: {response.status_code}")
        return response.json()

    def all_changes(self, cursor: int = 0, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        """Every feed item after `cursor`, following pages; returns the items and final cursor."""
        items: list[dict[str, Any]] = []
        while True:
            response = self.get("/changes", params={"cursor": cursor, "limit": limit})
            response.raise_for_status()
            page = response.json()
            items += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return items, cursor


@dataclass
class ServerHandle:
    """A running test server plus direct database access for setting up users."""

    base_url: str
    database_url: str
    data_dir: Path
    sessions: Sessions

    def add_user(
        self,
        email: str,
        role: Role,
        account: str | None = None,
        *,
        password: str = TEST_PASSWORD,
        name: str = "",
    ) -> None:
        def work(session: Session) -> None:
            user = User(
                email=email.lower(),
                name=name or email.split("@")[0].title(),
                role=role.value,
                password_hash=_test_hash(password),
                created_at=utcnow(),
            )
            session.add(user)
            session.flush()
            if account:
                add_membership(session, user.email, account)

        self.sessions.run_write(work)

    def join_account(self, email: str, account: str) -> None:
        self.sessions.run_write(lambda session: add_membership(session, email, account))

    def anonymous(self) -> ApiCaller:
        return ApiCaller(self.base_url)

    def login(self, email: str, password: str = TEST_PASSWORD) -> ApiCaller:
        """Sign in through POST /auth/login, as a real client does."""
        response = self.anonymous().post("/auth/login", json={"email": email, "password": password})
        if response.status_code != 200:
            raise AssertionError(f"login as {email} gave {response.status_code}: {response.text}")
        body = response.json()
        return ApiCaller(self.base_url, body["token"], body["user"])

    def signed_in(self, email: str) -> ApiCaller:
        """A client with a token issued straight into the database: skips the deliberately slow
        password check, for tests about everything but signing in."""

        def work(session: Session) -> tuple[str, dict[str, Any]]:
            user = find_user(session, email)
            if user is None:
                raise LookupError(email)
            token, user = issue_token(session, user.id, utcnow())
            return token, user_out(current_user_of(session, user)).model_dump(mode="json")

        token, user = self.sessions.run_write(work)
        return ApiCaller(self.base_url, token, user)


def add_membership(session: Session, email: str, account: str) -> None:
    """Make the user a member (and a contact) of the account, created if missing."""
    user = find_user(session, email)
    if user is None:
        raise LookupError(email)
    acct, _created = ensure_account(session, account, utcnow())
    add_member(session, user, acct, utcnow())


@contextmanager
def running_server(
    data_dir: Path,
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    trusted_proxies: Sequence[str] = (),
) -> Iterator[ServerHandle]:
    """`run_server_in_thread` plus a handle to add users and sign in."""
    url = database_url or default_database_url(Path(data_dir))
    with run_server_in_thread(
        url, data_dir, settings=settings, trusted_proxies=trusted_proxies
    ) as base_url:
        sessions = Sessions(make_engine(url))
        try:
            yield ServerHandle(base_url, url, Path(data_dir), sessions)
        finally:
            sessions.dispose()
