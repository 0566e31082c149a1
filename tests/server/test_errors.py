"""Every failure is a JSON body a client can parse, even the ones nobody planned for."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from casedesktop.server.app import create_app
from casedesktop.server.migrate import upgrade_database
from casedesktop.server.testing import ApiCaller, serve_app_in_thread


def test_unexpected_errors_and_wrong_methods_are_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    upgrade_database(url)
    app = create_app(url, tmp_path)

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/boom", boom)
    with serve_app_in_thread(app, log_level="critical") as base_url:
        http = requests.Session()
        http.trust_env = False
        crashed = http.get(f"{base_url}/api/v1/boom", timeout=5)
        assert crashed.status_code == 500
        assert crashed.json()["code"] == "internal"
        assert "secret" not in crashed.text

        wrong_method = http.delete(f"{base_url}/api/v1/health", timeout=5)
        assert wrong_method.status_code == 405
        assert wrong_method.json()["code"] == "method_not_allowed"
        assert wrong_method.headers["Allow"] == "GET"

        broken = http.post(
            f"{base_url}/api/v1/auth/login",
            data=b"{not json",
            timeout=5,
            headers={"content-type": "application/json"},
        )
        assert broken.status_code == 422 and broken.json()["code"] == "validation"


def test_allow_lists_every_method_of_the_path(customer: ApiCaller) -> None:
    """Starlette's 405 named the methods of one route only (OPTIONS /cases: "allow: POST")."""
    expected = {
        "/cases": "GET, POST",
        "/cases/{case}/comments": "GET, POST",
        "/uploads/{upload}": "HEAD, PATCH, DELETE",
        "/attachments/{attachment}/content": "GET, HEAD",
    }
    case = customer.new_case()
    for template, allow in expected.items():
        path = template.format(case=case["id"], upload=uuid.uuid4(), attachment=uuid.uuid4())
        for method in ("PUT", "OPTIONS") if template != "/uploads/{upload}" else ("PUT", "GET"):
            answer = customer.http.request(method, customer.base + path, timeout=10)
            assert answer.status_code == 405, (method, path, answer.status_code)
            assert answer.json()["code"] == "method_not_allowed"
            assert answer.headers["Allow"] == allow, (method, path)
