"""Group commit (db.WriteLane): the writes queued while a batch commits go in together, each in
its own savepoint, and each caller hears of its write only after the commit that holds it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casedesktop.api import CaseCreate, ErrorCode
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions, WriteLane
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Case, ChangeLog, Product
from casedesktop.server.services import cases, changelog
from casedesktop.server.testing import ApiCaller, ServerHandle


def _in_one_batch(
    sessions: Sessions,
    works: list[Callable[[Session], Any]],
    lane: WriteLane | None = None,
    futures: list[Future[Any]] | None = None,
) -> list[Future[Any]]:
    """Queue `works` on a one-thread lane while it is held up, so that they form one batch;
    their futures (also put in `futures` before the batch runs)."""
    futures = [] if futures is None else futures
    lane = lane or WriteLane(sessions)
    holding, release = threading.Event(), threading.Event()

    def hold(_session: Session) -> None:
        holding.set()
        release.wait(10)

    try:
        held = lane.submit(hold)
        assert holding.wait(10)  # the lane is busy with a batch of its own: the rest queue
        futures += [lane.submit(work) for work in works]
        release.set()
        held.result(timeout=10)
        for future in futures:
            future.exception(timeout=10)  # wait for each outcome, whatever it is
    finally:
        release.set()
        lane.stop()
    return futures


def _product(name: str, *, then_fail: bool = False) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        session.add(Product(name=name, created_at=utcnow()))
        session.flush()
        if then_fail:
            raise ApiError(422, ErrorCode.VALIDATION, "Refused after writing.")
        return name

    return work


def test_a_failing_write_rolls_back_alone_and_the_rest_commit_together(
    server: ServerHandle,
) -> None:
    sessions = server.sessions
    lane = WriteLane(sessions)
    futures = _in_one_batch(
        sessions,
        [
            _product("Ledger"),
            _product("Payroll", then_fail=True),
            _product("Ledger"),  # the same name again: an integrity error, retried, then refused
            _product("Banking"),
        ],
        lane,
    )
    assert futures[0].result() == "Ledger" and futures[3].result() == "Banking"
    assert isinstance(futures[1].exception(), ApiError)
    assert isinstance(futures[2].exception(), IntegrityError)
    assert (lane.batches, lane.items) == (2, 5)  # the held-up one, then all four at once
    names = sessions.run_read(lambda session: sorted(session.scalars(select(Product.name))))
    assert names == ["Banking", "Ledger"]


def test_each_caller_hears_of_its_write_only_after_the_commit(server: ServerHandle) -> None:
    futures: list[Future[Any]] = []
    seen_done: list[bool] = []

    def second(session: Session) -> str:
        seen_done.append(futures[0].done())  # the first item's write is not committed yet
        return _product("Payroll")(session)

    _in_one_batch(server.sessions, [_product("Ledger"), second], futures=futures)
    assert seen_done == [False]
    assert [future.result() for future in futures] == ["Ledger", "Payroll"]


def test_notes_for_after_the_commit_survive_a_neighbours_rollback(server: ServerHandle) -> None:
    """A savepoint rolled back gives session.info back as it was before that item (live.py
    notes there whose feeds a transaction changed; the items that stay keep their notes)."""
    seen: list[dict[str, Any]] = []

    def note(name: str, *, then_fail: bool = False) -> Callable[[Session], None]:
        def work(session: Session) -> None:
            session.info[f"test-note-{name}"] = True
            if then_fail:
                raise ValueError(name)

        return work

    def look(session: Session) -> None:
        seen.append({k: v for k, v in session.info.items() if k.startswith("test-note-")})

    _in_one_batch(server.sessions, [note("a"), note("b", then_fail=True), note("c"), look])
    assert seen == [{"test-note-a": True, "test-note-c": True}]


def test_a_write_that_fails_after_logging_leaves_no_log_row(
    customer: ApiCaller, world: ServerHandle
) -> None:
    """The change log's rows of a batch go in at its end; those of an item that failed after
    logging are dropped with it, and the others are logged once each, in order."""
    case_id = uuid.UUID(customer.new_case()["id"])
    sessions = world.sessions

    def log(entity_id: uuid.UUID, *, then_fail: bool = False) -> Callable[[Session], None]:
        def work(session: Session) -> None:
            account_id = session.get_one(Case, case_id).account_id
            changelog.append(session, case_id, account_id, [("activity", entity_id, False)])
            if then_fail:
                raise ValueError("refused after logging")

        return work

    first, dropped, last = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    futures = _in_one_batch(sessions, [log(first), log(dropped, then_fail=True), log(last)])
    assert isinstance(futures[1].exception(), ValueError)
    logged = sessions.run_read(
        lambda session: list(
            session.scalars(
                select(ChangeLog.entity_id)
                .where(ChangeLog.case_id == case_id)
                .order_by(ChangeLog.seq)
            )
        )
    )
    assert logged[-2:] == [first, last] and dropped not in logged


def test_the_same_create_twice_in_one_batch_makes_one_case(
    customer: ApiCaller, world: ServerHandle
) -> None:
    token = customer.http.headers["Authorization"].split()[1]
    sessions = world.sessions
    body = CaseCreate(id=uuid.uuid4(), subject="Printer offline", description="Since Monday.")

    def create(session: Session) -> tuple[Any, bool]:
        return cases.create_case_as(session, sessions.token_cache, token, body, utcnow())

    first, again = (future.result() for future in _in_one_batch(sessions, [create, create]))
    assert (first[1], again[1]) == (True, False)
    assert first[0] == again[0]
    made = sessions.run_read(
        lambda session: session.scalar(select(func.count()).where(Case.id == body.id))
    )
    logged = sessions.run_read(
        lambda session: session.scalar(
            select(func.count()).where(ChangeLog.case_id == body.id, ChangeLog.entity == "case")
        )
    )
    assert (made, logged) == (1, 1)


def test_a_token_revoked_before_the_create_is_refused(customer: ApiCaller) -> None:
    assert customer.post("/auth/logout").status_code == 204
    response = customer.post(
        "/cases", json={"id": str(uuid.uuid4()), "subject": "After logout", "description": "x"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_concurrent_creates_are_each_answered_with_their_own_case(
    customer: ApiCaller, world: ServerHandle
) -> None:
    """Many clients at once (so the server groups their creates): every create is answered with
    its own case and number, and each is in the feed once."""
    clients = 8
    token = customer.http.headers["Authorization"].split()[1]
    answers: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def client() -> None:
        caller = ApiCaller(world.base_url, token)
        try:
            for _ in range(5):
                answers.append(caller.new_case())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len({a["id"] for a in answers}) == len({a["number"] for a in answers}) == clients * 5
    items, _cursor = customer.all_changes()
    assert sorted(i["case"]["id"] for i in items if i["entity"] == "case") == sorted(
        a["id"] for a in answers
    )
