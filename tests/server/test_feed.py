"""The change feed: a monotonic cursor, paging, current state, and per-caller filtering."""

from __future__ import annotations

import threading
from pathlib import Path

from casedesktop.api import ChangesPage
from casedesktop.domain import Role
from casedesktop.server.testing import ApiCaller, running_server


def test_feed_pages_in_order_with_a_monotonic_cursor(customer: ApiCaller, agent: ApiCaller) -> None:
    first = customer.new_case()
    customer.comment(first["id"], "More detail.")
    agent.act(first["id"], "pick-up")
    customer.new_case()

    everything, end = customer.all_changes()
    seqs = [item["seq"] for item in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [i["entity"] for i in everything] == [
        "case",
        "activity",  # first case opened
        "case",
        "comment",  # reply (case updated_at moved)
        "case",
        "activity",  # picked up
        "case",
        "activity",  # second case
    ]
    assert end == seqs[-1]
    # Each item carries the entity's current state, even for older entries.
    assert {i["case"]["status"] for i in everything[:6] if i["entity"] == "case"} == {"open"}

    paged: list[dict] = []
    cursor, pages = 0, 0
    while True:
        page = customer.get("/changes", params={"cursor": cursor, "limit": 3}).json()
        assert page["cursor"] >= cursor
        assert all(item["seq"] > cursor for item in page["changes"])
        paged += page["changes"]
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            break
    assert pages == 3 and paged == everything

    empty = customer.get("/changes", params={"cursor": end}).json()
    assert empty == {"changes": [], "cursor": end, "has_more": False}


def test_customer_cursor_moves_past_changes_they_cannot_see(
    customer: ApiCaller, other_customer: ApiCaller
) -> None:
    customer.new_case()
    _, cursor = customer.all_changes()
    other_customer.new_case()
    other_customer.new_case()

    page = customer.get("/changes", params={"cursor": cursor}).json()
    assert page["changes"] == [] and not page["has_more"]
    assert page["cursor"] > cursor
    _, others_cursor = other_customer.all_changes()
    assert page["cursor"] == others_cursor


def test_feed_rejects_bad_paging(customer: ApiCaller) -> None:
    for params in ({"limit": 0}, {"limit": 100_000}, {"cursor": -1}):
        response = customer.get("/changes", params=params)
        assert response.status_code == 422 and response.json()["field"] in params


def test_concurrent_writers_never_make_a_reader_skip_a_change(
    database_url: str, tmp_path: Path
) -> None:
    """Many writers at once: unique case numbers, no failed writes, and a reader pulling all
    along sees every change exactly once (test_postgres checks the commit-order lock directly)."""
    writers, cases_each = 6, 4
    with running_server(tmp_path, database_url) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        token = server.signed_in("ann@acme.example").http.headers["Authorization"].split()[1]
        done = threading.Event()
        pulled: list[int] = []
        errors: list[BaseException] = []

        def write() -> None:
            client = ApiCaller(server.base_url, token)
            try:
                for _ in range(cases_each):
                    case = client.new_case()
                    assert client.comment(case["id"], "More detail.").status_code == 201
            except BaseException as exc:
                errors.append(exc)

        def read() -> None:
            client, cursor = ApiCaller(server.base_url, token), 0
            while True:
                finished = done.is_set()
                items, cursor = client.all_changes(cursor, limit=7)
                pulled.extend(item["seq"] for item in items)
                if finished:
                    return

        reader = threading.Thread(target=read)
        threads = [threading.Thread(target=write) for _ in range(writers)]
        reader.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        done.set()
        reader.join(timeout=60)
        assert not errors, errors

        everything, _ = ApiCaller(server.base_url, token).all_changes()
        assert pulled == [item["seq"] for item in everything]
        numbers = {i["case"]["number"] for i in everything if i["entity"] == "case"}
        assert numbers == {f"CS-{1001 + n}" for n in range(writers * cases_each)}


def test_a_page_built_for_staff_is_never_answered_to_a_customer(
    customer: ApiCaller, other_customer: ApiCaller, agent: ApiCaller
) -> None:
    """Pages are cached per audience (services/feed.py): staff, and each set of accounts. The
    same cursor, limit and feed position asked by staff first, then by customers, must still
    give each their own page."""
    case = customer.new_case(subject="Acme only")
    agent.comment(case["id"], "NOTE-PLUM: an internal remark.", "internal")
    other_customer.new_case(subject="Beta only")
    pages = {}
    for _ in range(2):  # built, then (at the same position) answered from the cache
        for name, caller in (("staff", agent), ("acme", customer), ("beta", other_customer)):
            pages.setdefault(name, []).append(caller.get("/changes", params={"cursor": 0}).json())
    for name, answers in pages.items():
        assert answers[0] == answers[1], name
    staff, acme, beta = (pages[name][0] for name in ("staff", "acme", "beta"))
    assert "NOTE-PLUM" in str(staff) and "NOTE-PLUM" not in str(acme) + str(beta)
    assert "Beta only" not in str(acme) and "Acme only" not in str(beta)
    assert staff["cursor"] == acme["cursor"] == beta["cursor"]


def test_a_change_is_in_the_next_page_even_right_after_a_cached_one(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case()
    first = customer.get("/changes", params={"cursor": 0}).json()
    assert customer.get("/changes", params={"cursor": 0}).json() == first
    agent.comment(case["id"], "We are looking at it.")
    again = customer.get("/changes", params={"cursor": 0}).json()
    assert again["cursor"] > first["cursor"]
    bodies = [i["comment"]["body"] for i in again["changes"] if i["entity"] == "comment"]
    assert bodies == ["We are looking at it."]


def test_feed_answers_are_plain_json_with_the_wait_header(customer: ApiCaller) -> None:
    customer.new_case()
    response = customer.get("/changes", params={"cursor": 0})
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Changes-Wait"] == "0"
    assert ChangesPage.model_validate_json(response.content).changes
