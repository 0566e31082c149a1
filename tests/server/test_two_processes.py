"""Several API processes on one PostgreSQL database: two independent `serve` processes and one
`serve --workers 2`, all real processes on loopback, with the API's key paths run across them.

What one process used to keep to itself must hold across them: the tus upload's lock, a revoked
token, the change feed's order, the sign-in limits, the wake-up of a long-poll.
"""

from __future__ import annotations

import hashlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from casedesktop.api.files import OFFSET_CONTENT_TYPE, TUS_VERSION, checksum_header
from casedesktop.domain import Role
from casedesktop.server.cli import main as cli_main
from casedesktop.server.db import Sessions, make_engine
from casedesktop.server.serve import LISTENING, run_workers
from casedesktop.server.testing import TEST_PASSWORD, ApiCaller, ServerHandle
from testkit.postgres import create_database

START_TIMEOUT = 90  # seconds: three servers (four Python processes) start at once on 2 cores
STOP_TIMEOUT = 30
_HAS_PROC = Path("/proc/self/stat").exists()


@dataclass
class Serving:
    """One `casedesktop-server serve` process and what it said."""

    name: str
    process: subprocess.Popen[str]
    log: Path
    url: str = ""
    rest_of_stdout: str = ""

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is not None:
            return self.process.returncode  # stopped already
        self.process.send_signal(sig)
        try:
            out, _ = self.process.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.rest_of_stdout += out or ""
        return self.process.returncode

    def errors(self) -> str:
        return self.log.read_text(errors="replace")


def start_serving(name: str, data_dir: Path, database_url: str, *options: str) -> Serving:
    log = data_dir.parent / f"{name}.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "casedesktop.server", "serve", "--port", "0"]
            + ["--data-dir", str(data_dir), "--database-url", database_url]
            + ["--log-level", "warning", *options],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    return Serving(name, process, log)


def wait_listening(serving: Serving) -> None:
    """The base URL from the one "listening" line (read on a thread: a worker keeps stdout open
    even if the parent died, so a plain readline could wait forever)."""
    lines: queue.Queue[str] = queue.Queue()
    assert serving.process.stdout is not None
    stdout = serving.process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        raise AssertionError(f"{serving.name} did not start: {serving.errors()}") from None
    prefix = LISTENING.format(url="")
    assert line.startswith(prefix), f"{serving.name}: {line!r} {serving.errors()}"
    serving.url = line[len(prefix) :].strip()
    assert not serving.url.endswith(":0")


