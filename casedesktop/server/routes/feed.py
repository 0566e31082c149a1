"""GET /api/v1/changes: the change feed, the client's pull (services/feed.py), and its long-poll
form (`wait`, live.py): with nothing new for the caller, the answer waits until something they may
see commits, or `wait` seconds pass, then comes as an empty page with the cursor moved on."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from casedesktop.api import CHANGES_WAIT_HEADER, MAX_CHANGES_WAIT, ChangesPage
from casedesktop.api.models import WIRE_INT_MAX
from casedesktop.server import auth, live
from casedesktop.server.identity import CurrentUser
from casedesktop.server.routes.deps import BearerToken, sessions_of
from casedesktop.server.services import feed

router = APIRouter()

_LAG_RETRY = 0.02  # seconds: woken for a row the feed does not show yet (a commit racing it)


@router.get(
    "/changes",
    response_model=ChangesPage,
    responses={200: {"headers": {CHANGES_WAIT_HEADER: {"schema": {"type": "integer"}}}}},
)
async def changes(
    request: Request,
    token: BearerToken,
    cursor: Annotated[int, Query(ge=0, le=WIRE_INT_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_LIMIT)] = feed.DEFAULT_LIMIT,
    wait: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_CHANGES_WAIT,
            description="Long-poll: with nothing newer than `cursor` for the caller, answer when "
            "something arrives or after this many seconds (an empty page, the cursor moved on). "
            "0 answers at once.",
        ),
    ] = 0,
) -> Response:
    sessions = sessions_of(request)

    def answer(page: ChangesPage) -> Response:
        # The bytes of a cached page are encoded once for all its callers (services/feed.py).
        return Response(
            feed.page_json(page),
            media_type="application/json",
            headers={CHANGES_WAIT_HEADER: str(wait)},
        )

    def read(after: int) -> tuple[CurrentUser, ChangesPage]:
        # The hot path: the caller is checked with the page's own first query, in its worker trip.
        return feed.page_as(sessions, token, after, limit)

    if not wait:
        return answer((await run_in_threadpool(read, cursor))[1])
    waiters: live.FeedWaiters = request.app.state.live
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    if cursor >= waiters.head:
        # Nothing has committed past the cursor (the checker keeps the head current): only the
        # caller is checked. Most long-polls start here, so an idle desktop costs little.
        user = await run_in_threadpool(auth.read_as, sessions, token, lambda _session, user: user)
        page = ChangesPage(changes=[], cursor=cursor, has_more=False)
    else:
        user, page = await run_in_threadpool(read, cursor)
        if page.changes or page.has_more:
            return answer(page)
    with waiters.waiting_for(user, page.cursor) as waiter:
        # A commit checked between our read and this registration woke nobody: look again.
        waiter.wanted = waiters.head
        while (left := deadline - loop.time()) > 0:
            if waiter.wanted <= page.cursor and not await waiter.wait(left):
                break
            if waiters.closing:
                return answer(page)
            waiter.event.clear()
            _user, page = await run_in_threadpool(read, page.cursor)
            if page.changes or page.has_more:
                return answer(page)
            waiter.high = page.cursor
            if waiter.wanted > page.cursor:
                await asyncio.sleep(_LAG_RETRY)
    if waiters.head > page.cursor:  # others' changes came meanwhile: move the cursor past them
        _user, page = await run_in_threadpool(read, page.cursor)
    return answer(page)
