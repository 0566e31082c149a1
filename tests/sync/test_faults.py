"""Sync through a fault-injecting proxy: every way a connection can fail, at random points of a
mixed queue (cases, replies, actions, files). Afterwards the server holds every change exactly
once and in order, and the client's outbox is empty."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from casedesktop.store import outbox
from casedesktop.sync.api_client import Unreachable
from tests.sync.conftest import CUSTOMER_EMAIL
from tests.sync.faultproxy import Fault, FaultProxy, cycling_plan, random_plan
from tests.sync.helpers import check_server, make_device, queue_mixed

SEED = int(os.environ.get("CASEDESKTOP_FAULT_SEED", "20261123"))  # replay a failure with it


def _files(tmp_path: Path, sizes: tuple[int, ...]) -> list[Path]:
    paths = []
    for n, size in enumerate(sizes):
        path = tmp_path / f"attachment-{n}.bin"
        path.write_bytes(random.Random(n).randbytes(size))
        paths.append(path)
    return paths


def _upstream(world) -> tuple[str, int]:  # noqa: ANN001
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _converge(world, tmp_path: Path, proxy: FaultProxy, seed: int) -> None:  # noqa: ANN001
    # The read timeout is short so that a stalled answer costs a second, not half a minute.
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(1.0, 1.0))
    ann.engine.push_batch = 3
    ann.engine.upload_chunk = 256 * 1024
    files = _files(tmp_path, (300_000, 1_500_000))
    queued = queue_mixed(ann, random.Random(seed), cases=4, per_case=6, files=files)
    reports = ann.sync_until_quiet(max_passes=400)
    check = check_server(world, queued)
    assert check.ok, (check, proxy.faults)
    assert outbox.counts(ann.db).waiting == 0, outbox.failed_ops(ann.db)
    assert any(not r.ok for r in reports), "no fault ever hit: the test proved nothing"
    ann.close()


FAULTS = [f for f in Fault if f is not Fault.PASS]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.value for f in FAULTS])
def test_each_fault_mode_at_random_requests(world, tmp_path: Path, fault: Fault) -> None:
    # Each stall costs a read timeout; a slow link is slow all the time.
    rate = {Fault.STALL: 0.15, Fault.SLOW: 1.0}.get(fault, 0.35)
    plan = random_plan(SEED + FAULTS.index(fault), fault_rate=rate, faults=(fault,))
    with FaultProxy(_upstream(world), plan, stall_seconds=1.5) as proxy:
        if fault is Fault.SLOW:
            ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(1.0, 5.0))
            queued = queue_mixed(ann, random.Random(SEED), cases=3, per_case=5,
                                 files=_files(tmp_path, (2_000_000,)))
            ann.sync_until_quiet()
            assert check_server(world, queued).ok and outbox.counts(ann.db).waiting == 0
            ann.close()
        else:
            _converge(world, tmp_path, proxy, SEED)
        assert proxy.faults[fault.value] > 0


def test_all_fault_modes_mixed_on_a_slow_link(world, tmp_path: Path) -> None:
    with FaultProxy(_upstream(world), cycling_plan(SEED, fault_rate=0.5), stall_seconds=1.5) as proxy:
        _converge(world, tmp_path, proxy, SEED + 1)
        assert len(proxy.faults) == len(Fault), proxy.faults  # every mode, slow too, was exercised


def test_a_refused_connection_is_offline_and_reconnecting_resumes(world, tmp_path: Path) -> None:
    with FaultProxy(_upstream(world)) as proxy:
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url, timeout=(1.0, 2.0))
        queued = queue_mixed(ann, random.Random(SEED), cases=2, per_case=4)
        proxy.down()
        report = ann.sync()
        assert not report.online and "Cannot reach" in report.error
        with pytest.raises(Unreachable):
            ann.client.health()
        assert outbox.counts(ann.db).waiting == queued.total
        proxy.up()
        ann.sync_until_quiet()
        assert check_server(world, queued).ok
        ann.close()
