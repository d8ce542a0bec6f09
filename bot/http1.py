"""A small keep-alive HTTP/1.1 client for the Bot API's JSON calls (bot/transport.py).

Every reply, button answer and getUpdates is one POST of a JSON body to one host, answered
with a short JSON body. Through aiohttp's `ClientSession` such a call cost the bot ~260 µs
of CPU (~370 µs with PTB's request objects on top), against ~140 µs for the same bytes over a
plain asyncio stream (benchmarks/README.md, "A leaner HTTP call"): the session's tracing,
cookie jar, header objects and timers are work a Bot API call does not need, and under load
that work is the bot's latency. This client does only what those calls need:

* a bounded pool of connections per host (``https`` verified with the given context), idle
  ones reused for up to KEEPALIVE_S and dropped when the server has closed them;
* one budget for waiting for a free connection and opening it (pool + connect, as aiohttp's
  `connect` timeout), a write timeout, and a read timeout for the whole answer;
* answers with Content-Length, chunked, or ending at the connection's close.

It never retries: a call may have reached Telegram before its connection failed, and only the
caller knows whether repeating it is safe (the outbox does, a replayed update's journal
does). Uploads and file downloads stay on aiohttp.

    pool = Pool(limit=256, ssl_context=context, user_agent="…")
    status, body = await pool.post(url, b'{"chat_id":7,"text":"hi"}', Timeouts(5, 5, 5, 1))
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

KEEPALIVE_S = 15.0  # aiohttp's default: an idle connection older than this is closed, not reused
# as aiohttp: a host's next address (IPv4 after a dead IPv6 route) is tried after 0.25 s,
# not after the whole connect timeout
HAPPY_EYEBALLS_S = 0.25
MAX_HEAD = 64 * 1024  # the status line and headers of an answer (StreamReader's own limit)


class Timeouts(NamedTuple):
    """Seconds (None: no limit) for a call's parts, as PTB's request timeouts."""

    read: float | None
    write: float | None
    connect: float | None
    pool: float | None


class Target(NamedTuple):
    """Where a URL's request goes: the pool key, the Host header and the request target."""

    scheme: str
    host: str
    port: int
    host_header: str
    path: str


@functools.lru_cache(maxsize=256)  # the bot calls a few dozen distinct method URLs
def target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {parts.scheme}://…")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, parts.netloc.rpartition("@")[2], path)


class ConnectionClosed(ConnectionError):
    """The server closed the connection before its answer was complete."""


@dataclass(eq=False)
class Connection:
    """One open connection to a host, and since when it has been idle in the pool."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        return (not self.writer.is_closing() and not self.reader.at_eof()
                and now - self.idle_since < KEEPALIVE_S)  # fmt: skip

    def close(self) -> None:
        self.writer.close()


class Pool:
    """At most `limit` connections in use at once, over all hosts; idle ones kept per host."""

    def __init__(self, limit: int, ssl_context: ssl.SSLContext, user_agent: str) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._ssl = ssl_context
        self._agent = user_agent
        self._idle: dict[tuple[str, str, int], deque[Connection]] = {}
        self.opened = 0  # connections opened (tests: reuse)
        self.closed = False

    async def post(self, url: str, body: bytes, timeouts: Timeouts,
                   content_type: str | None = "application/json") -> tuple[int, bytes]:  # fmt: skip
        """POST `body` (`content_type` None: no Content-Type, for an empty body); the
        answer's status and body. Raises TimeoutError, OSError (the connection failed,
        ConnectionClosed among them) or ValueError (not HTTP)."""
        if self.closed:
            raise RuntimeError("the HTTP pool is shut down")
        where = target(url)
        kind = f"Content-Type: {content_type}\r\n" if content_type else ""
        head = (f"POST {where.path} HTTP/1.1\r\nHost: {where.host_header}\r\n"
                f"User-Agent: {self._agent}\r\n{kind}Content-Length: {len(body)}\r\n\r\n"
                ).encode()  # fmt: skip
        async with _within(_budget(timeouts.pool, timeouts.connect)):  # one budget for both
            await self._slots.acquire()
            try:
                conn = await self._connection(where)
            except BaseException:
                self._slots.release()
                raise
        try:
            try:
                conn.writer.write(head + body)
                async with _within(timeouts.write):
                    await conn.writer.drain()
                async with _within(timeouts.read):
                    status, answer, keep = await _read_answer(conn.reader)
            except BaseException:  # a timeout, a failure, a cancel: the stream's state is unknown
                conn.close()
                raise
            self._release(where, conn, keep)
            return status, answer
        finally:
            self._slots.release()

    async def _connection(self, where: Target) -> Connection:
        idle = self._idle.get((where.scheme, where.host, where.port))
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have timed out
            if conn.usable(now):
                return conn
            conn.close()
        tls = self._ssl if where.scheme == "https" else None
        reader, writer = await asyncio.open_connection(
            where.host, where.port, ssl=tls, server_hostname=where.host if tls else None,
            limit=MAX_HEAD, happy_eyeballs_delay=HAPPY_EYEBALLS_S,
        )
        self.opened += 1
        return Connection(reader, writer)

    def _release(self, where: Target, conn: Connection, keep: bool) -> None:
        if not keep or self.closed:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle.setdefault((where.scheme, where.host, where.port), deque()).append(conn)

    def close(self) -> None:
        """Close the idle connections; those in use close when their call ends."""
        self.closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


def _budget(pool: float | None, connect: float | None) -> float | None:
    return None if pool is None or connect is None else pool + connect


def _within(seconds: float | None) -> asyncio.Timeout:
    return asyncio.timeout(None if seconds is None else max(seconds, 0.0))


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection can be reused) of one answer."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        raise ConnectionClosed("the server closed the connection without an answer") from exc
    except asyncio.LimitOverrunError as exc:
        raise ValueError("an answer's headers over 64 KiB") from exc
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ValueError(f"not an HTTP/1.x answer: {lines[0][:40]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif int(code) in (204, 304) or 100 <= int(code) < 200:
            body = b""
        else:  # the body ends where the connection does
            body, keep = await reader.read(), False
    except asyncio.IncompleteReadError as exc:
        raise ConnectionClosed("the server closed the connection mid-answer") from exc
    return int(code), body, keep


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)  # the chunk's CRLF
