"""Smoke test of the benchmarks: each runs in --quick mode and writes well-formed JSON records.
The ones run only on request (`soak`) are left out of the default run and run here on their own.

No timing is asserted here (figures on a busy CI machine mean nothing); `python -m bench` is
where the figures come from. A benchmark that cannot run reports "not available: <reason>";
this test shows each such reason as a warning rather than passing over it in silence.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bench import BENCHMARKS, ON_REQUEST
from bench.soak import QUICK_KILLS

REPO = Path(__file__).resolve().parent.parent
# About 50 s on an idle 2-core machine; the ceiling leaves room for a machine busy with other work.
pytestmark = pytest.mark.timeout(300)
REQUIRED = {"name": str, "unit": str, "target": str, "met": bool, "status": str, "details": dict}


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], list]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
    )
    records = json.loads(out.read_text()) if out.exists() else []
    return result, records


def test_quick_run_finishes_without_errors(quick_run) -> None:  # noqa: ANN001
    result, records = quick_run
    assert result.returncode == 0, (
        f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    assert isinstance(records, list) and records


@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_writes_one_record_per_target(quick_run, name: str) -> None:  # noqa: ANN001
    _result, records = quick_run
    check_records(records, name)


def test_on_request_benchmarks_stay_out_of_the_default_run(quick_run) -> None:  # noqa: ANN001
    _result, records = quick_run
    assert ON_REQUEST and not set(ON_REQUEST) & set(BENCHMARKS)
    assert not [r for r in records if r["name"] in ON_REQUEST]


def test_soak_runs_when_named(tmp_path: Path) -> None:
    """In --quick mode a handful of kills (QUICK_KILLS), not the full soak's hundreds."""
    out = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEDESKTOP_SOAK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "soak", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
    )
    assert result.returncode == 0, (
        f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    records = json.loads(out.read_text())
    assert {r["name"] for r in records} == {"soak"}
    check_records(records, "soak")
    assert all(r["details"]["kills_asked"] == QUICK_KILLS for r in records), records[0]["details"]


def check_records(records: list[dict], name: str) -> None:
    """One record per target the benchmark declares, each with the fields --json promises."""
    mine = [r for r in records if r["name"] == name]
    declared = importlib.import_module(f"bench.{name}").TARGETS
    assert sorted(r["metric"] for r in mine) == sorted(declared), mine
    for record in mine:
        for key, kind in REQUIRED.items():
            assert isinstance(record[key], kind), (key, record)
        for key in ("ours", "peer", "ratio"):
            assert key in record
        assert record["target"] == declared[record["metric"]][1]
        if record["status"] == "ok":
            assert isinstance(record["ours"], int | float), record
            assert isinstance(record["peer"], int | float), record
            assert record["ratio"] is None or isinstance(record["ratio"], int | float)
            assert record["ours_min"] <= record["ours"] <= record["ours_max"]
            assert record["ours_n"] >= 1 and record["peer_n"] >= 1
        else:
            assert record["status"].startswith("not available: "), record["status"]
            assert record["met"] is False and record["ours"] is None
            warnings.warn(f"bench {name}/{record['metric']}: {record['status']}", stacklevel=1)


def test_unknown_benchmark_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "nonesuch"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
