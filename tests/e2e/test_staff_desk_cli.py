"""The agent's desk through the CLI against the demo server: triage offline then online, a
question to the customer, a deleted note, the summary, reopening a resolved case; and a
customer's profile refused each of them locally, in words. The CLI runs in this process (the
same `main` as the command), one server for the module."""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from casedesktop import cli
from tests.support import AGENT, CUSTOMER, ServerProcess, Staff

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("demo") / "server")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`casedesktop --profile DIR ARGS...` as (exit code, stdout, stderr)."""

    def run(profile: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = cli.main(["--profile", str(profile), *args])
        except SystemExit as exc:  # argparse's refusals
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def signed_in(run: Run, server: ServerProcess, profile: Path, who: tuple[str, str]) -> Path:
    assert run(profile, "login", "--server", server.url, "--email", who[0], "--password-stdin", stdin=who[1] + "\n")[0] == 0
    assert run(profile, "sync")[0] == 0
    return profile


def shown(run: Run, profile: Path, number: str) -> dict:
    code, out, err = run(profile, "cases", "show", number, "--json")
    assert code == 0, err
    return json.loads(out)


def customer_case(run: Run, customer: Path, subject: str) -> str:
    """A case the customer opens and sends; its number."""
    assert run(customer, "cases", "new", "--subject", subject, "--description", "Since this morning.",
               "--product", "Ledger Cloud")[0] == 0
    assert run(customer, "sync")[0] == 0
    code, out, _ = run(customer, "cases", "list", "--json")
    return next(c["number"] for c in json.loads(out) if c["subject"] == subject)


def test_triage_made_offline_reaches_the_server_and_the_second_desk_never_the_customer(
        run: Run, server: ServerProcess, tmp_path: Path) -> None:
    customer = signed_in(run, server, tmp_path / "customer", CUSTOMER)
    number = customer_case(run, customer, f"Reconciliation stuck {uuid.uuid4().hex[:6]}")
    agent = signed_in(run, server, tmp_path / "agent", AGENT)
    code, out, _ = run(agent, "categories", "--json")
    assert code == 0 and "Billing" in json.loads(out)
    assert run(agent, "categories")[1].splitlines() == json.loads(out)

    server.stop()
    try:
        code, out, err = run(agent, "cases", "triage", number, "--priority", "critical", "--category", "billing",
                             "--source", "phone", "--owner", "me")
        assert (code, out.strip()) == (0, f"Saved the triage of {number}; it will be sent at the next sync."), err
        mine = shown(run, agent, number)
        assert (mine["priority"], mine["category"], mine["source"], mine["sync_state"]) == (
            "critical", "Billing", "Phone", "waiting")
        assert mine["owner"] and mine["owner_id"]  # the agent's own name and id, at once
        code, _, err = run(agent, "sync")
        assert code == 1 and "Cannot reach" in err

        # Mistakes are told next to the option, and nothing is queued for them.
        code, _, err = run(agent, "cases", "triage", number, "--priority", "urgent")
        assert code == 2 and "invalid choice: 'urgent'" in err
        code, _, err = run(agent, "cases", "triage", number, "--source", "Fax")
        assert code == 2 and "invalid choice: 'Fax'" in err
        code, _, err = run(agent, "cases", "triage", number, "--category", "Nonsense")
        assert code == 2 and "There is no category 'Nonsense'; choose one of Access, Bank feeds" in err
        code, _, err = run(agent, "cases", "triage", number)
        assert code == 2 and "Say what to change: --priority, --category" in err
        code, _, err = run(agent, "cases", "triage", number, "--owner", "somebody")
        assert code == 2 and "--owner takes an email, `me` or `none`, not 'somebody'." in err
        assert json.loads(run(agent, "status", "--json")[1])["waiting"] == 2  # the triage and the assignment
    finally:
        server.start()

    assert run(agent, "sync")[0] == 0
    on_server = Staff(server.url).session.get(f"{server.url}/api/v1/cases/{mine['id']}").json()
    assert (on_server["priority"], on_server["category"], on_server["source"], on_server["owner_id"]) == (
        "critical", "Billing", "Phone", mine["owner_id"])

    second = signed_in(run, server, tmp_path / "agent-laptop", AGENT)
    theirs = shown(run, second, number)
    assert (theirs["priority"], theirs["category"], theirs["source"], theirs["owner"]) == (
        "critical", "Billing", "Phone", on_server["owner_name"])
    assert theirs["sla"]["state"] in ("ok", "due_soon", "overdue") and theirs["sla"]["first_response_due"]

    code, _, err = run(customer, "cases", "triage", number, "--priority", "low")
    assert code == 2 and "Only support staff triage cases." in err
    assert run(customer, "sync")[0] == 0
    seen = shown(run, customer, number)
    assert (seen["priority"], seen["category"], seen["owner"], seen["owner_id"], seen["sla"]) == (None, "", "", None, None)
    assert [a["action"] for a in seen["activity"]] == ["create"]


def test_question_deleted_note_summary_and_reopen_through_the_cli(run: Run, server: ServerProcess, tmp_path: Path) -> None:
    customer = signed_in(run, server, tmp_path / "customer", CUSTOMER)
    number = customer_case(run, customer, f"Payroll totals wrong {uuid.uuid4().hex[:6]}")
    agent = signed_in(run, server, tmp_path / "agent", AGENT)
    assert run(agent, "cases", "action", number, "pick-up")[0] == 0
    assert run(agent, "cases", "reply", number, "--text", "Wrong case, ignore this", "--internal")[0] == 0
    assert run(agent, "sync")[0] == 0
    [note] = shown(run, agent, number)["comments"]

    code, out, err = run(agent, "cases", "delete-note", number, note["id"][:8])
    assert code == 0 and "Deleted the internal note" in out, err
    code, out, err = run(agent, "cases", "ask", number, "--question", "Which payroll version do you run?")
    assert code == 0 and "the case waits on the customer" in out, err
    mine = shown(run, agent, number)
    assert mine["status"] == "pending_customer"
    assert [(c["body"], c["sync_state"]) for c in mine["comments"]] == [("Which payroll version do you run?", "waiting")]
    assert run(agent, "sync")[0] == 0
    staff = Staff(server.url)
    comments = staff.session.get(f"{staff.url}/cases/{mine['id']}/comments").json()
    assert [c["body"] for c in comments] == ["Which payroll version do you run?"]
    assert staff.session.get(f"{staff.url}/cases/{mine['id']}").json()["status"] == "pending_customer"

    second = signed_in(run, server, tmp_path / "agent-laptop", AGENT)
    assert [c["body"] for c in shown(run, second, number)["comments"]] == ["Which payroll version do you run?"]
    assert run(customer, "sync")[0] == 0
    seen = shown(run, customer, number)
    assert seen["status"] == "pending_customer"
    assert [c["body"] for c in seen["comments"]] == ["Which payroll version do you run?"]  # never the note
    for refused, message in (
        (("cases", "ask", number, "--question", "?"), "Only support staff can ask the customer for more."),
        (("cases", "delete-note", number, note["id"]), "Only support staff can delete internal notes."),
        (("summary",), "Only support staff have the desk's summary."),
    ):
        code, _, err = run(customer, *refused)
        assert code == 2 and message in err

    code, out, _ = run(agent, "summary", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["total"] >= 10 and summary["window_days"] == 30
    code, out, _ = run(agent, "summary")
    assert code == 0 and f"Total:            {summary['total']}" in out.splitlines()

    # Reopen follows the shared lifecycle: a resolved case reopens too, not only a closed one.
    assert run(agent, "cases", "action", number, "resolve", "--summary", "Updated the tax tables")[0] == 0
    code, _, err = run(agent, "cases", "action", number, "reopen", "--reason", "The customer still sees it")
    assert code == 0, err
    assert shown(run, agent, number)["status"] == "open"
    assert run(agent, "sync")[0] == 0
    assert staff.session.get(f"{staff.url}/cases/{mine['id']}").json()["status"] == "open"