@dataclass
class Deployment:
    a: Serving  # `serve`
    b: Serving  # another `serve`, started on its own
    c: Serving  # `serve --workers 2`
    handle: ServerHandle  # users and tokens straight into the shared database
    data_dir: Path

    def on(self, caller: ApiCaller, serving: Serving) -> ApiCaller:
        """The same signed-in caller, talking to another process."""
        token = caller.http.headers["Authorization"].removeprefix("Bearer ")
        return ApiCaller(serving.url, token, caller.user)

    def by_name(self) -> dict[str, Serving]:
        return {serving.name: serving for serving in (self.a, self.b, self.c)}

    def login(self, serving: Serving, email: str, password: str = TEST_PASSWORD) -> ApiCaller:
        """A real sign-in through one process."""
        answer = ApiCaller(serving.url).post(
            "/auth/login", json={"email": email, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return ApiCaller(serving.url, answer.json()["token"], answer.json()["user"])


@pytest.fixture(scope="module")
def deployment(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Three servers on one fresh database and one data folder, started at once: their
    migrations meet on an empty database too."""
    root = tmp_path_factory.mktemp("two-processes")
    data_dir = root / "data"
    url = create_database(postgres_server)
    servers = [
        start_serving("a", data_dir, url),
        start_serving("b", data_dir, url),
        start_serving("c", data_dir, url, "--workers", "2"),
    ]
    sessions: Sessions | None = None
    try:
        for serving in servers:
            wait_listening(serving)
        sessions = Sessions(make_engine(url))
        handle = ServerHandle(servers[0].url, url, data_dir, sessions)
        yield Deployment(*servers, handle=handle, data_dir=data_dir)
    finally:
        codes = {serving.name: serving.stop() for serving in servers}
        if sessions is not None:
            sessions.dispose()
    for serving in servers:
        assert "Traceback" not in serving.errors(), serving.errors()
    assert codes == {"a": 0, "b": 0, "c": 0}, codes


def _email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@acme.example"


def _tus(offset: int, chunk: bytes) -> dict[str, str]:
    return {
        "Tus-Resumable": TUS_VERSION,
        "Upload-Offset": str(offset),
        "Content-Type": OFFSET_CONTENT_TYPE,
        "Upload-Checksum": checksum_header(chunk),
    }


def _slowly(chunk: bytes, pieces: int, pause: float, first: float = 0.0) -> Iterator[bytes]:
    """The chunk as a body that takes a while to arrive, in `pieces` parts `pause` s apart."""
    size = -(-len(chunk) // pieces)
    time.sleep(first)
    for start in range(0, len(chunk), size):
        yield chunk[start : start + size]
        time.sleep(pause)


@pytest.mark.postgres
def test_a_tus_upload_alternates_between_processes_and_racing_patches_do_not_mix(
    deployment: Deployment,
) -> None:
    email = _email("ann")
    deployment.handle.add_user(email, Role.CUSTOMER, "Acme")
    ann_a = deployment.handle.signed_in(email)
    ann_b, ann_c = deployment.on(ann_a, deployment.b), deployment.on(ann_a, deployment.c)
    case = ann_a.new_case()
    chunks = [os.urandom(64 * 1024) for _ in range(4)]
    attachment_id = str(uuid.uuid4())
    # No sha256 in the metadata: whichever racing chunk wins, the file is finished, and its bytes
    # show exactly what was kept.
    created = ann_b.start_upload(
        case["id"], 64 * 1024 * 4, "trace.bin", attachment_id=attachment_id
    )
    assert created.status_code == 201, created.text
    # Location names process b; the same upload is reached through each process by its path.
    path = urlsplit(created.headers["Location"]).path
    at = {name: serving.url + path for name, serving in deployment.by_name().items()}
    assert at["b"] == created.headers["Location"]

    assert ann_a.patch_upload(at["a"], 0, chunks[0]).status_code == 204
    assert ann_c.upload_offset(at["c"]) == len(chunks[0])
    answer = ann_b.patch_upload(at["b"], len(chunks[0]), chunks[1])
    assert answer.status_code == 204 and answer.headers["Upload-Offset"] == str(2 * 64 * 1024)

    # Two different third chunks at the same offset, sent to two processes at once.
    offset = 2 * 64 * 1024
    rival = os.urandom(64 * 1024)
    bodies = {"a": chunks[2], "b": rival}
    # Out of step (8 KiB every 30 ms against 16 KiB every 60 ms, 15 ms later): were both written,
    # each would overwrite the other's bytes in turn, and neither chunk would be kept whole.
    pacing = {"a": (8, 0.03, 0.0), "b": (4, 0.06, 0.015)}
    callers = {"a": ann_a, "b": ann_b}
    answers: dict[str, requests.Response] = {}
    together = threading.Barrier(2)

    def send(name: str) -> None:
        together.wait()
        answers[name] = callers[name].http.patch(
            at[name],
            data=_slowly(bodies[name], *pacing[name]),
            headers=_tus(offset, bodies[name]),
            timeout=30,
        )

    racers = [threading.Thread(target=send, args=(name,)) for name in bodies]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [204, 409], {n: (a.status_code, a.text) for n, a in answers.items()}
    winner = next(name for name, answer in answers.items() if answer.status_code == 204)
    loser = answers["b" if winner == "a" else "a"]
    assert loser.json()["code"] == "offset_mismatch"
    assert loser.headers["Upload-Offset"] == str(offset + 64 * 1024)

    last = ann_c.patch_upload(at["c"], offset + 64 * 1024, chunks[3])
    assert last.status_code == 204, last.text
    content = ann_a.get(f"/attachments/{attachment_id}/content")
    assert content.status_code == 200
    expected = chunks[0] + chunks[1] + bodies[winner] + chunks[3]
    assert hashlib.sha256(content.content).hexdigest() == hashlib.sha256(expected).hexdigest()
    # Nothing is left staged: no part file, no lock file.
    assert list((deployment.data_dir / "uploads").glob("*")) == []


@pytest.mark.postgres
def test_a_token_revoked_on_one_process_is_refused_by_the_others_at_once(
    deployment: Deployment,
) -> None:
    email = _email("rita")
    deployment.handle.add_user(email, Role.CUSTOMER, "Acme")
    everywhere = (deployment.a, deployment.b, deployment.c)

    rita = deployment.login(deployment.a, email)
    for serving in everywhere:  # each process now holds the token in its cache
        assert deployment.on(rita, serving).get("/me").status_code == 200
    assert deployment.on(rita, deployment.b).post("/auth/logout").status_code == 204
    for serving in everywhere:
        assert deployment.on(rita, serving).get("/me").status_code == 401, serving.name

    rita = deployment.login(deployment.c, email)  # either of its workers
    for serving in everywhere:
        assert deployment.on(rita, serving).get("/me").status_code == 200
    new_password = "another long passphrase"
    reset = ["reset-password", "--email", email, "--password", new_password]
    assert cli_main([*reset, "--database-url", deployment.handle.database_url,
                     "--data-dir", str(deployment.data_dir)]) == 0  # fmt: skip
    for serving in everywhere:
        assert deployment.on(rita, serving).get("/me").status_code == 401, serving.name
    assert deployment.login(deployment.a, email, new_password).get("/me").status_code == 200


@pytest.mark.postgres
def test_the_feed_misses_nothing_while_both_processes_write(deployment: Deployment) -> None:
    """Writers on a and b, a reader paging from c with small pages: every committed change is
    read exactly once, in seq order."""
    writers = {}
    for name, serving in (("ann", deployment.a), ("amy", deployment.b)):
        email = _email(name)
        deployment.handle.add_user(email, Role.CUSTOMER, "Acme")
        writers[name] = deployment.on(deployment.handle.signed_in(email), serving)
    staff = _email("sam").replace("acme", "vendor")
    deployment.handle.add_user(staff, Role.AGENT)
    reader = deployment.on(deployment.handle.signed_in(staff), deployment.c)
    _, start = reader.all_changes(limit=1000)

    written: dict[str, set[str]] = {"case": set(), "comment": set()}
    failures: list[BaseException] = []

    def write(caller: ApiCaller) -> None:
        try:
            for round_ in range(6):
                case = caller.new_case(subject=f"Round {round_}")
                written["case"].add(case["id"])
                reply = caller.comment(case["id"], "More detail.")
                assert reply.status_code == 201, reply.text
                written["comment"].add(reply.json()["id"])
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(caller,)) for caller in writers.values()]
    for thread in threads:
        thread.start()
    seen: list[dict[str, Any]] = []
    cursor = start
    while True:
        writing = any(thread.is_alive() for thread in threads)
        page = reader.get("/changes", params={"cursor": cursor, "limit": 3}).json()
        seen += page["changes"]
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not writing and not page["has_more"]:
            break  # a whole read after the last commit: caught up
    for thread in threads:
        thread.join()
    assert not failures, failures

    seqs = [item["seq"] for item in seen]
    assert seqs == sorted(set(seqs)), "a change came twice or out of order"
    everything, _ = reader.all_changes(start, limit=1000)
    assert seqs == [item["seq"] for item in everything], "a committed change was skipped"
    ids = {kind: {item[kind]["id"] for item in seen if item["entity"] == kind} for kind in written}
    assert written["case"] <= ids["case"] and written["comment"] <= ids["comment"]
    assert len(written["case"]) == 12


@pytest.mark.postgres
def test_a_long_poll_on_one_process_wakes_for_a_write_on_another(deployment: Deployment) -> None:
    email = _email("lee")
    deployment.handle.add_user(email, Role.CUSTOMER, "Acme")
    lee_a = deployment.handle.signed_in(email)
    lee_c = deployment.on(lee_a, deployment.c)
    _, cursor = lee_c.all_changes()
    answer: list[requests.Response] = []
    poll = threading.Thread(
        target=lambda: answer.append(
            lee_c.http.get(
                lee_c.base + "/changes", params={"cursor": cursor, "wait": 25}, timeout=40
            )
        )
    )
    began = time.monotonic()
    poll.start()
    time.sleep(0.5)  # the long-poll is waiting on c
    case = lee_a.new_case(subject="Woken elsewhere")
    poll.join(40)
    took = time.monotonic() - began
    assert answer and answer[0].status_code == 200
    changes = answer[0].json()["changes"]
    assert case["id"] in {item["case"]["id"] for item in changes if item.get("case")}
    assert took < 15, f"the long-poll answered after {took:.1f} s, not when the case was written"


@pytest.mark.postgres
def test_failed_sign_ins_on_one_process_slow_down_the_other(deployment: Deployment) -> None:
    email = _email("guessed")
    deployment.handle.add_user(email, Role.CUSTOMER, "Acme")
    processes = [deployment.a, deployment.b]
    wrong = {"email": email, "password": "not the password at all"}

    # Seven failures, alternating a and b, waiting out each delay as a patient guesser would:
    # counted per process, neither would have reached the free five.
    failures = 0
    while failures < 7:
        at = ApiCaller(processes[failures % 2].url)
        answer = at.post("/auth/login", json=wrong)
        if answer.status_code == 429:
            time.sleep(float(answer.headers["Retry-After"]))
            continue
        assert answer.status_code == 401, answer.text
        failures += 1
    for serving in (deployment.a, deployment.b, deployment.c):  # 4 s to wait now, everywhere
        refused = ApiCaller(serving.url).post(
            "/auth/login", json={"email": email, "password": TEST_PASSWORD}
        )
        assert refused.status_code == 429, (serving.name, refused.text)
        assert int(refused.headers["Retry-After"]) >= 1


def _worker_pids(parent: int) -> set[int]:
    """The workers of a `serve --workers` parent (not multiprocessing's resource tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z" and b"spawn_main" in cmdline:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.postgres
@pytest.mark.skipif(not _HAS_PROC, reason="finds the worker processes through /proc")
def test_workers_share_the_port_a_dead_one_is_replaced_and_all_stop_together(
    deployment: Deployment,
) -> None:
    c = deployment.c
    workers = _worker_pids(c.process.pid)
    assert len(workers) == 2, workers
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    health = ApiCaller(c.url)
    deadline = time.monotonic() + 60
    replaced: set[int] = set()
    while time.monotonic() < deadline:
        assert health.get("/health").status_code == 200  # the other worker answers meanwhile
        replaced = _worker_pids(c.process.pid)
        if len(replaced) == 2 and victim not in replaced:
            break
        time.sleep(0.1)
    assert len(replaced) == 2 and victim not in replaced, replaced
    # With the other first worker gone too, only the new one can answer: it serves the port.
    (newcomer,) = replaced - workers
    survivor = (workers - {victim}).pop()
    os.kill(survivor, signal.SIGKILL)
    while _alive(survivor) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ApiCaller(c.url).get("/health").status_code == 200
    deadline = time.monotonic() + 60
    while len(_worker_pids(c.process.pid) - {newcomer}) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    replaced = _worker_pids(c.process.pid)
    assert len(replaced) == 2 and newcomer in replaced, replaced

    assert c.stop(signal.SIGTERM) == 0
    assert not [pid for pid in replaced if _alive(pid)], "a worker outlived its parent"
    assert c.rest_of_stdout == "", "the listening line must come once"
    assert f"Worker process {victim} stopped" in c.errors()


@pytest.mark.skipif(os.name == "nt", reason="Ctrl-C is SIGINT to the process group on POSIX")
def test_workers_on_sqlite_serve_and_stop_on_ctrl_c(tmp_path: Path) -> None:
    """SQLite allows several processes (its writers queue across them), so --workers does too."""
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'server.db'}"
    serving = start_serving("sqlite", data_dir, url, "--workers", "2")
    try:
        wait_listening(serving)
        handle = ServerHandle(serving.url, url, data_dir, Sessions(make_engine(url)))
        try:
            handle.add_user("sid@acme.example", Role.CUSTOMER, "Acme")
            sid = handle.signed_in("sid@acme.example")
            cases = [sid.new_case(subject=f"Case {n}")["id"] for n in range(6)]
            assert {case["id"] for case in sid.get("/cases").json()} == set(cases)
        finally:
            handle.sessions.dispose()
        workers = _worker_pids(serving.process.pid) if _HAS_PROC else set()
    finally:
        code = serving.stop(signal.SIGINT)
    assert code == 0, serving.errors()
    assert "Traceback" not in serving.errors()
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.skipif(not _HAS_PROC, reason="finds the worker processes through /proc")
def test_workers_stop_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    """kill -9 of the parent: its workers must not serve on unsupervised, holding the port."""
    data_dir = tmp_path / "data"
    serving = start_serving("orphans", data_dir, f"sqlite:///{data_dir / 'server.db'}",
                            "--workers", "2")
    try:
        wait_listening(serving)
        workers = _worker_pids(serving.process.pid)
        assert len(workers) == 2
    finally:
        serving.process.kill()
        serving.process.wait()
    deadline = time.monotonic() + 15
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived a killed supervisor"


def test_workers_must_be_a_whole_number_from_1(capsys: pytest.CaptureFixture[str]) -> None:
    for given, message in (
        ("0", "must be at least 1"),
        ("two", "'two' is not a whole number"),
        ("100000", "at most 64"),
    ):
        with pytest.raises(SystemExit) as refused:
            cli_main(["serve", "--workers", given])
        assert refused.value.code == 2
        assert message in capsys.readouterr().err


def _unbuildable_app() -> Any:
    raise RuntimeError("the app cannot be built here")


def test_workers_that_cannot_start_stop_the_server(capfd: pytest.CaptureFixture[str]) -> None:
    assert run_workers(_unbuildable_app, "127.0.0.1", 0, 2, log_level="warning") == 1
    out, err = capfd.readouterr()
    assert out == ""  # never announced as listening
    assert "the app cannot be built here" in err
