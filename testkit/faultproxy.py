"""A fault-injecting HTTP/1.1 proxy on loopback, between the sync client and the server.

It understands just enough HTTP (request and response heads, Content-Length and chunked bodies)
to pick a fault per request, also on kept-alive connections:

- PASS: forward both ways.
- REFUSE: the connection is reset before anything is read (and `down()` closes the listening
  socket, so connecting is refused outright).
- DROP_BEFORE: the request is read but never forwarded; the connection closes.
- DROP_AFTER: the request reaches the server (which applies it), the answer is thrown away and
  the connection closes: the client never learns what happened.
- CUT_REQUEST: half of the request body is forwarded, then both sides are closed.
- CUT_RESPONSE: the answer's head and half of its body reach the client, then the connection closes.
- SLOW: both ways throttled (small pieces, a delay between them): a slow link.
- STALL: the request is forwarded, the answer held until the client's read timeout has passed.
- BUSY / RATE_LIMITED: the proxy answers 503 / 429 with Retry-After itself.

It counts the request body bytes the client sent, by method, and keeps every exchange (when it
began, its body bytes, the server's answer), so a test can tell what was sent in vain.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    PASS = "pass"
    REFUSE = "refuse"
    DROP_BEFORE = "drop_before_request"
    DROP_AFTER = "drop_after_request"
    CUT_REQUEST = "cut_request_body"
    CUT_RESPONSE = "cut_response_body"
    SLOW = "slow"
    STALL = "stall"
    BUSY = "busy"  # answered by the proxy: 503 with Retry-After, the server never sees it
    RATE_LIMITED = "rate_limited"  # answered by the proxy: 429 with Retry-After


Plan = Callable[[int, str, str], Fault]  # (request number, method, path) -> fault


def random_plan(seed: int, fault_rate: float = 0.4, faults: tuple[Fault, ...] = tuple(Fault)) -> Plan:
    rng = random.Random(seed)
    bad = [f for f in faults if f is not Fault.PASS]

    def plan(_n: int, _method: str, _path: str) -> Fault:
        return rng.choice(bad) if bad and rng.random() < fault_rate else Fault.PASS

    return plan


def cycling_plan(seed: int, fault_rate: float = 0.5) -> Plan:
    """Like random_plan, but the faults come round in turn (shuffled each round), so a short
    run still meets every one of them."""
    rng = random.Random(seed)
    bad = [f for f in Fault if f is not Fault.PASS]
    upcoming: list[Fault] = []

    def plan(_n: int, _method: str, _path: str) -> Fault:
        if rng.random() >= fault_rate:
            return Fault.PASS
        if not upcoming:
            upcoming.extend(rng.sample(bad, len(bad)))
        return upcoming.pop()

    return plan


@dataclass(frozen=True)
class Exchange:
    """One request through the proxy: when its head arrived, the body bytes the client sent,
    and the server's answer (status None: it never reached the server, or no answer came)."""

    started: float  # time.monotonic()
    method: str
    path: str
    body_bytes: int
    status: int | None
    headers: dict[str, str]  # the answer's, names in lower case


