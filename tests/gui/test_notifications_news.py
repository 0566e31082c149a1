"""What a notification says, decided without any widget: the newest reply or status change by
someone else on each case (read from a real cache), one grouped notice for several cases, and the
unread count."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, CaseRow, CommentRow
from casedesktop.store.queries import unread_count
from casedesktop.ui.syncstatus.news import (
    CaseNews,
    announcement_for,
    first_line,
    read_news,
)
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
AGENT_ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "agent@vendor.example", "Alex Moreno", Role.AGENT)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def case_id(n: int) -> str:
    return str(uuid.UUID(int=n))


@pytest.fixture
def db(profile_dir: Path) -> Iterator[CacheDB]:
    db = open_cache(profile_dir)
    seed_cases(db, 8)
    yield db
    db.close()


def comment(db: CacheDB, n: int, who: str, role: str, body: str, minutes: int, kind: str = "reply") -> None:
    with db.transaction() as session:
        session.add(CommentRow(id=str(uuid.uuid4()), case_id=case_id(n), author_name=who, author_role=role,
                               kind=kind, body=body, created_at=T0 + timedelta(minutes=minutes)))


def status_change(db: CacheDB, n: int, who: str, before: str, after: str, minutes: int, reason: str = "") -> None:
    with db.transaction() as session:
        session.add(ActivityRow(id=str(uuid.uuid4()), case_id=case_id(n), actor_name=who, action="x",
                                from_status=before, to_status=after, reason=reason,
                                created_at=T0 + timedelta(minutes=minutes)))


def test_a_reply_from_support_is_told_by_its_first_line(db: CacheDB) -> None:
    comment(db, 1001, "Dana Whitfield", "customer", "It still fails.", 0)
    comment(db, 1001, "Alex Moreno", "agent", "\n  A fix ships in 5.3.  \nMeanwhile use the landscape template.", 5)
    comment(db, 1001, "Alex Moreno", "agent", "Internal: ask QA", 6, kind="internal")  # never a customer's news
    [news] = read_news(db, [case_id(1001)], ME)
    assert (news.title, news.body, news.label) == ("Support replied on CS-1001", "A fix ships in 5.3.", "CS-1001")


def test_the_users_own_reply_is_never_the_news(db: CacheDB) -> None:
    comment(db, 1001, "Alex Moreno", "agent", "Could you send the log?", 0)
    comment(db, 1001, "Dana Whitfield", "customer", "Here it is.", 5)  # the user's own, newer
    [news] = read_news(db, [case_id(1001)], ME)
    assert news.body == "Could you send the log?"


@pytest.mark.parametrize(("after", "title", "body"), [
    ("resolved", "CS-1002 was resolved", "Rounding rule fixed in 5.2.1"),
    ("closed", "CS-1002 was closed", "Rounding rule fixed in 5.2.1"),
    ("pending_customer", "Support needs more information on CS-1002", "Rounding rule fixed in 5.2.1"),
    ("on_hold", "CS-1002 is now on hold", "Rounding rule fixed in 5.2.1"),
])
def test_a_status_change_names_the_new_status(db: CacheDB, after: str, title: str, body: str) -> None:
    comment(db, 1002, "Alex Moreno", "agent", "Looking into it.", 0)
    status_change(db, 1002, "Alex Moreno", "open", after, 10, reason="Rounding rule fixed in 5.2.1\nDetails follow")
    [news] = read_news(db, [case_id(1002)], ME)
    assert (news.title, news.body) == (title, body)


def test_a_status_change_without_a_reason_shows_the_subject(db: CacheDB) -> None:
    status_change(db, 1003, "Alex Moreno", "open", "pending_customer", 10)
    [news] = read_news(db, [case_id(1003)], replace(AGENT_ME, name="Sam Lee"))  # a colleague moved it
    assert news.title == "CS-1003 is now waiting on customer"  # staff read it the staff's way
    with db.reading() as session:
        assert news.body == session.get(CaseRow, case_id(1003)).subject


def test_staff_hear_of_customer_replies_and_colleagues_notes_by_name(db: CacheDB) -> None:
    comment(db, 1004, "Dana Whitfield", "customer", "Thanks, that worked.", 0)
    assert read_news(db, [case_id(1004)], AGENT_ME)[0].title == "Dana Whitfield replied on CS-1004"
    comment(db, 1004, "Sam Lee", "agent", "Closing after the next release.", 3, kind="internal")
    assert read_news(db, [case_id(1004)], AGENT_ME)[0].title == "Sam Lee added an internal note to CS-1004"


def test_news_comes_newest_first_and_skips_cases_that_are_gone(db: CacheDB) -> None:
    comment(db, 1001, "Alex Moreno", "agent", "Older", 0)
    comment(db, 1005, "Alex Moreno", "agent", "Newer", 9)
    news = read_news(db, [case_id(1001), str(uuid.uuid4()), case_id(1005), case_id(1001)], ME)
    assert [n.label for n in news] == ["CS-1005", "CS-1001"]


def _news(n: int) -> CaseNews:
    return CaseNews(case_id(n), f"Support replied on CS-{n}", "Body", f"CS-{n}")


def test_one_case_is_told_in_its_own_words() -> None:
    notice = announcement_for([_news(1001)])
    assert (notice.title, notice.body, notice.case_ids) == ("Support replied on CS-1001", "Body", (case_id(1001),))
    assert announcement_for([]) is None


def test_several_cases_become_one_grouped_notice() -> None:
    notice = announcement_for([_news(1003), _news(1001), _news(1002)])
    assert notice.title == "3 cases were updated"
    assert notice.body == "CS-1003, CS-1001, CS-1002"
    assert notice.case_id == case_id(1003)  # a click opens the newest
    many = announcement_for([_news(n) for n in range(1001, 1008)])
    assert many.title == "7 cases were updated"
    assert many.body == "CS-1001, CS-1002, CS-1003, CS-1004 and 3 more"
    assert len(many.case_ids) == 7


def test_first_line_cuts_long_lines() -> None:
    assert first_line("\n\n  Hello  \nworld") == "Hello"
    cut = first_line("x" * 500)
    assert len(cut) == 160 and cut.endswith("…")


def test_unread_cases_are_counted(db: CacheDB) -> None:
    assert unread_count(db) == 0
    with db.transaction() as session:
        for n in (1001, 1004, 1007):
            session.get(CaseRow, case_id(n)).unread = True
    assert unread_count(db) == 3

