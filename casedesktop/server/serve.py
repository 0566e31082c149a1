"""Run the app under uvicorn on a socket we bind ourselves, so `--port 0` reports the real port.

httptools and uvloop are used when installed: on loopback they nearly double upload throughput
(measured: 35 MB streamed to uvicorn at 330 MB/s with h11, 565 MB/s with them). Logs go to
stderr; stdout carries only the "listening" line that scripts and the client's demo mode wait for.

`serve --workers N` (`run_workers`): this process binds the socket, then starts N worker
processes that each build the app and serve that one socket (the OS hands each connection to
one of them), prints the listening line once all of them accept connections, starts a worker
again when one dies, and stops them all on SIGINT or SIGTERM. Workers are spawned, not forked:
each opens its own database connections, and the same code runs on Windows.
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

LISTENING = "CaseDesktop server listening on {url}"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STOP_TIMEOUT = 15.0  # seconds a worker has to finish its requests (uvicorn gives them 5) and exit
STEADY = 10.0  # a worker that ran this long before dying is started again at once
LONGEST_RESTART_PAUSE = 30.0  # between restarts of a worker that keeps dying young

log = logging.getLogger(__name__)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 picks a free one)."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    if sys.platform != "win32":  # on Windows this flag lets another process steal the port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _log_config_to_stderr() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return config


def check_proxy(text: str) -> str:
    """A trusted proxy: an IP address or network (10.0.0.0/8); ValueError says what is wrong."""
    text = text.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/8)"
        ) from None


def uvicorn_config(
    app: Any,
    sock: socket.socket,
    *,
    log_level: str = "info",
    trusted_proxies: Sequence[str] = (),
) -> uvicorn.Config:
    """`trusted_proxies`: the reverse proxies whose X-Forwarded-For / -Proto name the client.
    None by default: uvicorn alone trusts 127.0.0.1, so any local process could then claim any
    address and dodge the per-address sign-in limits (services/ratelimit.py)."""
    host, port = sock.getsockname()[:2]
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        log_config=_log_config_to_stderr(),
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=5,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=[check_proxy(one) for one in trusted_proxies],
    )


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls `on_started` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None = None):
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_started is not None:
            self._on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        release_long_polls(self.config.app)
        await super().shutdown(sockets=sockets)


def release_long_polls(app: Any) -> None:
    """Answer the feed's waiting long-polls now (empty pages): uvicorn's graceful shutdown waits
    for open requests, and would otherwise sit out its timeout, then cancel them with a traceback
    each."""
    waiters = getattr(getattr(app, "state", None), "live", None)
    if waiters is not None:
        waiters.release_all()


def run_server(
    app: Any,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    trusted_proxies: Sequence[str] = (),
) -> None:
    """Serve until interrupted; print the listening line to stdout once it is true."""
    sock = bind_socket(host, port)
    url = socket_url(sock)

    def announce() -> None:
        print(LISTENING.format(url=url), flush=True)

    config = uvicorn_config(app, sock, log_level=log_level, trusted_proxies=trusted_proxies)
    server = AnnouncingServer(config, announce)
    try:
        serve_until_stopped(server, sock)
    finally:
        sock.close()


class _Stopped(Exception):
    """SIGTERM came: a normal way to stop, as Ctrl-C is."""


def _stopped(_sig: int, _frame: object) -> None:
    raise _Stopped


def serve_until_stopped(server: uvicorn.Server, sock: socket.socket) -> None:
    """Run `server` on `sock` until SIGINT or SIGTERM, then return normally (exit status 0).
    uvicorn shuts down gracefully on either, then raises the signal again for whoever handled it
    before: here a KeyboardInterrupt, or `_Stopped` instead of dying of SIGTERM."""
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def configure_logging(log_level: str) -> None:
    """The server's own messages to stderr (uvicorn's are set up by its config)."""
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format=LOG_FORMAT)


def run_workers(
    app_factory: Callable[[], Any],
    host: str,
    port: int,
    workers: int,
    *,
    log_level: str = "info",
    trusted_proxies: Sequence[str] = (),
) -> int:
    """Serve with `workers` processes until SIGINT or SIGTERM; 0 then, 1 when they could not
    start. `app_factory` builds the app in each worker, so it must pickle (a module-level
    function, or functools.partial of one)."""
    sock = bind_socket(host, port)
    url = socket_url(sock)
    try:
        pool = _Workers(
            workers,
            (app_factory, sock, log_level, tuple(trusted_proxies)),
            on_all_started=lambda: print(LISTENING.format(url=url), flush=True),
        )
        return pool.run()
    finally:
        sock.close()


def _worker_main(
    app_factory: Callable[[], Any],
    sock: socket.socket,
    log_level: str,
    trusted_proxies: tuple[str, ...],
    started: Connection,
) -> None:
    """One worker process: build the app, serve the shared socket, tell the parent once it
    accepts connections."""
    configure_logging(log_level)
    _exit_with_parent()
    config = uvicorn_config(
        app_factory(), sock, log_level=log_level, trusted_proxies=trusted_proxies
    )
    serve_until_stopped(AnnouncingServer(config, lambda: started.send(os.getpid())), sock)


def _exit_with_parent(every: float = 1.0) -> None:
    """A worker whose supervisor is gone (killed with -9) stops too, instead of serving on
    unsupervised and keeping the port from the next start: it asks for its own graceful stop."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="casedesktop-parent-watch", daemon=True).start()


