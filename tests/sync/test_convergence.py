"""Randomized (seeded) interleavings: a customer and an agent, each on their own device and each
often offline, act on the same cases; syncs come at random moments, some through a faulty link.
At the end, once each has given up on the changes the server refused, both caches hold exactly
the server's state: same cases and fields, same conversation, same activity.

Replay a failure with CASEDESKTOP_CONVERGENCE_SEED=<seed>.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    Role,
    Status,
    allowed_actions,
)
from casedesktop.server.testing import ServerHandle
from casedesktop.store import local_changes, outbox, queries
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL
from tests.sync.faultproxy import Fault, FaultProxy, random_plan
from tests.sync.helpers import Device, make_device

SEEDS = [int(s) for s in os.environ.get("CASEDESKTOP_CONVERGENCE_SEED", "11,22,33").split(",")]
STEPS = 120
FIELDS = ("number", "status", "escalated", "close_requested", "owner_name", "parent_case_id",
          "resolution_summary", "resolution_root_cause", "resolution_type", "subject", "severity")


def _given(action: Action, rng: random.Random, cases: list[str], case_id: str) -> ActionInput | None:
    if action is Action.MERGE:
        others = [c for c in cases if c != case_id]
        if not others:
            return None
        return ActionInput(parent_case_id=rng.choice(others), reason="Same problem")
    return ActionInput(reason=f"Because {rng.randint(1, 999)}", summary="Fixed in 5.3",
                       root_cause="A race", resolution_type="Fix", survey={"solved": "yes"})


def _act(device: Device, rng: random.Random) -> None:
    """One thing a person does in the app, offline: a case, a reply, a note or an action."""
    cases = [c.id for c in queries.list_cases(device.db)]
    role = device.identity.role
    roll = rng.random()
    if role is Role.CUSTOMER and (not cases or roll < 0.15):
        local_changes.create_case(device.db, device.identity, subject=f"Problem {rng.randint(1, 10**6)}",
                                  description="Steps to reproduce attached.")
        return
    if not cases:
        return
    case_id = rng.choice(cases)
    case = queries.case_detail(device.db, case_id).case
    if roll < 0.5:
        kind = CommentKind.INTERNAL if role.is_staff and rng.random() < 0.3 else CommentKind.REPLY
        local_changes.add_comment(device.db, device.identity, case_id, f"Note {rng.randint(1, 10**6)}", kind)
        return
    state = CaseState(Status(case.status), case.escalated, case.close_requested)
    choices = [a for a in allowed_actions(state, role) if a is not Action.MERGE or rng.random() < 0.2]
    if not choices:
        return
    action = rng.choice(choices)
    given = _given(action, rng, cases, case_id)
    if given is not None:
        local_changes.take_action(device.db, device.identity, case_id, action, given)


def _settle(device: Device) -> None:
    """Sync until quiet; give up (discard) every change the server refused; sync again."""
    device.sync_until_quiet()
    for _ in range(20):
        failed = outbox.failed_ops(device.db)
        if not failed:
            break
        for op in reversed(failed):
            try:
                outbox.discard(device.db, op.op_id)
            except ValueError:
                continue
        device.sync_until_quiet()
    assert outbox.counts(device.db).waiting == 0, outbox.failed_ops(device.db)


def _server_view(client, case_ids: list[str]) -> dict[str, dict]:  # noqa: ANN001
    view = {}
    for case_id in case_ids:
        case = client.get(f"/cases/{case_id}").json()
        comments = client.get(f"/cases/{case_id}/comments").json()
        activity = client.get(f"/cases/{case_id}/activity").json()
        view[case_id] = {
            "case": {f: (str(case[f]) if case[f] is not None else None) for f in FIELDS},
            "comments": sorted((c["id"], c["body"], c["kind"]) for c in comments),
            "activity": sorted(a["id"] for a in activity),
        }
    return view


def _local_view(device: Device, case_ids: list[str]) -> dict[str, dict]:
    view = {}
    for case_id in case_ids:
        detail = queries.case_detail(device.db, case_id)
        case = detail.case
        view[case_id] = {
            "case": {f: (str(getattr(case, f)) if getattr(case, f) is not None else None) for f in FIELDS},
            "comments": sorted((c.id, c.body, c.kind) for c in detail.comments),
            "activity": sorted(a.id for a in detail.activity),
        }
    return view


@pytest.mark.parametrize("seed", SEEDS)
def test_customer_and_agent_offline_converge_to_the_servers_state(world: ServerHandle, tmp_path: Path,
                                                                  seed: int) -> None:
    rng = random.Random(seed)
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    with FaultProxy((host, int(port)), random_plan(seed, fault_rate=0.2), stall_seconds=1.2) as proxy:
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(1.0, 1.0))
        sam = make_device(world, AGENT_EMAIL, tmp_path / "sam")
        for step in range(STEPS):
            device = ann if rng.random() < 0.55 else sam
            if rng.random() < 0.2:
                device.sync()  # may fail half-way: the link is faulty for Ann
            else:
                _act(device, rng)
            assert step >= 0
        for device in (ann, sam, ann):  # Ann again: she pulls what Sam's last changes did
            _settle(device)
        agent_api, customer_api = world.signed_in(AGENT_EMAIL), world.signed_in(CUSTOMER_EMAIL)
        customer_cases = [c["id"] for c in customer_api.get("/cases").json()]
        assert sorted(c.id for c in queries.list_cases(ann.db)) == sorted(customer_cases)
        assert sorted(c.id for c in queries.list_cases(sam.db)) == sorted(c["id"] for c in agent_api.get("/cases").json())
        assert customer_cases, "nothing happened"
        expected_customer = _server_view(customer_api, customer_cases)
        assert _local_view(ann, customer_cases) == expected_customer, f"seed {seed}"
        expected_agent = _server_view(agent_api, customer_cases)
        assert _local_view(sam, customer_cases) == expected_agent, f"seed {seed}"
        ann.close()
        sam.close()


# --- the same as a hypothesis state machine: shrinks a failing interleaving to a short one --------


class OfflineInterleavings(RuleBasedStateMachine):
    """Rules are what the customer and the agent do on their devices (offline) and when each
    syncs; the customer's syncs may go through a faulty link. Teardown settles both devices and
    checks that they hold the server's state."""

    world: ServerHandle
    root: Path
    proxy: FaultProxy
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        OfflineInterleavings.runs += 1
        base = self.root / f"run{self.runs}"
        # The same faults at the same requests in every run, so hypothesis can replay and shrink.
        self.proxy.plan = random_plan(7, fault_rate=0.15, faults=DETERMINISTIC_FAULTS)
        self.ann = make_device(self.world, CUSTOMER_EMAIL, base / "ann", self.proxy.url, timeout=(1.0, 1.0))
        self.sam = make_device(self.world, AGENT_EMAIL, base / "sam")
        # Two cases both devices know from the start, so their changes meet from the first step.
        customer_api = self.world.signed_in(CUSTOMER_EMAIL)
        self.mine: list[str] = [customer_api.new_case(subject=f"Shared {n}")["id"] for n in range(2)]
        self.ann.sync_until_quiet()
        self.sam.sync_until_quiet()

    def _case(self, device: Device, index: int) -> str | None:
        known = {c.id for c in queries.list_cases(device.db)}
        cases = [c for c in self.mine if c in known]
        return cases[index % len(cases)] if cases else None

    @rule(subject=st.sampled_from(["Printer", "Export", "Login", "Payroll"]))
    def customer_opens_a_case(self, subject: str) -> None:
        case_id, _ = local_changes.create_case(self.ann.db, self.ann.identity, subject=subject,
                                               description="Offline")
        self.mine.append(case_id)

    @rule(who=st.sampled_from(["ann", "sam"]), index=st.integers(0, 20), internal=st.booleans())
    def writes(self, who: str, index: int, internal: bool) -> None:
        device = self.ann if who == "ann" else self.sam
        case_id = self._case(device, index)
        if case_id is not None:
            kind = CommentKind.INTERNAL if internal and who == "sam" else CommentKind.REPLY
            local_changes.add_comment(device.db, device.identity, case_id, f"{who} writes", kind)

    def _act(self, device: Device, index: int, choice: int) -> None:
        case_id = self._case(device, index)
        if case_id is None:
            return
        case = queries.case_detail(device.db, case_id).case
        state = CaseState(Status(case.status), case.escalated, case.close_requested)
        actions = allowed_actions(state, device.identity.role)
        if not actions:
            return
        action = actions[choice % len(actions)]
        given = _given(action, random.Random(choice), self.mine, case_id)
        if given is not None:
            local_changes.take_action(device.db, device.identity, case_id, action, given)

    @rule(who=st.sampled_from(["ann", "sam"]), index=st.integers(0, 20), choice=st.integers(0, 20))
    def acts(self, who: str, index: int, choice: int) -> None:
        self._act(self.ann if who == "ann" else self.sam, index, choice)

    @rule(index=st.integers(0, 20), choice=st.integers(0, 20), other=st.integers(0, 20))
    def both_act_on_one_case(self, index: int, choice: int, other: int) -> None:
        """The conflict maker: each, offline, acts on the same case before the other syncs."""
        self._act(self.ann, index, choice)
        self._act(self.sam, index, other)

    @rule(who=st.sampled_from(["ann", "sam"]))
    def syncs(self, who: str) -> None:
        (self.ann if who == "ann" else self.sam).sync()

    def teardown(self) -> None:
        try:
            for device in (self.ann, self.sam, self.ann):
                _settle(device)
            customer_api = self.world.signed_in(CUSTOMER_EMAIL)
            agent_api = self.world.signed_in(AGENT_EMAIL)
            assert _local_view(self.ann, self.mine) == _server_view(customer_api, self.mine)
            assert _local_view(self.sam, self.mine) == _server_view(agent_api, self.mine)
        finally:
            self.ann.close()
            self.sam.close()


DETERMINISTIC_FAULTS = (Fault.REFUSE, Fault.DROP_BEFORE, Fault.DROP_AFTER, Fault.CUT_REQUEST,
                        Fault.CUT_RESPONSE, Fault.BUSY)


@pytest.mark.timeout(900)  # a failure is shrunk to a short interleaving, which takes a while
def test_stateful_interleavings_converge(world: ServerHandle, tmp_path: Path) -> None:
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    with FaultProxy((host, int(port))) as proxy:
        OfflineInterleavings.world, OfflineInterleavings.root = world, tmp_path
        OfflineInterleavings.proxy = proxy
        run_state_machine_as_test(
            OfflineInterleavings,
            settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                              derandomize=True, database=None,
                              suppress_health_check=list(HealthCheck)),
        )
