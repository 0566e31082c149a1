"""`python -m bench [--quick] [--only NAME] [--json FILE]`: run the benchmarks, print each
figure beside its peer's from the same run with the ratio, median and spread, and write them all
as JSON (a list, one record per target).

Exit status: 0 when every benchmark ran (targets met or not, or "not available" with a reason),
1 when one failed with an error, 2 for a usage mistake.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import BENCHMARKS, ON_REQUEST
from bench.common import (
    Context,
    NotAvailable,
    format_record,
    isolate_keyring,
    make_record,
    write_json,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="CaseDesktop benchmarks, each against a peer measured in the same run.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer and smaller repetitions (for the smoke test; figures are rough)",
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        choices=BENCHMARKS + ON_REQUEST,
        help=f"run only this benchmark; repeatable ({', '.join(BENCHMARKS)}; "
        f"only when named: {', '.join(ON_REQUEST)})",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        type=Path,
        help="write every record to FILE (rewritten after each benchmark)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the scratch folder (profiles, server data, videos, logs)",
    )
    return parser


def failed_records(name: str, module: Any, status: str) -> list[dict[str, Any]]:
    """One record per target of a benchmark that could not give figures, saying why."""
    targets: dict[str, tuple[str, str]] = getattr(module, "TARGETS", {"all": ("", "")})
    return [
        make_record(
            name, metric, ours=None, peer=None, unit=unit, target=target, met=False, status=status
        )
        for metric, (unit, target) in targets.items()
    ]


def markdown_table(records: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return str(value)

    lines = [
        "| benchmark | figure | ours | peer | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        met = (
            "yes" if r["met"] else ("**no**" if r["status"] == "ok" else f"**no** ({r['status']})")
        )
        unit = r["unit"]
        ours = f"{cell(r['ours'])} {unit}" if r["ours"] is not None else "–"
        peer = f"{cell(r['peer'])} {unit}" if r["peer"] is not None else "–"
        if r["peer_name"] and r["peer"] is not None:
            peer += f" ({r['peer_name']})"
        lines.append(
            f"| {r['name']} | {r['metric']} | {ours} | {peer} | {cell(r['ratio'])} "
            f"| {r['target']} | {met} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chosen = BENCHMARKS + ON_REQUEST
    names = [n for n in chosen if n in args.only] if args.only else list(BENCHMARKS)
    workdir = Path(tempfile.mkdtemp(prefix="casedesktop-bench-"))
    isolate_keyring(workdir)  # before anything imports keyring
    ctx = Context(quick=args.quick, workdir=workdir)
    records: list[dict[str, Any]] = []
    errors = 0
    started = time.monotonic()
    mode = "quick" if args.quick else "full"
    ctx.say(f"CaseDesktop benchmarks ({mode}): {', '.join(names)}; scratch folder {workdir}")
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            ctx.say(f"\n== {name}: {module.TITLE}")
            t0 = time.monotonic()
            try:
                produced = module.run(ctx)
            except NotAvailable as exc:
                produced = failed_records(name, module, f"not available: {exc}")
            except Exception as exc:  # noqa: BLE001 - report it, run the other benchmarks
                traceback.print_exc()
                errors += 1
                produced = failed_records(name, module, f"error: {type(exc).__name__}: {exc}")
            elapsed = time.monotonic() - t0
            for record in produced:
                record["details"]["benchmark_seconds"] = round(elapsed, 1)
                record["details"]["mode"] = mode
                ctx.say(format_record(record))
            records += produced
            if args.json:
                write_json(args.json, records)
    finally:
        ctx.close()
        if args.keep:
            ctx.say(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    missed = [f"{r['name']}/{r['metric']}" for r in records if not r["met"]]
    ctx.say(f"\n{markdown_table(records)}\n")
    ctx.say(
        f"{len(records)} targets, {len(records) - len(missed)} met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
        + f"; {time.monotonic() - started:.0f} s in all"
    )
    if args.json:
        write_json(args.json, records)
        ctx.say(f"wrote {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
