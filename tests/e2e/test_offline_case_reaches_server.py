"""The walking skeleton end to end through the CLI: a case made offline reaches the server once,
and the agent's reply and status change come back."""

from __future__ import annotations

import sqlite3

from tests.support import AGENT, CUSTOMER, Cli, ServerProcess


def test_case_made_offline_is_pushed_once_and_staff_answer_comes_back(server_process: ServerProcess, customer_cli: Cli, agent_cli: Cli) -> None:
    customer_cli.login(server_process.url, CUSTOMER)
    seeded = len(server_process.cases_visible_to_agent())
    server_process.stop()

    made = customer_cli.run("cases", "new", "--subject", "Invoice export hangs", "--description",
                        "Export to CSV never finishes since the update.", "--severity", "urgent",
                        "--product", "Ledger Cloud")
    assert "saved" in made.stdout.lower()
    status = customer_cli.json("status")
    assert status["waiting"] == 1
    assert status["online"] is False
    listed = customer_cli.json("cases", "list")
    mine = [c for c in listed if c["subject"] == "Invoice export hangs"]
    assert len(mine) == 1 and mine[0]["number"] is None and mine[0]["sync_state"] == "waiting"

    offline_sync = customer_cli.run("sync", check=False)
    assert offline_sync.returncode != 0  # something is still waiting
    assert "Cannot reach" in offline_sync.stderr

    server_process.start()
    customer_cli.run("sync")
    assert customer_cli.json("status")["waiting"] == 0
    on_server = [c for c in server_process.cases_visible_to_agent() if c["subject"] == "Invoice export hangs"]
    assert len(on_server) == 1
    number = on_server[0]["number"]
    assert number.startswith("CS-")
    assert len(server_process.cases_visible_to_agent()) == seeded + 1

    agent_cli.login(server_process.url, AGENT)
    agent_cli.run("sync")
    agent_cli.run("cases", "action", number, "pick-up")
    agent_cli.run("cases", "reply", number, "--text", "We can reproduce it; a fix is on its way.")
    agent_cli.run("cases", "reply", number, "--text", "Customer is on v5.2, check the export queue.", "--internal")
    agent_cli.run("sync")

    customer_cli.run("sync")
    case = next(c for c in customer_cli.json("cases", "list") if c["number"] == number)
    assert case["status"] == "open"
    assert case["unread"] is True
    shown = customer_cli.json("cases", "show", number)
    bodies = [m["body"] for m in shown["comments"]]
    assert "We can reproduce it; a fix is on its way." in bodies
    assert not any("export queue" in b for b in bodies)  # the internal note never reaches a customer
    assert any(a["action"] == "pick-up" and a["to"] == "open" for a in shown["activity"])

    # Sync again, and push the very same outbox entry a second time: still exactly one case.
    customer_cli.run("sync")
    with sqlite3.connect(customer_cli.profile / "cache.db") as raw:
        raw.execute("update outbox set state = 'pending' where kind = 'create_case'")
    customer_cli.run("sync")
    assert len([c for c in server_process.cases_visible_to_agent() if c["subject"] == "Invoice export hangs"]) == 1
    assert len(server_process.cases_visible_to_agent()) == seeded + 1


def test_customer_actions_and_refusals_through_the_cli(server_process: ServerProcess, customer_cli: Cli) -> None:
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    case = customer_cli.json("cases", "list")[0]
    missing = customer_cli.run("cases", "action", case["number"], "escalate", check=False)
    assert missing.returncode == 2 and "reason" in missing.stderr
    staff_only = customer_cli.run("cases", "action", case["number"], "resolve", "--summary", "x", check=False)
    assert staff_only.returncode == 2 and "Only support staff can resolve a case." in staff_only.stderr
    unknown = customer_cli.run("cases", "show", "CS-99999", check=False)
    assert unknown.returncode == 2 and "CS-99999" in unknown.stderr
    empty = customer_cli.run("cases", "new", "--subject", " ", "--description", "x", check=False)
    assert empty.returncode == 2 and "subject" in empty.stderr.lower()


def test_wrong_password_and_no_sign_in_are_clear_errors(server_process: ServerProcess, customer_cli: Cli) -> None:
    wrong = customer_cli.run("login", "--server", server_process.url, "--email", CUSTOMER[0], "--password-stdin", stdin="nope\n", check=False)
    assert wrong.returncode == 3
    assert "sign-in refused" in wrong.stderr
    not_signed_in = customer_cli.run("sync", check=False)
    assert not_signed_in.returncode == 2 and "login" in not_signed_in.stderr


def test_sync_keeps_accounts_contacts_products_and_limits_for_offline_dialogs(server_process: ServerProcess, customer_cli: Cli) -> None:
    from casedesktop.store import reference
    from casedesktop.store.database import open_cache

    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    db = open_cache(customer_cli.profile)
    try:
        known = reference.load(db)
    finally:
        db.close()
    assert [a.name for a in known.accounts] == ["Northwind Traders"]
    assert "Ledger Cloud" in known.products
    assert known.max_attachment_bytes == 40 * 1024 * 1024
