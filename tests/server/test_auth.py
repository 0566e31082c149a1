"""Sign-in, bearer tokens, and the 401s a client must be able to tell apart from other errors."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.server.base import utcnow
from casedesktop.server.models import LoginFailure, Token
from casedesktop.server.services.accounts import reset_password
from casedesktop.server.services.ratelimit import delay_after
from casedesktop.server.settings import Settings
from casedesktop.server.testing import TEST_PASSWORD, ApiCaller, ServerHandle, running_server


def test_login_returns_a_token_that_identifies_the_user(world: ServerHandle) -> None:
    response = world.anonymous().post(
        "/auth/login", json={"email": "  Ann@Acme.EXAMPLE ", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["user"]["email"] == "ann@acme.example"
    assert body["user"]["role"] == "customer" and len(body["user"]["account_ids"]) == 1

    me = ApiCaller(world.base_url, body["token"]).get("/me")
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

    bad = ApiCaller(world.base_url, "not-a-real-token").get("/cases")
    assert bad.status_code == 401 and bad.json()["code"] == "unauthorized"

    basic = world.anonymous().get("/me", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_logout_revokes_the_token(customer: ApiCaller) -> None:
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


def test_failed_logins_slow_the_address_they_come_from_not_the_account(tmp_path: Path) -> None:
    limits = Settings(
        login_failures_per_account_address=3,
        login_failures_per_address=5,
        login_first_delay=timedelta(seconds=30),
    )
    # The test client is the reverse proxy here: its X-Forwarded-For names the client's address.
    with running_server(tmp_path, settings=limits, trusted_proxies=["127.0.0.1"]) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        server.add_user("bob@beta.example", Role.CUSTOMER, "Beta")
        anonymous = server.anonymous()
        attacker, ann_home = "198.51.100.66", "203.0.113.7"

        def login(email: str, password: str, address: str) -> requests.Response:
            return anonymous.post(
                "/auth/login",
                json={"email": email, "password": password},
                headers={"X-Forwarded-For": address},
            )

        # Ten wrong passwords from elsewhere: that address must wait, with a growing delay...
        answers = [login("ann@acme.example", "wrong", attacker).status_code for _ in range(10)]
        assert answers == [401, 401, 401] + [429] * 7
        refused = login("ann@acme.example", TEST_PASSWORD, attacker)  # even the right one
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert 0 < int(refused.headers["Retry-After"]) <= 30
        # ... but the real user, at home, is not locked out, typo included.
        assert login("ann@acme.example", "typo", ann_home).status_code == 401
        assert login("ann@acme.example", TEST_PASSWORD, ann_home).status_code == 200

        # The delay doubles with each failure once the wait is over.
        def age(seconds: int) -> None:
            def work(session: Session) -> None:
                for failure in session.scalars(select(LoginFailure)):
                    failure.created_at -= timedelta(seconds=seconds)

            server.sessions.run_write(work)

        age(31)
        assert login("ann@acme.example", "wrong", attacker).status_code == 401
        again = login("ann@acme.example", "wrong", attacker)
        assert again.status_code == 429 and 30 < int(again.headers["Retry-After"]) <= 60
        age(61)
        assert login("ann@acme.example", TEST_PASSWORD, attacker).status_code == 200
        # A success forgives that account's failures from that address only.
        assert login("ann@acme.example", "wrong", attacker).status_code == 401

        # One address trying many accounts is slowed too, while others carry on.
        for n in range(5):
            assert login(f"nobody{n}@x.example", "guess", "192.0.2.9").status_code == 401
        blocked = login("bob@beta.example", TEST_PASSWORD, "192.0.2.9")
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        assert login("bob@beta.example", TEST_PASSWORD, "192.0.2.10").status_code == 200
        # An IPv6 subscriber's /64 is one address.
        for n in range(5):
            assert login(f"x{n}@x.example", "guess", f"2001:db8:1:2::{n + 1}").status_code == 401
        assert login("bob@beta.example", TEST_PASSWORD, "2001:db8:1:2::99").status_code == 429
        assert login("bob@beta.example", TEST_PASSWORD, "2001:db8:1:3::1").status_code == 200

        # A password reset by an admin forgives the account's failures everywhere.
        for _ in range(3):
            login("ann@acme.example", "wrong", "198.51.100.3")
        assert login("ann@acme.example", TEST_PASSWORD, "198.51.100.3").status_code == 429
        server.sessions.run_write(lambda s: reset_password(s, "ann@acme.example", "n3w-passw0rd"))
        assert login("ann@acme.example", "n3w-passw0rd", "198.51.100.3").status_code == 200


def test_login_delays_grow_to_a_cap() -> None:
    settings = Settings(login_failures_per_account_address=5)
    delays = [delay_after(n, 5, settings).total_seconds() for n in (0, 4, 5, 6, 7, 15, 10**6)]
    assert delays == [0, 0, 1, 2, 4, 900, 900]


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(tmp_path: Path) -> None:
    """uvicorn alone trusts X-Forwarded-For from 127.0.0.1: any local process could then claim
    a new address per attempt and never be slowed. Trusted proxies are named explicitly."""
    forged = {"X-Forwarded-For": "198.51.100.200"}
    wrong = {"email": "zed@x.example", "password": "wrong"}
    with running_server(tmp_path / "plain") as server:
        assert server.anonymous().post("/auth/login", json=wrong, headers=forged).status_code == 401
        addresses = server.sessions.run_read(
            lambda s: list(s.scalars(select(LoginFailure.address)))
        )
        assert addresses == ["127.0.0.1"]
    with running_server(tmp_path / "proxied", trusted_proxies=["127.0.0.0/8"]) as server:
        assert server.anonymous().post("/auth/login", json=wrong, headers=forged).status_code == 401
        addresses = server.sessions.run_read(
            lambda s: list(s.scalars(select(LoginFailure.address)))
        )
        assert addresses == ["198.51.100.200"]
