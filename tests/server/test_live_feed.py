"""The change feed's long-poll (`wait`): answers when something the caller may see commits, not
for anyone else's changes, and wakes readers of another server process on the same database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from casedesktop.domain import Role
from casedesktop.server.testing import ApiCaller, ServerHandle, running_server


def _head(caller: ApiCaller) -> int:
    _changes, cursor = caller.all_changes()
    return cursor


def _long_poll(caller: ApiCaller, cursor: int, wait: int) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = caller.http.get(
        caller.base + "/changes", params={"cursor": cursor, "wait": wait}, timeout=wait + 10
    )
    return answer, time.monotonic() - started


def _after(seconds: float, work: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        work()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_reply_ends_the_customers_wait_at_once(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case(subject="Printer offline")
    cursor = _head(customer)
    writer = _after(0.5, lambda: agent.comment(case["id"], "Try turning it off and on."))
    answer, took = _long_poll(customer, cursor, wait=20)
    writer.join()
    assert answer.status_code == 200
    assert answer.headers["X-Changes-Wait"] == "20"
    bodies = [c["comment"]["body"] for c in answer.json()["changes"] if c["entity"] == "comment"]
    assert bodies == ["Try turning it off and on."]
    assert 0.4 < took < 3.0, f"answered after {took:.2f} s"


def test_with_nothing_new_the_answer_is_an_empty_page_after_the_wait(customer: ApiCaller) -> None:
    customer.new_case(subject="Quiet")
    cursor = _head(customer)
    answer, took = _long_poll(customer, cursor, wait=1)
    assert answer.status_code == 200
    assert answer.json() == {"changes": [], "cursor": cursor, "has_more": False}
    assert 0.9 < took < 3.0


def test_something_already_newer_is_answered_at_once(customer: ApiCaller) -> None:
    cursor = _head(customer)
    customer.new_case(subject="Already there")
    answer, took = _long_poll(customer, cursor, wait=20)
    assert [c["case"]["subject"] for c in answer.json()["changes"] if c["entity"] == "case"] == [
        "Already there"
    ]
    assert took < 2.0


def test_other_accounts_changes_and_internal_notes_do_not_wake_a_customer(
    customer: ApiCaller, other_customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case(subject="Mine")
    cursor = _head(customer)

    def elsewhere() -> None:
        other_customer.new_case(subject="Someone else's")
        agent.comment(case["id"], "Staff only: check the licence server", kind="internal")

    writer = _after(0.3, elsewhere)
    answer, took = _long_poll(customer, cursor, wait=2)
    writer.join()
    page = answer.json()
    assert page["changes"] == []
    assert took > 1.9, "woken for changes the customer may not see"
    assert page["cursor"] > cursor  # moved past what they cannot see
    # ... and an agent waiting from the same point is woken by either.
    answer, took = _long_poll(agent, cursor, wait=20)
    assert answer.json()["changes"] and took < 2.0


def test_wait_is_bounded_and_checked(customer: ApiCaller) -> None:
    for bad in ("31", "-1", "1.5", "x", "99999999999999999999"):
        answer = customer.get("/changes", params={"cursor": 0, "wait": bad})
        assert answer.status_code == 422, bad
    plain = customer.get("/changes", params={"cursor": 0})
    assert plain.headers["X-Changes-Wait"] == "0"


def test_a_long_poll_needs_a_valid_token(world: ServerHandle) -> None:
    answer = world.anonymous().get("/changes", params={"cursor": 0, "wait": 5})
    assert answer.status_code == 401


def test_many_waiters_are_woken_each_for_their_own_account(world: ServerHandle) -> None:
    world.add_user("cat@acme.example", Role.CUSTOMER, "Acme")
    ann, cat = world.signed_in("ann@acme.example"), world.signed_in("cat@acme.example")
    bob = world.signed_in("bob@beta.example")
    cursor = _head(ann)
    results: dict[str, float] = {}

    def wait(name: str, caller: ApiCaller) -> None:
        answer, took = _long_poll(caller, cursor, wait=3)
        results[name] = took if answer.json()["changes"] else -took

    threads = [
        threading.Thread(target=wait, args=(name, caller))
        for name, caller in (("ann", ann), ("cat", cat), ("bob", bob))
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    ann.new_case(subject="For Acme")
    for thread in threads:
        thread.join()
    assert 0 < results["ann"] < 2.5 and 0 < results["cat"] < 2.5
    assert results["bob"] < -2.5  # Beta's reader waited it out with nothing


def test_a_write_on_another_server_process_wakes_the_reader(
    database_url: str, tmp_path: Path
) -> None:
    """Two servers on one database: PostgreSQL wakes through LISTEN/NOTIFY at once; on SQLite
    the other process's commit is found by the once-a-second check."""
    with running_server(tmp_path / "a", database_url) as first, running_server(
        tmp_path / "b", database_url
    ) as second:
        first.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        reader, writer = first.signed_in("ann@acme.example"), second.signed_in("ann@acme.example")
        cursor = _head(reader)
        thread = _after(0.5, lambda: writer.new_case(subject="From the other process"))
        answer, took = _long_poll(reader, cursor, wait=20)
        thread.join()
        subjects = [c["case"]["subject"] for c in answer.json()["changes"] if c["entity"] == "case"]
        assert subjects == ["From the other process"]
        bound = 1.5 if database_url.startswith("postgresql") else 2.5
        assert took < bound, f"woken after {took:.2f} s"


def test_the_openapi_document_describes_wait(world: ServerHandle) -> None:
    schema = requests.get(f"{world.base_url}/openapi.json", timeout=10).json()
    parameters = schema["paths"]["/api/v1/changes"]["get"]["parameters"]
    described = {p["name"]: p for p in parameters}
    assert described["wait"]["schema"]["maximum"] == 30
    assert described["wait"]["schema"]["minimum"] == 0
    assert "Long-poll" in described["wait"]["description"]
