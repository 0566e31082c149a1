"""Where a case stands against its service level targets, at any moment of its life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casedesktop.domain import Milestone, Queue, SlaState, SlaTargets, Status, sla_standing

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TARGETS = SlaTargets(first_response=timedelta(hours=1), resolution=timedelta(hours=8))
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("first_response", "finished", "now", "breached", "state"),
    [
        (None, None, OPENED + 10 * timedelta(minutes=1), (), SlaState.OK),
        # The last quarter of the first hour: due soon.
        (None, None, OPENED + 50 * timedelta(minutes=1), (), SlaState.DUE_SOON),
        (None, None, OPENED + 2 * H, (Milestone.FIRST_RESPONSE,), SlaState.OVERDUE),
        # Answered in time; the resolution is far off, then close, then missed.
        (OPENED + H / 2, None, OPENED + 2 * H, (), SlaState.OK),
        (OPENED + H / 2, None, OPENED + 7 * H, (), SlaState.DUE_SOON),
        (OPENED + H / 2, None, OPENED + 9 * H, (Milestone.RESOLUTION,), SlaState.OVERDUE),
        # Answered late: missed for good, however the rest goes.
        (OPENED + 2 * H, OPENED + 3 * H, OPENED + 30 * H, (Milestone.FIRST_RESPONSE,), SlaState.OVERDUE),
        (OPENED + H / 2, OPENED + 3 * H, OPENED + 30 * H, (), SlaState.MET),
        (OPENED + H / 2, OPENED + 9 * H, OPENED + 30 * H, (Milestone.RESOLUTION,), SlaState.OVERDUE),
        # Closed before any reply: that ends the wait for one, in time here.
        (None, OPENED + H / 2, OPENED + 30 * H, (), SlaState.MET),
        (None, OPENED + 2 * H, OPENED + 30 * H, (Milestone.FIRST_RESPONSE,), SlaState.OVERDUE),
    ],
)
def test_standing_over_a_cases_life(first_response, finished, now, breached, state) -> None:  # noqa: ANN001
    standing = sla_standing(TARGETS, OPENED, first_response, finished, now)
    assert standing.breached == breached
    assert standing.state is state
    assert standing.first_response_due == OPENED + H
    assert standing.resolution_due == OPENED + 8 * H
    assert standing.first_response_at == first_response


def test_only_the_targets_set_count() -> None:
    only_first = SlaTargets(first_response=H)
    standing = sla_standing(only_first, OPENED, OPENED + H / 2, None, OPENED + 100 * H)
    assert standing.resolution_due is None and standing.state is SlaState.MET
    assert not SlaTargets() and only_first


def test_a_merged_case_has_no_standing() -> None:
    standing = sla_standing(TARGETS, OPENED, None, None, OPENED + 100 * H, merged=True)
    assert standing.state is SlaState.NONE and standing.breached == ()


def test_queues_hold_active_or_done_cases() -> None:
    assert Queue.ALL.statuses is None
    assert Queue.WAITING.statuses == {Status.PENDING_CUSTOMER}
    assert Queue.RESOLVED.statuses == {Status.RESOLVED, Status.CLOSED}
    active = {s for s in Status if s.is_active}
    for queue in (Queue.OPEN, Queue.MINE, Queue.UNASSIGNED, Queue.OVERDUE):
        assert queue.statuses == active