@dataclass
class _Worker:
    process: BaseProcess
    started: Connection | None  # the parent's end; None once the worker said so or hung up
    born: float = field(default_factory=time.monotonic)
    up: bool = False


@dataclass
class _Slot:
    """One of the N places: its worker, or (while it is None) when to start the next one."""

    worker: _Worker | None = None
    restart_at: float = 0.0
    quick_deaths: int = 0  # in a row, each before STEADY: the pause doubles with each

    def pause_after_death(self) -> float:
        assert self.worker is not None
        lived = time.monotonic() - self.worker.born
        self.quick_deaths = 0 if lived >= STEADY else self.quick_deaths + 1
        if not self.quick_deaths:
            return 0.0
        return min(LONGEST_RESTART_PAUSE, 0.5 * 2**self.quick_deaths)


class _Workers:
    """The parent's side: start, watch, replace and stop the worker processes."""

    def __init__(
        self, count: int, worker_args: tuple[Any, ...], on_all_started: Callable[[], None]
    ):
        self._context = multiprocessing.get_context("spawn")
        self._slots = [_Slot() for _ in range(count)]
        self._worker_args = worker_args
        self._on_all_started = on_all_started
        self._stop = threading.Event()

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, lambda _sig, _frame: self._stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for slot in self._slots:
                slot.worker = self._start()
            return self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_worker_main, args=(*self._worker_args, theirs), name="casedesktop-worker"
        )
        process.start()
        theirs.close()  # the worker holds the other copy: its death closes the pipe
        return _Worker(process, ours)

    def _watch(self) -> int:
        announced = False
        while not self._stop.is_set():
            workers = [slot.worker for slot in self._slots if slot.worker is not None]
            wait(
                [w.started for w in workers if w.started is not None]
                + [w.process.sentinel for w in workers],
                timeout=0.2,
            )
            for slot in self._slots:
                if slot.worker is None:
                    if time.monotonic() >= slot.restart_at:
                        slot.worker = self._start()
                    continue
                self._hear(slot.worker)
                if slot.worker.process.is_alive() or self._stop.is_set():
                    continue
                process = slot.worker.process
                if not announced:  # the app, the database or the socket is wrong: say so once
                    log.error(
                        "A worker process stopped while starting (exit code %s); stopping.",
                        process.exitcode,
                    )
                    return 1
                pause = slot.pause_after_death()
                log.warning(
                    "Worker process %s stopped (exit code %s); starting another%s.",
                    process.pid,
                    process.exitcode,
                    f" in {pause:g} s" if pause else "",
                )
                process.join()
                slot.worker, slot.restart_at = None, time.monotonic() + pause
            if not announced and all(s.worker is not None and s.worker.up for s in self._slots):
                announced = True
                self._on_all_started()
        return 0

    @staticmethod
    def _hear(worker: _Worker) -> None:
        """Note the worker's "started" message, if it came."""
        if worker.started is None or not worker.started.poll():
            return
        try:
            worker.started.recv()
            worker.up = True
        except (EOFError, OSError):
            pass  # it died first: its sentinel says so
        worker.started.close()
        worker.started = None

    def _stop_all(self) -> None:
        """SIGTERM to each (uvicorn finishes its requests), then wait; kill whatever is left."""
        workers = [slot.worker for slot in self._slots if slot.worker is not None]
        for worker in workers:
            if worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning(
                    "Worker process %s did not stop in time; killing it.", worker.process.pid
                )
                worker.process.kill()
                worker.process.join()
            if worker.started is not None:
                worker.started.close()
