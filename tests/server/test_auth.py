"""Sign-in, bearer tokens, and the 401s a client must be able to tell apart from other errors."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.server.accounts import reset_password
from casedesktop.server.db import utcnow
from casedesktop.server.models import Token
from casedesktop.server.settings import Settings
from casedesktop.server.testing import TEST_PASSWORD, ApiClient, ServerHandle, running_server


def test_login_returns_a_token_that_identifies_the_user(world: ServerHandle) -> None:
    response = world.anonymous().post(
        "/auth/login", json={"email": "  Ann@Acme.EXAMPLE ", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["user"]["email"] == "ann@acme.example"
    assert body["user"]["role"] == "customer" and len(body["user"]["account_ids"]) == 1

    me = ApiClient(world.base_url, body["token"]).get("/me")
    assert me.status_code == 200
    assert me.json() == body["user"]


def test_wrong_password_and_unknown_email_get_the_same_401(world: ServerHandle) -> None:
    anonymous = world.anonymous()
    wrong = anonymous.post("/auth/login", json={"email": "ann@acme.example", "password": "nope"})
    unknown = anonymous.post("/auth/login", json={"email": "zed@acme.example", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == "unauthorized"
    assert wrong.json() == unknown.json()


def test_missing_and_bad_tokens_are_401(world: ServerHandle) -> None:
    missing = world.anonymous().get("/me")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"] == "Bearer"

    bad = ApiClient(world.base_url, "not-a-real-token").get("/cases")
    assert bad.status_code == 401 and bad.json()["code"] == "unauthorized"

    basic = world.anonymous().get("/me", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_logout_revokes_the_token(customer: ApiClient) -> None:
    assert customer.get("/me").status_code == 200
    assert customer.post("/auth/logout").status_code == 204
    assert customer.get("/me").status_code == 401


def test_health_needs_no_token(server: ServerHandle) -> None:
    import casedesktop

    response = server.anonymous().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": casedesktop.__version__, "protocol": 1}


def test_unknown_route_is_a_json_404(server: ServerHandle) -> None:
    response = server.anonymous().get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_tokens_are_stored_hashed_and_expire(tmp_path: Path) -> None:
    with running_server(tmp_path, settings=Settings(token_lifetime=timedelta(hours=2))) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.login("ann@acme.example")
        token = ann.http.headers["Authorization"].split()[1]
        rows = server.sessions.run_read(lambda s: list(s.scalars(select(Token))))
        assert [row.token_hash for row in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        lifetime = rows[0].expires_at - rows[0].created_at
        assert lifetime == timedelta(hours=2)

        def expire(session: Session) -> None:
            session.execute(update(Token).values(expires_at=utcnow() - timedelta(seconds=1)))

        server.sessions.run_write(expire)
        expired = ann.get("/me")
        assert expired.status_code == 401 and expired.json()["code"] == "unauthorized"


def test_failed_logins_are_limited_per_account_and_per_address(tmp_path: Path) -> None:
    limits = Settings(login_failures_per_account=3, login_failures_per_address=5)
    with running_server(tmp_path, settings=limits) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
        anonymous = server.anonymous()

        def login(email: str, password: str, address: str = "198.51.100.1") -> requests.Response:
            # uvicorn trusts X-Forwarded-For from loopback (a reverse proxy on the same host).
            return anonymous.post(
                "/auth/login",
                json={"email": email, "password": password},
                headers={"X-Forwarded-For": address},
            )

        assert login("ann@acme.example", "wrong").status_code == 401
        assert login("ann@acme.example", TEST_PASSWORD).status_code == 200  # forgives failures
        for _ in range(3):
            assert login("ann@acme.example", "wrong").status_code == 401
        locked = login("ann@acme.example", TEST_PASSWORD, "198.51.100.2")
        assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        assert login("bob@beta.example", TEST_PASSWORD, "198.51.100.2").status_code == 200

        # One address trying many accounts is stopped too, while others carry on.
        for n in range(5):
            assert login(f"nobody{n}@x.example", "guess", "203.0.113.9").status_code == 401
        blocked = login("bob@beta.example", TEST_PASSWORD, "203.0.113.9")
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        assert login("bob@beta.example", TEST_PASSWORD, "203.0.113.10").status_code == 200

        # A password reset by an admin lifts the account's lock.
        server.sessions.run_write(lambda s: reset_password(s, "ann@acme.example", "n3w-pass"))
        assert login("ann@acme.example", "n3w-pass", "198.51.100.3").status_code == 200
