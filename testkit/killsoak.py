"""kill -9 of `casedesktop sync` at random moments while it pushes hundreds of queued changes and
uploads a big file, round after round: the machinery of tests/sync/test_kill.py (50 kills, in
CI) and of the `soak` benchmark (hundreds, on request).

    with KillSoak(world, email, workdir, seed=5150, kills=50, budget_s=360) as soak:
        for round_ in soak.rounds():   # one per sync started; check each after its kill
            assert not round_.lost
        last = soak.finish()           # one sync to the end, then what the server holds

The sync processes are started ahead and wait on stdin (`Runner`), so a kill lands in the sync
itself, not in Python's start-up. The server is the caller's (in its process, so the checks read
its database); the client reaches it through a pass-through proxy that reads upload bodies at a
link's speed, so kills also land mid-chunk, and counts the upload bytes really sent.
Everything random comes from the seed: the same seed draws the same changes, files and kill
delays (the rounds go the same way as far as the host's speed lets them).
"""

from __future__ import annotations

import bisect
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from casedesktop.server.testing import ServerHandle
from casedesktop.store import outbox, uploads
from casedesktop.store.database import open_cache
from casedesktop.store.models import OutboxOp
from casedesktop.sync.credentials import TokenStore
from testkit.faultproxy import Exchange, FaultProxy
from testkit.syncworld import (
    Queued,
    ServerCheck,
    check_server,
    duplicates,
    lost_changes,
    make_device,
    queue_mixed,
)

REPO = Path(__file__).resolve().parent.parent
BIG_FILE = 30 * 1024 * 1024
UPLOAD_RATE = 10e6  # bytes/s the proxy reads upload bodies at, as over a fast uplink
BACKLOG = 100  # fewer changes waiting than this: queue more (once the big file's upload is done)
RUNNER = """
import sys
from casedesktop import cli
import casedesktop.sync.engine, casedesktop.store.recovery, casedesktop.app  # warm up
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(3)
sys.exit(cli.main(sys.argv[1:]))
"""


