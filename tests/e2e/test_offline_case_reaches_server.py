"""The walking skeleton end to end through the CLI: a case made offline reaches the server once,
and the agent's reply and status change come back."""

from __future__ import annotations

import sqlite3

from tests.support import AGENT, CUSTOMER, Cli, ServerProcess


def test_case_made_offline_is_pushed_once_and_staff_answer_comes_back(server: ServerProcess, customer: Cli, agent: Cli) -> None:
    customer.login(server.url, CUSTOMER)
    seeded = len(server.cases_visible_to_agent())
    server.stop()

    made = customer.run("cases", "new", "--subject", "Invoice export hangs", "--description",
                        "Export to CSV never finishes since the update.", "--severity", "urgent",
                        "--product", "Ledger Cloud")
    assert "saved" in made.stdout.lower()
    status = customer.json("status")
    assert status["waiting"] == 1
    assert status["online"] is False
    listed = customer.json("cases", "list")
    mine = [c for c in listed if c["subject"] == "Invoice export hangs"]
    assert len(mine) == 1 and mine[0]["number"] is None and mine[0]["sync_state"] == "waiting"

    offline_sync = customer.run("sync", check=False)
    assert offline_sync.returncode != 0  # something is still waiting
    assert "Cannot reach" in offline_sync.stderr

    server.start()
    customer.run("sync")
    assert customer.json("status")["waiting"] == 0
    on_server = [c for c in server.cases_visible_to_agent() if c["subject"] == "Invoice export hangs"]
    assert len(on_server) == 1
    number = on_server[0]["number"]
    assert number.startswith("CS-")
    assert len(server.cases_visible_to_agent()) == seeded + 1

    agent.login(server.url, AGENT)
    agent.run("sync")
    agent.run("cases", "action", number, "pick-up")
    agent.run("cases", "reply", number, "--text", "We can reproduce it; a fix is on its way.")
    agent.run("cases", "reply", number, "--text", "Customer is on v5.2, check the export queue.", "--internal")
    agent.run("sync")

    customer.run("sync")
    case = next(c for c in customer.json("cases", "list") if c["number"] == number)
    assert case["status"] == "open"
    assert case["unread"] is True
    shown = customer.json("cases", "show", number)
    bodies = [m["body"] for m in shown["comments"]]
    assert "We can reproduce it; a fix is on its way." in bodies
    assert not any("export queue" in b for b in bodies)  # the internal note never reaches a customer
    assert any(a["action"] == "pick-up" and a["to"] == "open" for a in shown["activity"])

    # Sync again, and push the very same outbox entry a second time: still exactly one case.
    customer.run("sync")
    with sqlite3.connect(customer.profile / "cache.db") as raw:
        raw.execute("update outbox set state = 'pending' where kind = 'create_case'")
    customer.run("sync")
    assert len([c for c in server.cases_visible_to_agent() if c["subject"] == "Invoice export hangs"]) == 1
    assert len(server.cases_visible_to_agent()) == seeded + 1


def test_customer_actions_and_refusals_through_the_cli(server: ServerProcess, customer: Cli) -> None:
    customer.login(server.url, CUSTOMER)
    customer.run("sync")
    case = customer.json("cases", "list")[0]
    missing = customer.run("cases", "action", case["number"], "escalate", check=False)
    assert missing.returncode == 2 and "reason" in missing.stderr
    staff_only = customer.run("cases", "action", case["number"], "resolve", "--summary", "x", check=False)
    assert staff_only.returncode == 2 and "Only support staff can resolve a case." in staff_only.stderr
    unknown = customer.run("cases", "show", "CS-99999", check=False)
    assert unknown.returncode == 2 and "CS-99999" in unknown.stderr
    empty = customer.run("cases", "new", "--subject", " ", "--description", "x", check=False)
    assert empty.returncode == 2 and "subject" in empty.stderr.lower()


def test_wrong_password_and_no_sign_in_are_clear_errors(server: ServerProcess, customer: Cli) -> None:
    wrong = customer.run("login", "--server", server.url, "--email", CUSTOMER[0], "--password-stdin", stdin="nope\n", check=False)
    assert wrong.returncode == 3
    assert "sign-in refused" in wrong.stderr
    not_signed_in = customer.run("sync", check=False)
    assert not_signed_in.returncode == 2 and "login" in not_signed_in.stderr


def test_sync_keeps_accounts_contacts_products_and_limits_for_offline_dialogs(server: ServerProcess, customer: Cli) -> None:
    from casedesktop.store import reference
    from casedesktop.store.database import open_cache

    customer.login(server.url, CUSTOMER)
    customer.run("sync")
    db = open_cache(customer.profile)
    try:
        known = reference.load(db)
    finally:
        db.close()
    assert [a.name for a in known.accounts] == ["Northwind Traders"]
    assert "Ledger Cloud" in known.products
    assert known.max_attachment_bytes == 40 * 1024 * 1024
