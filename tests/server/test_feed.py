"""The change feed: a monotonic cursor, paging, current state, and per-caller filtering."""

from __future__ import annotations

from casedesktop.server.testing import ApiClient


def test_feed_pages_in_order_with_a_monotonic_cursor(
    customer: ApiClient, agent: ApiClient
) -> None:
    first = customer.new_case()
    customer.comment(first["id"], "More detail.")
    agent.act(first["id"], "pick-up")
    customer.new_case()

    everything, end = customer.all_changes()
    seqs = [item["seq"] for item in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [i["entity"] for i in everything] == [
        "case", "activity",  # first case opened
        "case", "comment",  # reply (case updated_at moved)
        "case", "activity",  # picked up
        "case", "activity",  # second case
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
    customer: ApiClient, other_customer: ApiClient
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


def test_feed_rejects_bad_paging(customer: ApiClient) -> None:
    for params in ({"limit": 0}, {"limit": 100_000}, {"cursor": -1}):
        response = customer.get("/changes", params=params)
        assert response.status_code == 422 and response.json()["field"] in params
