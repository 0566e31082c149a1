"""CaseDesktop benchmarks: each one measures the product and a peer in the same run.

Run `python -m bench [--quick] [--only NAME] [--json FILE]`. Every benchmark module has
`NAME`, `TITLE` and `run(ctx) -> list[dict]`; the records it returns are what `--json` writes.
Nothing here runs as a timed assertion in the test suite (tests/test_bench_smoke.py only checks
that each benchmark runs in --quick mode and writes well-formed records).

BENCHMARKS is the default run. ON_REQUEST ones take too long for it and run only when named
with `--only` (`soak`: 500 kills of the sync, about 15 minutes).
"""

BENCHMARKS = (
    "list",
    "search",
    "memory",
    "push",
    "pull",
    "gui_stall",
    "record",
    "record_wayland",
    "upload",
    "server",
    "live",
    "idle",
    "bundle",
)
ON_REQUEST = ("soak",)