class _Closed(Exception):
    pass


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], plan: Plan | None = None, *,
                 stall_seconds: float = 6.0, slow_piece: int = 16 * 1024, slow_delay: float = 0.01,
                 upload_rate: dict[str, float] | None = None):
        self.upstream = upstream
        # Request bodies of these methods are read from the client at most this fast (bytes/s),
        # as over a real uplink: a client killed mid-body leaves part of it unsent.
        self.upload_rate = upload_rate or {}
        self.retry_after = 1  # seconds, in the proxy's own 503 and 429 answers
        self.plan: Plan = plan or (lambda *_: Fault.PASS)
        self.stall_seconds = stall_seconds
        self.slow_piece = slow_piece
        self.slow_delay = slow_delay
        self.requests = 0
        self.faults: Counter[str] = Counter()
        # Request body bytes the client sent, by method (forwarded, or cut off on the way).
        self.body_bytes_up: Counter[str] = Counter()
        self.exchanges: list[Exchange] = []  # every request that got as far as its body, in order
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self.port = 0
        self._listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- listening ---------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True,
                                  name="faultproxy-accept")
        thread.start()
        self._threads.append(thread)

    def down(self) -> None:
        """Refuse connections (nothing listens on the port) until `up()`."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        self.drop_connections()

    def up(self) -> None:
        if self._listener is None:
            self._listen()

    def drop_connections(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _close(sock)

    def stop(self) -> None:
        self._stopping.set()
        self.down()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no connection is open: after its client was killed, every request the
        proxy forwarded has its answer and every byte the client sent is counted. False when
        connections are still open after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._sockets:
                    return True
            time.sleep(0.005)
        return False

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True,
                                      name="faultproxy-conn")
            thread.start()

    # --- one client connection ----------------------------------------------------------------

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        upstream: socket.socket | None = None
        reader = _Reader(client)
        first = True
        try:
            while True:
                head = reader.head()
                if head is None:
                    return
                method, path = _request_line(head)
                started = time.monotonic()
                with self._lock:
                    self.requests += 1
                    number = self.requests
                fault = self.plan(number, method, path)
                with self._lock:
                    self.faults[fault.value] += 1
                if fault is Fault.REFUSE and first:
                    _reset(client)
                    return
                if fault in (Fault.REFUSE, Fault.DROP_BEFORE):
                    return
                try:
                    reader.rate = self.upload_rate.get(method)
                    body = reader.body(head, request=True)
                    reader.rate = None
                except (_Closed, OSError):  # the client died or gave up mid-body: count what came
                    self._count(method, len(reader.buffer))
                    self._log(Exchange(started, method, path, len(reader.buffer), None, {}))
                    raise
                if fault in (Fault.BUSY, Fault.RATE_LIMITED):
                    status = b"503 Service Unavailable" if fault is Fault.BUSY else b"429 Too Many Requests"
                    self._log(Exchange(started, method, path, len(body), int(status[:3]), {}))
                    client.sendall(b"HTTP/1.1 " + status + b"\r\nRetry-After: " +
                                   str(self.retry_after).encode() +
                                   b"\r\nContent-Length: 0\r\n\r\n")
                    first = False
                    continue
                if upstream is None:
                    upstream = self._track(socket.create_connection(self.upstream))
                    up_reader = _Reader(upstream)
                if fault is Fault.CUT_REQUEST:
                    upstream.sendall(head + body[: len(body) // 2])
                    self._count(method, len(body) // 2)
                    self._log(Exchange(started, method, path, len(body) // 2, None, {}))
                    time.sleep(0.05)
                    return
                self._send(upstream, head + body, fault)
                self._count(method, len(body))
                try:
                    answer_head = up_reader.head()
                except (_Closed, OSError):
                    answer_head = None
                self._log(Exchange(started, method, path, len(body),
                                   int(answer_head.split(b" ", 2)[1]) if answer_head else None,
                                   _headers(answer_head) if answer_head else {}))
                if answer_head is None:
                    return
                answer_body = up_reader.body(answer_head, request=False, method=method)
                if fault is Fault.DROP_AFTER:
                    return
                if fault is Fault.STALL:
                    self._stopping.wait(self.stall_seconds)
                    return
                if fault is Fault.CUT_RESPONSE:
                    if answer_body:
                        client.sendall(answer_head + answer_body[: len(answer_body) // 2])
                    else:  # no body to cut: cut the head instead
                        client.sendall(answer_head[: len(answer_head) // 2])
                    return
                self._send(client, answer_head + answer_body, fault)
                first = False
                if b"connection: close" in head.lower() or b"connection: close" in answer_head.lower():
                    return
        except (OSError, _Closed):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    _close(sock)
                    with self._lock:
                        self._sockets.discard(sock)

    def _count(self, method: str, size: int) -> None:
        with self._lock:
            self.body_bytes_up[method] += size

    def _log(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def _send(self, sock: socket.socket, data: bytes, fault: Fault) -> None:
        if fault is not Fault.SLOW:
            sock.sendall(data)
            return
        for start in range(0, len(data), self.slow_piece):
            sock.sendall(data[start:start + self.slow_piece])
            time.sleep(self.slow_delay)


class _Reader:
    """Buffered reads of HTTP heads and bodies from a socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""
        self.rate: float | None = None  # bytes per second, while reading a throttled body

    def _fill(self) -> bool:
        piece = 64 * 1024 if self.rate else 256 * 1024
        data = self.sock.recv(piece)
        if not data:
            return False
        self.buffer += data
        if self.rate:
            time.sleep(len(data) / self.rate)
        return True

    def head(self) -> bytes | None:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                if self.buffer:
                    raise _Closed
                return None
        end = self.buffer.index(b"\r\n\r\n") + 4
        head, self.buffer = self.buffer[:end], self.buffer[end:]
        return head

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise _Closed
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise _Closed
        end = self.buffer.index(b"\r\n") + 2
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def body(self, head: bytes, *, request: bool, method: str = "") -> bytes:
        headers = _headers(head)
        if not request:
            status = int(head.split(b" ", 2)[1])
            if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
                return b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            out = b""
            while True:
                size_line = self.line()
                out += size_line
                size = int(size_line.split(b";")[0].strip(), 16)
                out += self.exactly(size + 2)
                if size == 0:
                    return out
        length = headers.get("content-length")
        if length is not None:
            return self.exactly(int(length))
        if request:
            return b""
        while self._fill():  # until the server closes
            pass
        data, self.buffer = self.buffer, b""
        return data


def _request_line(head: bytes) -> tuple[str, str]:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    return parts[0].decode("latin-1"), parts[1].decode("latin-1") if len(parts) > 1 else ""


def _headers(head: bytes) -> dict[str, str]:
    found = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            found[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return found


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
