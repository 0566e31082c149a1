"""Shared parts of the benchmarks: statistics, records, Xvfb, the server process, /proc readers.

Only the standard library and what CaseDesktop already depends on; no psutil.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Bytecode for the GUI subprocesses: this environment sets PYTHONDONTWRITEBYTECODE=1 and the
# source tree has no __pycache__, so without this every start would compile casedesktop from
# source, which an installed app never does. Kept outside the tree, shared by ours and the peer.
PYCACHE = Path(tempfile.gettempdir()) / "casedesktop-bench-pycache"


class NotAvailable(Exception):
    """What a benchmark needs is missing (not built yet, a tool absent); the message says what."""


# --- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Repeated measurements of one figure."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        values = tuple(float(v) for v in values)
        if not values:
            raise ValueError("no measurements")
        return cls(values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def percentile(self, q: float) -> float:
        """Linear interpolation between the closest ranks (q in 0..100)."""
        ordered = sorted(self.values)
        if len(ordered) == 1:
            return ordered[0]
        position = (len(ordered) - 1) * q / 100
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    def __len__(self) -> int:
        return len(self.values)


def rounded(value: float | None, digits: int = 4) -> float | None:
    """A float with `digits` significant digits, for readable JSON."""
    if value is None:
        return None
    if value == 0 or not (abs(value) < float("inf")):
        return value
    return float(f"{value:.{digits}g}")


# --- records ---------------------------------------------------------------------------------


def make_record(
    name: str,
    metric: str,
    *,
    ours: Stats | None,
    peer: Stats | None,
    unit: str,
    target: str,
    met: bool,
    ratio: float | None = None,
    peer_name: str = "",
    details: dict[str, Any] | None = None,
    status: str = "ok",
    figure: str = "median",
) -> dict[str, Any]:
    """One record per target, as `--json` writes it.

    `ours`/`peer` are the medians of the repetitions (`figure="max"`: the worst one, e.g. for
    dropped frames); their spread (min-max) and count sit beside them. `ratio` is ours/peer of
    those figures unless the benchmark gives its own.
    """

    def value(stats: Stats | None) -> float | None:
        if stats is None:
            return None
        return stats.max if figure == "max" else stats.median

    if ratio is None and ours is not None and peer is not None and value(peer):
        ratio = value(ours) / value(peer)
    record: dict[str, Any] = {
        "name": name,
        "metric": metric,
        "ours": rounded(value(ours)),
        "peer": rounded(value(peer)),
        "unit": unit,
        "ratio": rounded(ratio, 3),
        "target": target,
        "met": bool(met),
        "status": status,
        "peer_name": peer_name,
        "figure": f"{figure} of {len(ours) if ours else 0} repetitions",
        "ours_min": rounded(ours.min) if ours else None,
        "ours_max": rounded(ours.max) if ours else None,
        "ours_n": len(ours) if ours else 0,
        "peer_min": rounded(peer.min) if peer else None,
        "peer_max": rounded(peer.max) if peer else None,
        "peer_n": len(peer) if peer else 0,
        "details": details or {},
    }
    return record


def not_available(
    name: str,
    metric: str,
    unit: str,
    target: str,
    reason: str,
    peer_name: str = "",
    details: dict[str, Any] | None = None,
    peer: Stats | None = None,
) -> dict[str, Any]:
    """The record of a figure that could not be measured: no numbers, met=false, and why."""
    return make_record(
        name,
        metric,
        ours=None,
        peer=peer,
        unit=unit,
        target=target,
        met=False,
        peer_name=peer_name,
        details=details,
        status=f"not available: {reason}",
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def format_record(record: dict[str, Any]) -> str:
    """Two lines: the figures with their spread, then the target and whether it is met."""
    unit = record["unit"]

    def side(label: str, key: str) -> str:
        if record[key] is None:
            return f"{label} -"
        return (
            f"{label} {_fmt(record[key])} {unit} (min-max {_fmt(record[key + '_min'])}-"
            f"{_fmt(record[key + '_max'])}, n={record[key + '_n']})"
        )

    head = f"{record['name']:>7} {record['metric']:<22}"
    if record.get("figure", "").startswith("max"):
        head += " (worst repetition)"
    ratio = "-" if record["ratio"] is None else f"{record['ratio']:.3g}"
    verdict = "met" if record["met"] else "MISSED"
    if record["status"] != "ok":
        verdict = f"MISSED ({record['status']})"
    peer_label = f"peer[{record['peer_name']}]" if record["peer_name"] else "peer"
    return (
        f"{head} {side('ours', 'ours')} | {side(peer_label, 'peer')} | ratio {ratio}\n"
        f"{'':>31}target: {record['target']} -> {verdict}"
    )


def write_json(path: Path, records: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(records), indent=2, default=str) + "\n", encoding="utf-8")


# --- the run's context -----------------------------------------------------------------------


@dataclass
class Context:
    """What every benchmark gets: the mode, a scratch folder, a lazily started Xvfb."""

    quick: bool
    workdir: Path
    log: Any = sys.stdout
    _xvfb: Xvfb | None = None
    _profiles: dict[int, Path] = field(default_factory=dict)

    def say(self, text: str) -> None:
        print(text, file=self.log, flush=True)

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    @property
    def display(self) -> str:
        if self._xvfb is None:
            self._xvfb = Xvfb(self.workdir / "xvfb.log")
        return self._xvfb.display

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every subprocess: our display, the throw-away keyring, bytecode."""
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("CASEDESKTOP_HOME", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env.update(extra)
        return env

    def gui_env(self) -> dict[str, str]:
        return self.env(DISPLAY=self.display, QT_QPA_PLATFORM="xcb")

    def close(self) -> None:
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None


def isolate_keyring(workdir: Path) -> None:
    """A file keyring under the run's scratch folder: the benchmarks never touch a real keychain.

    Set before anything imports keyring; subprocesses inherit it.
    """
    home = workdir / "xdg-data"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(home)


# --- Xvfb ------------------------------------------------------------------------------------


class Xvfb:
    """A private X server on a free display number (Xvfb picks it: -displayfd)."""

    def __init__(self, log_path: Path, width: int = 1920, height: int = 1080, depth: int = 24):
        if shutil.which("Xvfb") is None:
            raise NotAvailable("Xvfb is not installed")
        self.size = (width, height)
        read_end, write_end = os.pipe()
        log = open(log_path, "ab")  # noqa: SIM115 - kept open for the server's life
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                f"{width}x{height}x{depth}",
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            pass_fds=(write_end,),
            stdout=log,
            stderr=log,
        )
        log.close()
        os.close(write_end)
        number = b""
        deadline = time.monotonic() + 15
        try:
            while not number.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                ready, _, _ = select.select([read_end], [], [], max(0.0, remaining))
                if not ready:
                    raise NotAvailable("Xvfb did not report a display within 15 s")
                chunk = os.read(read_end, 16)
                if not chunk:
                    raise NotAvailable(f"Xvfb exited at start (see {log_path})")
                number += chunk
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_end)
        self.display = f":{int(number.strip())}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- the server ------------------------------------------------------------------------------

