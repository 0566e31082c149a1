"""The `casedesktop-server` CLI, run as a real subprocess where it matters (python -m ...)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from casedesktop.domain import Role
from casedesktop.server.cli import main
from casedesktop.server.models import LoginFailure
from casedesktop.server.testing import running_server

PW, PW2 = "first passphrase", "second passphrase"


@contextlib.contextmanager
def serving(data_dir: Path, *options: str) -> Iterator[str]:
    """`casedesktop-server serve` with `options` on a free port, as its own process; its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "casedesktop.server", "serve", "--port", "0"]
        + ["--data-dir", str(data_dir), "--log-level", "warning", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casedesktop.server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        input=stdin,
    )


def test_create_user_then_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    made = _cli(
        "create-user",
        "--email",
        "Kim@Acme.example",
        "--password-stdin",
        "--role",
        "customer",
        "--account",
        "Acme",
        "--name",
        "Kim Lee",
        "--database-url",
        url,
        "--data-dir",
        str(tmp_path),
        stdin="s3cret passphrase\n",
    )
    assert made.returncode == 0, made.stderr
    assert "kim@acme.example" in made.stdout

    with running_server(tmp_path, url) as server:
        kim = server.login("kim@acme.example", "s3cret passphrase")
        assert kim.user["name"] == "Kim Lee" and len(kim.user["account_ids"]) == 1


def test_cli_errors_go_to_stderr_with_nonzero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--data-dir", str(tmp_path)]
    assert (
        main(
            ["create-user", "--email", "a@b.example", "--password", PW, "--role", "agent", *common]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            ["create-user", "--email", "A@B.example", "--password", PW, "--role", "agent", *common]
        )
        == 1
    )
    assert "already exists" in capsys.readouterr().err
    assert (
        main(
            [
                "create-user",
                "--email",
                "c@b.example",
                "--password",
                PW,
                "--role",
                "customer",
                *common,
            ]
        )
        == 1
    )
    assert "--account" in capsys.readouterr().err
    assert main(["reset-password", "--email", "nobody@b.example", "--password", PW2, *common]) == 1
    assert main(["reset-password", "--email", "a@b.example", "--password", PW2, *common]) == 0
    assert main(["create-account", "--name", "Fabrikam", *common]) == 0
    assert main(["create-account", "--name", "Fabrikam", *common]) == 0
    assert "Already present" in capsys.readouterr().out
    assert (tmp_path / "server.db").exists()  # the default database lives in the data dir

    with running_server(tmp_path) as server:
        assert server.login("a@b.example", PW2).user["role"] == "agent"


