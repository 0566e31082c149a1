"""Test data made fast: a client cache with N cases, and a server database with N cases and
their replies in the change feed, both written with bulk inserts (seconds for 100,000 rows).

The client side follows tests/support.py `seed_cases`; the server side fills the same tables
the services fill (cases, comments, change_log), so the feed serves them as it would real ones.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATUSES = ("new", "open", "pending_customer", "on_hold", "resolved", "closed")
SEVERITIES = ("critical", "urgent", "standard", "low")
PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll", "Inventory")
ACCOUNTS = ("Northwind Traders", "Contoso")
# Reply words: each in about 1 of len(WORDS) conversations.
WORDS = (
    "printer",
    "invoice",
    "export",
    "timeout",
    "proxy",
    "certificate",
    "licence",
    "driver",
    "backup",
    "restore",
    "import",
    "webhook",
    "currency",
    "rounding",
    "permissions",
    "sso",
    "mailbox",
    "scanner",
    "barcode",
    "warehouse",
)
T0 = datetime(2025, 1, 1, tzinfo=UTC)
BENCH_SERVER_URL = "http://127.0.0.1:9"  # nothing listens there: the GUI's sync fails at once
BENCH_TOKEN = "bench-token-not-valid"


def seed_client_profile(profile_dir: Path, count: int, *, start: int = 1001) -> Path:
    """A signed-in profile whose cache holds `count` synced cases, one reply each."""
    from sqlalchemy import insert

    from casedesktop.domain import Role
    from casedesktop.store import meta
    from casedesktop.store.database import open_cache
    from casedesktop.store.models import CaseRow, CommentRow
    from casedesktop.sync.credentials import TokenStore

    profile_dir = profile_dir.expanduser().resolve()
    db = open_cache(profile_dir)
    try:
        cases: list[dict] = []
        comments: list[dict] = []
        with db.transaction() as session:
            for i in range(count):
                n = start + i
                case_id = str(uuid.UUID(int=n))
                created = T0 + timedelta(minutes=i)
                cases.append(
                    {
                        "id": case_id,
                        "number": f"CS-{n}",
                        "subject": f"Case {n}: {PRODUCTS[i % 4]} problem number {i % 97}",
                        "description": f"Steps to reproduce {n}; every case mentions ledger.",
                        "status": STATUSES[i % 6],
                        "severity": SEVERITIES[i % 4],
                        "product": PRODUCTS[i % 4],
                        "account_name": ACCOUNTS[i % 2],
                        "account_id": None,
                        "reported_by_name": "Dana Whitfield",
                        "owner_name": "Alex Moreno" if i % 3 else "",
                        "escalated": i % 50 == 0,
                        "close_requested": False,
                        "resolution_summary": "",
                        "resolution_root_cause": "",
                        "resolution_type": "",
                        "unread": False,
                        "created_at": created,
                        "updated_at": T0 + timedelta(minutes=2 * i),
                    }
                )
                comments.append(
                    {
                        "id": str(uuid.UUID(int=(1 << 64) + n)),
                        "case_id": case_id,
                        "author_name": "Alex Moreno",
                        "author_role": "agent",
                        "kind": "reply",
                        "body": f"Reply {n}: please try the {WORDS[(i * 7) % len(WORDS)]} fix.",
                        "created_at": created + timedelta(minutes=1),
                    }
                )
                if len(cases) == 10_000:
                    session.execute(insert(CaseRow), cases)
                    session.execute(insert(CommentRow), comments)
                    cases, comments = [], []
            if cases:
                session.execute(insert(CaseRow), cases)
                session.execute(insert(CommentRow), comments)
            meta.save_identity(
                session,
                meta.Identity(
                    server_url=BENCH_SERVER_URL,
                    user_id=str(uuid.UUID(int=7)),
                    email="demo@northwind.example",
                    name="Dana Whitfield",
                    role=Role.CUSTOMER,
                ),
            )
            meta.put(session, meta.CAUGHT_UP, "1")
    finally:
        db.close()
    TokenStore(f"profile:{profile_dir}").set(BENCH_TOKEN)
    return profile_dir


# --- server ----------------------------------------------------------------------------------


def server_sessions(data_dir: Path):  # noqa: ANN201 - casedesktop.server.db.Sessions
    """The server's database in `data_dir`, migrated, as the server's own Sessions."""
    from casedesktop.server.db import Sessions, default_database_url, make_engine
    from casedesktop.server.migrate import upgrade_database

    data_dir.mkdir(parents=True, exist_ok=True)
    url = default_database_url(data_dir)
    upgrade_database(url)
    return Sessions(make_engine(url))


_HASHES: dict[str, str] = {}


def add_customer(sessions, email: str, account: str, password: str = "bench-password") -> uuid.UUID:  # noqa: ANN001
    """A customer user in `account` (made if missing); returns the account id."""
    from casedesktop.domain import Role
    from casedesktop.server.auth import hash_password
    from casedesktop.server.base import utcnow
    from casedesktop.server.models import Membership, User
    from casedesktop.server.services import accounts
    from casedesktop.server.services.accounts import ensure_account

    if password not in _HASHES:  # argon2 is slow by design; one hash per password per run
        _HASHES[password] = hash_password(password)

    def work(session) -> uuid.UUID:  # noqa: ANN001
        now = utcnow()
        acct, _created = ensure_account(session, account, now)
        user = User(
            email=email.lower(),
            name=email.split("@")[0].title(),
            role=Role.CUSTOMER.value,
            password_hash=_HASHES[password],
            created_at=now,
        )
        session.add(user)
        session.flush()
        add_member = getattr(accounts, "add_member", None)
        if add_member is not None:  # a membership and the user's contact in the account
            add_member(session, user, acct, now)
        else:
            session.add(Membership(user_id=user.id, account_id=acct.id))
            session.flush()
        return acct.id

    return sessions.run_write(work)


def add_agent(sessions, email: str, password: str = "bench-password") -> uuid.UUID:  # noqa: ANN001
    """A support agent (staff: sees every account's cases); returns the user's id."""
    from casedesktop.domain import Role
    from casedesktop.server.auth import hash_password
    from casedesktop.server.base import utcnow
    from casedesktop.server.models import User

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)

    def work(session) -> uuid.UUID:  # noqa: ANN001
        user = User(email=email.lower(), name="Agent", role=Role.AGENT.value,
                    password_hash=_HASHES[password], created_at=utcnow())
        session.add(user)
        session.flush()
        return user.id

    return sessions.run_write(work)


def issue_token(sessions, email: str) -> str:  # noqa: ANN001
    """A bearer token written straight into the database (skips the slow password check)."""
    from casedesktop.server.auth import issue_token as issue
    from casedesktop.server.base import utcnow
    from casedesktop.server.services.accounts import find_user

    def work(session) -> str:  # noqa: ANN001
        user = find_user(session, email)
        token, _user = issue(session, user.id, utcnow())
        return token

    return sessions.run_write(work)


def user_id_of(sessions, email: str) -> uuid.UUID:  # noqa: ANN001
    from casedesktop.server.services.accounts import find_user

    return sessions.run_read(lambda session: find_user(session, email).id)


def seed_server_feed(
    sessions,
    account_id: uuid.UUID,
    reporter_id: uuid.UUID,
    cases: int,  # noqa: ANN001
    replies_per_case: int = 3,
    *,
    first_number: int = 100_001,
) -> int:
    """`cases` cases with `replies_per_case` replies each, and their change-feed rows in the
    order the API would have written them (a case, then its replies). Returns the rows logged."""
    from sqlalchemy import insert, select, update

    from casedesktop.server.models import Case, ChangeLog, Comment, Counter
    from casedesktop.server.services.cases import CASE_NUMBER_COUNTER

    batch_cases: list[dict] = []
    batch_comments: list[dict] = []
    batch_log: list[dict] = []
    logged = 0

    def flush(session) -> None:  # noqa: ANN001
        if batch_cases:
            session.execute(insert(Case), batch_cases)
        if batch_comments:
            session.execute(insert(Comment), batch_comments)
        if batch_log:
            session.execute(insert(ChangeLog), batch_log)
        batch_cases.clear()
        batch_comments.clear()
        batch_log.clear()

    def work(session) -> int:  # noqa: ANN001
        nonlocal logged
        for i in range(cases):
            n = first_number + i
            case_id = uuid.uuid4()
            created = T0 + timedelta(minutes=i)
            batch_cases.append(
                {
                    "id": case_id,
                    "number": f"CS-{n}",
                    "account_id": account_id,
                    "reported_by": reporter_id,
                    "subject": f"Case {n}: {PRODUCTS[i % 4]} problem number {i % 97}",
                    "description": f"Steps to reproduce {n}; every case mentions ledger.",
                    "status": STATUSES[i % 6],
                    "severity": SEVERITIES[i % 4],
                    "priority": None,
                    "product": PRODUCTS[i % 4],
                    "escalated": i % 50 == 0,
                    "close_requested": False,
                    "owner_id": None,
                    "parent_case_id": None,
                    "resolution_summary": "",
                    "resolution_root_cause": "",
                    "resolution_type": "",
                    "survey": None,
                    "created_at": created,
                    "updated_at": created + timedelta(minutes=replies_per_case),
                    "resolved_at": None,
                    "closed_at": None,
                }
            )
            batch_log.append(
                {
                    "entity": "case",
                    "entity_id": case_id,
                    "case_id": case_id,
                    "account_id": account_id,
                    "staff_only": False,
                }
            )
            for k in range(replies_per_case):
                comment_id = uuid.uuid4()
                batch_comments.append(
                    {
                        "id": comment_id,
                        "case_id": case_id,
                        "author_id": reporter_id,
                        "kind": "reply",
                        "body": f"Reply {k + 1} on {n}: tried the {WORDS[(i + k) % len(WORDS)]} "
                        "workaround, still the same.",
                        "created_at": created + timedelta(minutes=k + 1),
                    }
                )
                batch_log.append(
                    {
                        "entity": "comment",
                        "entity_id": comment_id,
                        "case_id": case_id,
                        "account_id": account_id,
                        "staff_only": False,
                    }
                )
            logged += 1 + replies_per_case
            if len(batch_log) >= 20_000:
                flush(session)
        flush(session)
        top = first_number + cases - 1
        current = session.scalar(select(Counter.value).where(Counter.name == CASE_NUMBER_COUNTER))
        if current is None:
            session.add(Counter(name=CASE_NUMBER_COUNTER, value=top))
        elif current < top:
            session.execute(
                update(Counter).where(Counter.name == CASE_NUMBER_COUNTER).values(value=top)
            )
        return logged

    return sessions.run_write(work)


def seed_feed_server(data_dir: Path, email: str, account: str, password: str, cases: int, replies: int,
                     say: Callable[[str], None]) -> int:
    """A server database (not running) with one customer owning `cases` cases of `replies` replies
    each and their change feed: what a first sync pulls. Says how long the seeding took; returns
    the number of feed entries."""
    sessions = server_sessions(data_dir)
    account_id = add_customer(sessions, email, account, password)
    reporter = user_id_of(sessions, email)
    t0 = time.perf_counter()
    entries = seed_server_feed(sessions, account_id, reporter, cases, replies)
    say(f"  server seeded: {cases:,} cases, {cases * replies:,} replies, {entries:,} feed "
        f"entries in {time.perf_counter() - t0:.1f} s")
    sessions.dispose()
    return entries
