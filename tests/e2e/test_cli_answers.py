"""The CLI answers a new user in plain words: no tracebacks, no internal names, what to do next."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from casedesktop.sync.sign_in import server_address
from tests.support import CUSTOMER, Cli


def unsent_ops(profile: Path) -> list[str]:
    with sqlite3.connect(profile / "cache.db") as db:
        return [row[0] for row in db.execute("SELECT op_id FROM outbox WHERE state != 'done' ORDER BY seq")]


def test_login_without_a_terminal_says_to_use_password_stdin(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    done = subprocess.run([sys.executable, "-m", "casedesktop", "--profile", str(customer_cli.profile), "login",
                           "--server", server_process.url, "--email", CUSTOMER[0]],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--password-stdin" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("typed", "url"), [
    ("127.0.0.1:35741", "http://127.0.0.1:35741"),
    ("localhost:8765/", "http://localhost:8765"),
    ("support.example.com", "https://support.example.com"),
    (" https://support.example.com/ ", "https://support.example.com"),
    ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
])
def test_server_address_gets_a_scheme(typed: str, url: str) -> None:
    assert server_address(typed) == url


@pytest.mark.parametrize("typed", ["", "ftp://example.com", "support example.com", "http://", "host:notaport",
                                   "support..example.com", "support_desk.example.com", "https//support.example.com",
                                   "https://support.example.com/?next=1", "dana@northwind.example"])
def test_server_address_refuses_what_cannot_be_one(typed: str) -> None:
    with pytest.raises(ValueError, match="address"):
        server_address(typed)


def test_login_without_a_scheme_reaches_the_loopback_server(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    bare = server_process.url.removeprefix("http://")
    done = customer_cli.run("login", "--server", bare, "--email", CUSTOMER[0], "--password-stdin", stdin=CUSTOMER[1] + "\n")
    assert f"Signed in to {server_process.url} " in done.stdout and "casedesktop sync" in done.stdout
    assert customer_cli.json("status")["server"] == server_process.url


def test_status_after_logout_is_signed_out_and_offline(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    status = customer_cli.json("status")
    assert status["signed_in"] is True and status["online"] is True
    line = customer_cli.run("status").stdout
    assert line.startswith(f"Signed in as {CUSTOMER[0]}") and "T" not in line.split("last sync ")[1][:11]
    customer_cli.run("logout")
    status = customer_cli.json("status")
    assert status["signed_in"] is False and status["online"] is False
    assert customer_cli.run("status").stdout.startswith(f"Signed out (last signed in as {CUSTOMER[0]}")


def test_products_lists_what_cases_new_takes(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    assert customer_cli.run("products", check=False).returncode == 1  # nothing cached yet, and it says why
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    products = customer_cli.json("products")
    assert "Ledger Cloud" in products
    assert customer_cli.run("products").stdout.splitlines() == products


def test_outbox_names_changes_by_a_unique_prefix_and_says_what_it_did(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    assert "No refused changes" in customer_cli.run("outbox").stdout
    for reference, words in (("ab", "too short"), ("ffffffff", "No unsent or refused change")):
        done = customer_cli.run("outbox", "--discard", reference, check=False)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    customer_cli.run("cases", "new", "--subject", "Export fails", "--description", "Every time.", "--product", "Ledger Cloud")
    [op_id] = unsent_ops(customer_cli.profile)
    done = customer_cli.run("outbox", "--discard", op_id[:6])
    assert f"Change {op_id} was discarded" in done.stdout
    assert unsent_ops(customer_cli.profile) == []
    again = customer_cli.run("outbox", "--discard", op_id, check=False)
    assert again.returncode == 2 and "discarded already" in again.stderr
    assert "Export fails" not in [c["subject"] for c in customer_cli.json("cases", "list")]  # the case went with it


def test_text_from_others_cannot_drive_the_terminal(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    """A reply carrying terminal escapes (retitle, erase a line, fake text) is shown escaped."""
    from tests.support import Staff

    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    case = customer_cli.json("cases", "list")[0]
    Staff(server_process.url).reply(case["id"], "hi\x1b]0;owned\x07\x1b[1A\x1b[2Kfake line \u202eevil")
    customer_cli.run("sync")
    shown = customer_cli.run("cases", "show", case["number"]).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b]0;owned\\x07" in shown and "fake line" in shown


def test_blank_looking_text_and_an_empty_password_are_refused_in_words(customer_cli: Cli, server_process) -> None:  # noqa: ANN001
    done = customer_cli.run("login", "--server", server_process.url, "--email", CUSTOMER[0], "--password-stdin", stdin="",
                        check=False)
    assert done.returncode == 2 and "No password" in done.stderr and "pydantic" not in done.stderr
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    for subject in ("\u200b", "\u202e\u200b", "\x1b\x07"):
        refused = customer_cli.run("cases", "new", "--subject", subject, "--description", "x",
                               "--product", "Ledger Cloud", check=False)
        assert refused.returncode == 2 and "Enter a subject" in refused.stderr, subject