def test_seed_demo_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _cli("seed-demo", "--database-url", url, "--data-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    second = _cli("seed-demo", "--database-url", url, "--data-dir", str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert "0 users and 0 cases added" in second.stdout

    with running_server(tmp_path, url) as server:
        demo = server.login("demo@northwind.example", "demo")
        other = server.login("other@contoso.example", "demo")
        agent = server.login("agent@vendor.example", "agent")
        northwind = demo.get("/cases").json()
        assert len(northwind) == 8 and len(other.get("/cases").json()) == 2
        assert len(agent.get("/cases").json()) == 10
        assert {"new", "open", "pending_customer", "on_hold", "resolved", "closed"} <= {
            c["status"] for c in northwind
        }
        assert any(c["escalated"] for c in northwind)
        assert any(c["resolution_summary"] for c in northwind if c["status"] == "resolved")
        assert {c["product"] for c in northwind} == {"Ledger Cloud", "Ledger Desktop", "Payroll"}

        demo_items, _ = demo.all_changes()
        agent_items, _ = agent.all_changes()
        kinds = {i["comment"]["kind"] for i in agent_items if i["entity"] == "comment"}
        assert kinds == {"reply", "internal"}
        assert all(i["comment"]["kind"] == "reply" for i in demo_items if i["entity"] == "comment")
        authors = {i["comment"]["author_role"] for i in demo_items if i["entity"] == "comment"}
        assert authors == {"customer", "agent"}


def test_serve_on_port_zero_prints_the_real_port(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "casedesktop.server",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("CaseDesktop server listening on http://127.0.0.1:"), line + (
            process.stderr.read() if process.poll() is not None and process.stderr else ""
        )
        base_url = line.rsplit(" ", 1)[1].strip()
        assert not base_url.endswith(":0")
        health = requests.get(f"{base_url}/api/v1/health", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
    finally:
        if os.name == "nt":
            process.terminate()
        else:
            process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
        _out, err = process.communicate(timeout=5)
    if os.name != "nt":  # terminate() on Windows cannot be a graceful stop
        assert process.returncode == 0, err  # Ctrl-C is a normal way to stop the server
    assert "Traceback" not in err


def test_products_contacts_and_managed_service_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--data-dir", str(tmp_path)]
    assert main(["create-product", "--name", "Ledger Cloud", *common]) == 0
    assert main(["create-product", "--name", "Ledger Cloud", *common]) == 0
    assert "Already present" in capsys.readouterr().out
    assert main(["create-contact", "--account", "Nowhere", "--name", "Zed", *common]) == 1
    assert "create it first" in capsys.readouterr().err
    assert main(["create-account", "--name", "Acme", *common]) == 0
    contact = ["create-contact", "--account", "Acme", "--name", "Priya Patel"]
    assert main([*contact, "--email", "priya@acme.example", "--phone", "+1 555", *common]) == 0
    msp = ["create-user", "--email", "max@msp.example", "--password", PW, "--role", "customer"]
    assert main([*msp, "--account", "Acme", "--account", "Beta", *common]) == 0
    assert main(["join-account", "--email", "max@msp.example", "--account", "Gamma", *common]) == 0
    assert main(["join-account", "--email", "max@msp.example", "--account", "Gamma", *common]) == 0
    assert "Already a member" in capsys.readouterr().out

    with running_server(tmp_path) as server:
        max_ = server.login("max@msp.example", PW)
        accounts = {a["name"]: a for a in max_.get("/accounts").json()}
        assert set(accounts) == {"Acme", "Beta", "Gamma"}
        assert {c["name"] for c in accounts["Acme"]["contacts"]} == {"Max", "Priya Patel"}
        assert [p["name"] for p in max_.get("/products").json()] == ["Ledger Cloud"]


def test_serve_takes_the_upload_limit_and_token_lifetime(tmp_path: Path) -> None:
    with serving(tmp_path, "--max-upload-mb", "1.5", "--token-days", "0.5") as base_url:
        options = requests.options(f"{base_url}/api/v1/uploads", timeout=5)
        assert options.headers["Tus-Max-Size"] == str(int(1.5 * 1024 * 1024))
    bad = _cli("serve", "--max-upload-mb", "0", "--data-dir", str(tmp_path))
    assert bad.returncode == 2 and "must be more than 0" in bad.stderr


def test_passwords_are_long_enough_and_can_come_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    common = ["--data-dir", str(tmp_path)]
    user = ["create-user", "--email", "kim@b.example", "--role", "agent", *common]
    for short in ("x", "123456789", " padded passphrase "):
        assert main([*user, "--password", short]) == 1
        assert "password must" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main([*user, "--password-stdin"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main([*user, "--password-stdin"]) == 1
    assert "nothing came on standard input" in capsys.readouterr().err
    with pytest.raises(SystemExit) as both:
        main([*user, "--password", PW, "--password-stdin"])
    assert both.value.code == 2
    with pytest.raises(SystemExit) as neither:
        main(user)
    assert neither.value.code == 2
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PW}\r\n"))
    assert main([*user, "--password-stdin"]) == 0
    reset = ["reset-password", "--email", "kim@b.example", *common]
    assert main([*reset, "--password", "short"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PW2))
    assert main([*reset, "--password-stdin"]) == 0
    with running_server(tmp_path) as server:
        assert server.login("kim@b.example", PW2).user["role"] == "agent"


def test_serve_trusts_forwarded_addresses_only_from_the_proxies_named(tmp_path: Path) -> None:
    bad = _cli("serve", "--trusted-proxy", "proxy.example", "--data-dir", str(tmp_path))
    assert bad.returncode == 2 and "not an IP address or network" in bad.stderr
    with serving(tmp_path, "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1") as base_url:
        answer = requests.post(
            f"{base_url}/api/v1/auth/login",
            json={"email": "zed@x.example", "password": "wrong"},
            headers={"X-Forwarded-For": "198.51.100.23"},
            timeout=10,
        )
        assert answer.status_code == 401
    engine = create_engine(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        with engine.connect() as connection:
            addresses = connection.execute(select(LoginFailure.address)).scalars().all()
    finally:
        engine.dispose()
    assert addresses == ["198.51.100.23"]


def test_migrate_brings_a_new_database_to_the_newest_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic.script import ScriptDirectory

    from casedesktop.server.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert main(["migrate", "--database-url", url, "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == f"{url} is at schema revision {head}"
    assert main(["migrate", "--database-url", url, "--data-dir", str(tmp_path)]) == 0  # again: no-op
    assert f"revision {head}" in capsys.readouterr().out


def test_categories_and_service_levels_from_the_shell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--data-dir", str(tmp_path)]
    assert main(["create-category", "--name", "  Billing ", *common]) == 0
    assert "Created category 'Billing'" in capsys.readouterr().out
    assert main(["create-category", "--name", "BILLING", *common]) == 0
    assert "Already present: category 'Billing'" in capsys.readouterr().out
    for bad in ("   ", "x" * 101, "tab\there", "\u202eRTL", "zero\u200bwidth"):
        assert main(["create-category", "--name", bad, *common]) == 1
        assert "category" in capsys.readouterr().err

    sla = ["set-sla", "--priority", "critical"]
    assert main([*sla, "--first-response", "1h", "--resolution", "1d 12h", *common]) == 0
    assert capsys.readouterr().out.strip() == (
        "critical: first response within 1h, resolution within 1d12h."
    )
    assert main([*sla, "--first-response", "30M", *common]) == 0  # the resolution stays
    assert "first response within 30m, resolution within 1d12h" in capsys.readouterr().out
    assert main(["set-sla", "--priority", "low", "--resolution", "90m", *common]) == 0
    capsys.readouterr()
    assert main(["set-sla", "--priority", "low", "--first-response", "20d", *common]) == 1  # after its resolution
    assert "shorter than its first-response target" in capsys.readouterr().err
    assert main(["show-sla", *common]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "critical  first response within 30m, resolution within 1d12h",
        "high      no targets",
        "medium    no targets",
        "low       first response no target, resolution within 1h30m",
    ]
    assert main([*sla, "--clear", *common]) == 0
    assert "Removed the targets of the critical priority" in capsys.readouterr().out
    assert main([*sla, "--clear", *common]) == 0
    assert "had no targets" in capsys.readouterr().out

    # Durations that cannot be targets, and options that do not go together: argparse's exit 2.
    for duration, says in (
        ("-1h", "is negative"),
        ("0m", "longer than 0"),
        ("366d", "at most 365 days"),
        ("99999999999999999999d", "not a duration"),
        ("1.5h", "not a duration"),
        ("soon", "not a duration"),
        ("", "not a duration"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main([*sla, f"--resolution={duration}", *common])
        assert stopped.value.code == 2
        assert says in capsys.readouterr().err, duration
    for options in ([], ["--clear", "--resolution", "1h"]):
        with pytest.raises(SystemExit) as stopped:
            main([*sla, *options, *common])
        assert stopped.value.code == 2
    with pytest.raises(SystemExit):
        main(["set-sla", "--priority", "urgent", "--resolution", "1h", *common])

    with running_server(tmp_path) as server:
        server.add_user("sam@vendor.example", Role.AGENT)
        names = server.signed_in("sam@vendor.example").get("/categories").json()
        assert names == [{"name": "Billing"}]
