"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending its next
request as soon as the last answer is in, for a fixed time. asyncio (uvloop when installed) and
raw streams, so one core drives thousands of requests a second; its own CPU use is reported, so
a run where the generator rather than the server was the limit can be seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    generator_cpu_pct: float = 0.0
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


RequestFactory = Callable[
    [int], tuple[str, str, bytes, dict[str, str]]
]  # method, path, body, headers


def _encode(host: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "Connection: keep-alive",
        "User-Agent: casedesktop-bench",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = b""
    return status, body


async def _run(
    url: str, make: RequestFactory, clients: int, seconds: float, ok: tuple[int, ...]
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = LoadResult()
    counter = 0
    stop_at = 0.0

    async def client() -> None:
        nonlocal counter
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                counter += 1
                method, path, body, headers = make(counter)
                t0 = time.perf_counter()
                writer.write(_encode(f"{host}:{port}", method, path, body, headers))
                status, answer = await _read_response(reader)
                t1 = time.perf_counter()
                if t1 > stop_at:
                    break  # finished after the bell: not counted
                result.latencies_ms.append((t1 - t0) * 1000)
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status not in ok:
                    result.errors += 1
                    if not result.first_error:
                        result.first_error = f"{status} {method} {path}: {answer[:200]!r}"
        finally:
            writer.close()

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    result.seconds = time.perf_counter() - t0
    result.generator_cpu_pct = 100 * (time.process_time() - cpu0) / result.seconds
    return result


def run_load(
    url: str,
    make: RequestFactory,
    *,
    clients: int,
    seconds: float,
    ok: tuple[int, ...] = (200, 201),
) -> LoadResult:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(_run(url, make, clients, seconds, ok))
    return uvloop.run(_run(url, make, clients, seconds, ok))