LISTENING = re.compile(r"listening on (http://\S+)")


class ServerProcess:
    """`python -m casedesktop.server serve --port 0` in its own process (its own core's worth of
    GIL), the way a vendor runs it; the base URL comes from its "listening on" line."""

    def __init__(self, data_dir: Path, env: dict[str, str], database_url: str | None = None):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / "server.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        database = ["--database-url", database_url] if database_url else []
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "casedesktop.server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
                *database,
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            cwd=REPO,
        )
        log.close()
        self.url = self._wait_for_url()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_for_url(self) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline().decode(errors="replace")
                if not line:
                    break
                match = LISTENING.search(line)
                if match:
                    return match.group(1)
            elif self.process.poll() is not None:
                break
        tail = self.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise NotAvailable(f"the server did not start: {tail.strip() or 'no output'}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# --- processes -------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid: int | str, key: str) -> int:
    """A `VmXxx:` figure of /proc/PID/status in kB (VmRSS: now, VmHWM: peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def proc_cpu_seconds(pid: int | str) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


@dataclass(frozen=True)
class Finished:
    """A finished child: its exit code, wall time, CPU time (from wait4) and peak RSS."""

    returncode: int
    started_at: float  # time.monotonic() just before the start: the same clock in every process
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    stdout: str
    stderr: str


def run_measured(
    cmd: Sequence[str],
    *,
    env: dict[str, str],
    workdir: Path,
    timeout: float,
    cwd: Path = REPO,
    on_started: Any = None,
) -> Finished:
    """Run a command to its end and take its own rusage with wait4 (not the whole family's) and its
    peak RSS from /proc while it runs.

    Output goes to files (no pipe can fill up and stall the child). `on_started(pid)` runs
    right after the start, e.g. to sample /proc while the child works.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    out_path = workdir / f"out-{time.monotonic_ns()}.txt"
    err_path = out_path.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        process = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd)
        try:
            if on_started is not None:
                on_started(process.pid)
            deadline = t0 + timeout
            peak_kb = 0
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                with contextlib.suppress(OSError, ValueError, KeyError):  # gone, or a zombie
                    peak_kb = max(peak_kb, proc_status_kb(process.pid, "VmHWM"))
                if time.monotonic() > deadline:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.01)
        except BaseException:
            if process.poll() is None:
                process.kill()
                process.wait()
            raise
        wall = time.monotonic() - t0
        process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        returncode=process.returncode,
        started_at=t0,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        # VmHWM of the child's own image, sampled until it ends. wait4's ru_maxrss also counts the
        # copy of this (large) process that fork made before exec, which hides the child's figure.
        maxrss_kb=peak_kb or usage.ru_maxrss,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def last_json_line(text: str) -> dict[str, Any]:
    """The last line of a child's stdout that is a JSON object."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON line in output: {text[-500:]!r}")


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    """`with timer() as t: ...` then `t[0]` is the elapsed seconds."""
    box: list[float] = []
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - t0)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)