class Runner:
    """A `casedesktop --profile DIR sync` whose imports are done, waiting for "go"."""

    def __init__(self, profile: Path, env: dict[str, str] | None = None):
        self.ended = ""
        self.went_at = 0.0  # time.monotonic() when it was told to go
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, "--profile", str(profile), "sync"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=REPO,
        )

    def go(self) -> None:
        assert self.process.stdout.readline().strip() == "ready"
        self.went_at = time.monotonic()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def kill(self) -> bool:
        """SIGKILL; True when it was still running (a real kill, not a finished sync)."""
        alive = self.process.poll() is None
        if alive:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.ended = "" if alive else f"exit {self.process.returncode}: {self.process.stderr.read()[-300:]}"
        self._close()
        return alive

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        """Let it sync to the end: its exit code and what it wrote to stderr."""
        self.process.stdin.close()
        err = self.process.stderr.read()
        self.process.wait(timeout)
        self._close()
        return self.process.returncode, err

    def stop(self) -> None:
        """Clean-up of a runner never used (or left behind by a failure)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self._close()

    def _close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()


@dataclass(frozen=True)
class SyncToEnd:
    """A sync let run to its end, and what the server held afterwards."""

    code: int
    err: str
    check: ServerCheck


@dataclass(frozen=True)
class Round:
    """One sync started, then killed (or found finished) after `delay` seconds."""

    number: int
    kill: int  # kills so far, this one included
    killed: bool  # False: the sync had ended before its kill (`ended` says how)
    ended: str
    delay: float
    lost: list[str]  # queued changes neither on the server nor waiting in the outbox
    doubled: list[str]  # anything on the server twice
    fresh: SyncToEnd | None  # every few kills, a fresh sync to the end: everything converges


@dataclass
class KillSoak:
    """Kill rounds against `world` as the user `email`, with scratch files under `workdir`.

    `files` big files of `file_bytes` each are uploaded one after another: the next is attached
    once the one before is on the server and `file_every` kills have passed since it was
    attached. Rounds go on until `kills` syncs were killed mid-way (a sync may finish before its
    kill), at most 10 rounds per kill and `budget_s` seconds.
    """

    world: ServerHandle
    email: str
    workdir: Path
    seed: int
    kills: int
    budget_s: float
    file_bytes: int = BIG_FILE
    files: int = 1
    file_every: int = 25
    first_cases: int = 30  # cases queued at the start, ten changes each, the first file on one
    converge_every: int = 10  # a fresh sync to the end after every this many kills
    env: dict[str, str] | None = None  # the sync processes' environment

    # What happened so far.
    killed: int = field(default=0, init=False)  # syncs killed mid-way
    kills_mid_push: int = field(default=0, init=False)  # ... with a change in flight
    kills_mid_upload: int = field(default=0, init=False)  # ... with the big file's upload unfinished
    completed: int = field(default=0, init=False)  # syncs that had ended before their kill
    rounds_run: int = field(default=0, init=False)
    elapsed: float = field(default=0.0, init=False)
    queued: Queued = field(default_factory=Queued, init=False)
    big_files: list[str] = field(default_factory=list, init=False)  # attachment ids, in order
    offsets: dict[str, list[int]] = field(default_factory=dict, init=False)  # client's, per round
    trace: list[str] = field(default_factory=list, init=False)  # delay:ops done:upload offset
    endings: list[str] = field(default_factory=list, init=False)  # how early syncs ended

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._runners: list[Runner] = []
        self._stack = contextlib.ExitStack()
        self._attached_at = 0  # kills when the last big file was attached
        self._started = time.monotonic()
        # When each sync was told to go, and whether it was then killed: the proxy's requests
        # from then until the next go are that sync's.
        self._syncs: list[tuple[float, bool]] = []

    def __enter__(self) -> KillSoak:
        host, port = self.world.base_url.removeprefix("http://").rsplit(":", 1)
        self.proxy = self._stack.enter_context(
            FaultProxy((host, int(port)), upload_rate={"PATCH": UPLOAD_RATE}))
        self.profile = (self.workdir / "customer").resolve()
        self.device = make_device(self.world, self.email, self.profile, self.proxy.url)
        self._stack.callback(self.device.close)
        TokenStore(f"profile:{self.profile}").set(self.device.client.token)
        self._queue(cases=self.first_cases, per_case=10, tag="k0 ", new_file=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        for runner in self._runners:
            runner.stop()
        self._stack.close()

    @property
    def current(self) -> str:
        """The attachment id of the big file being uploaded (or last uploaded)."""
        return self.big_files[-1]

    @property
    def sent(self) -> int:
        """Upload (PATCH) body bytes the client sent through the proxy so far."""
        return self.proxy.body_bytes_up["PATCH"]

    @property
    def resent(self) -> int:
        """Upload bytes sent more than once, over the whole run (after `finish`)."""
        return self.sent - self.file_bytes * len(self.big_files)

    def _queue(self, cases: int, per_case: int, tag: str, new_file: bool = False) -> None:
        files = []
        if new_file:
            number = len(self.big_files)
            path = self.workdir / f"recording-{number}.mp4"
            # The first file's bytes come from the seed alone, as they always have.
            rng = random.Random(self.seed if number == 0 else f"{self.seed}-{number}")
            path.write_bytes(rng.randbytes(self.file_bytes))
            files.append(path)
            self._attached_at = self.killed
        more = queue_mixed(self.device, self.rng, cases=cases, per_case=per_case, files=files, tag=tag)
        self.queued.merge(more)
        if new_file:
            self.big_files.append(next(iter(more.files)))
            self.offsets[self.current] = []
            files[0].unlink()  # the cache's blob store has its copy

    def _runner(self) -> Runner:
        runner = Runner(self.profile, self.env)
        self._runners.append(runner)
        return runner

    def _file_sent(self) -> bool:
        """The big file's upload op is done. (Not the cache's upload offset: a sync that finds
        the file complete, its last chunk sent by a sync killed before the answer, finishes the
        op without moving that offset.)"""
        with self.device.db.reading() as session:
            state = session.scalar(select(OutboxOp.state).where(OutboxOp.op_id == self.current))
        return state == "done"

    def _go(self, runner: Runner) -> None:
        runner.go()
        self._syncs.append((runner.went_at, False))

    def rounds(self) -> Iterator[Round]:
        db = self.device.db
        reach = 1.0  # how far into a sync kills may land (seconds, scaled); shrinks on a fast host
        started = self._started = time.monotonic()
        runner = self._runner()
        while (self.killed < self.kills and self.rounds_run < 10 * self.kills
               and time.monotonic() - started < self.budget_s):
            self.rounds_run += 1
            number = self.rounds_run
            upload_done = self._file_sent()
            # Keep hundreds of changes queued, but not while the big file waits to go or is on
            # its way: the upload has the kills to itself until it is done (more changes would
            # keep it waiting behind them); then, now and again, the next file.
            if outbox.counts(db).waiting < BACKLOG and upload_done:
                new_file = (len(self.big_files) < self.files
                            and self.killed - self._attached_at >= self.file_every)
                self._queue(cases=10, per_case=10, tag=f"k{number} ", new_file=new_file)
                upload_done = upload_done and not new_file
            self._go(runner)
            following = self._runner()  # warms up while this one syncs
            delay = self.rng.uniform(0.0, reach * (1.0 if upload_done else 1.5))
            time.sleep(delay)
            mid_upload = uploads.get(db, self.current) is not None and not self._file_sent()
            with db.reading() as session:
                in_flight = session.scalar(
                    select(OutboxOp.seq).where(OutboxOp.state == "in_flight").limit(1))
            killed = runner.kill()
            ended = runner.ended
            self._runners.remove(runner)
            runner = following
            if killed:
                self._syncs[-1] = (self._syncs[-1][0], True)
                self.killed += 1
                reach = min(1.0, reach * 1.05)
                self.kills_mid_push += in_flight is not None
                # The upload resource exists and is not complete: a chunk may be in flight (the
                # first one too, at offset 0), and at most that chunk is sent again.
                self.kills_mid_upload += mid_upload
            else:
                self.completed += 1
                reach = max(0.05, reach * 0.7)  # this host syncs faster than the kills came: aim earlier
                self.endings.append(ended)
            state = uploads.get(db, self.current)
            if state is not None:
                self.offsets[self.current].append(state.offset)
            with db.reading() as session:
                done = len(session.scalars(select(OutboxOp.seq).where(OutboxOp.state == "done")).all())
            self.trace.append(f"{delay:.2f}s:{done}:{state.offset if state else '-'}")
            # After every kill: the cache opens clean (quick_check), nothing is lost, nothing doubled.
            open_cache(self.profile).close()
            lost = lost_changes(self.world, db, self.queued)
            doubled = duplicates(self.world, self.queued.cases)
            fresh = None
            if killed and self.killed % self.converge_every == 0 and upload_done:
                # A fresh sync after the kill converges: everything queued so far is on the server.
                self._go(runner)
                code, err = runner.finish()
                self._runners.remove(runner)
                fresh = SyncToEnd(code, err, check_server(self.world, self.queued))
                runner = self._runner()
            self.elapsed = time.monotonic() - started
            yield Round(
                number=number, kill=self.killed, killed=killed, ended=ended, delay=delay,
                lost=lost, doubled=doubled, fresh=fresh,
            )

    def finish(self) -> SyncToEnd:
        """One more sync, let run to its end; then every queued change must be on the server."""
        runner = next((r for r in self._runners if r.process.poll() is None), None) or self._runner()
        self._go(runner)
        code, err = runner.finish()
        self._runners.remove(runner)
        self.elapsed = time.monotonic() - self._started
        self.proxy.wait_idle()  # every request has its answer
        return SyncToEnd(code, err, check_server(self.world, self.queued))

    def resends(self) -> list[int]:
        """Per kill that cut off an upload, the upload bytes sent in vain because of it, i.e.
        sent again on resume (call after `finish`). Their sum is all the bytes sent twice.

        A kill cut off an upload when its sync sent PATCHes and none of them completed the file.
        A PATCH is kept when the server accepted it (2xx), whether or not the killed client heard
        the answer. In vain: the killed sync's PATCH cut off mid-body, or refused (the next sync
        got there first), and any PATCH of the syncs after it, up to the next such kill, that was
        refused because the dead sync's last chunk, still flowing from its socket, got there first.
        """
        starts = [at for at, _ in self._syncs]
        per_sync: dict[int, list[Exchange]] = {}
        for exchange in list(self.proxy.exchanges):
            which = bisect.bisect_right(starts, exchange.started) - 1
            if exchange.method == "PATCH" and which >= 0:
                per_sync.setdefault(which, []).append(exchange)
        resent: list[int] = []
        for which, (_at, killed) in enumerate(self._syncs):
            patches = per_sync.get(which, [])
            kept = [p for p in patches if p.status is not None and 200 <= p.status < 300]
            wasted = sum(p.body_bytes for p in patches) - sum(p.body_bytes for p in kept)
            completed = any(p.headers.get("upload-offset") == str(self.file_bytes) for p in kept)
            if killed and patches and not completed:
                resent.append(wasted)
            elif resent:
                resent[-1] += wasted
        return resent
