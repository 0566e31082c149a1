"""Sign-in, bearer tokens, and the 401s a client must be able to tell apart from other errors."""

from __future__ import annotations

from casedesktop.server.testing import TEST_PASSWORD, ApiClient, ServerHandle


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
