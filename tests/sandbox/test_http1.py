"""bot/http1.py: the keep-alive client for the Bot API's JSON calls, against scripted servers
that answer as real ones may — chunked, without a length, closing, slowly, or not at all."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme
from telegram.error import NetworkError
from telegram.request import RequestData

from bot import http1
from bot.http1 import ConnectionClosed, Pool, Timeouts
from bot.transport import BotApiRequest

QUICK = Timeouts(read=2, write=2, connect=2, pool=1)
OK = b'{"ok":true,"result":true}'


def fixed(body: bytes = OK, *, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


# the request's bytes -> the answer (None: hang up; (answer, "close"): hang up after it)
Answer = Callable[[bytes], bytes | tuple[bytes, str] | None]


class Server:
    """A TCP server answering each request with `answer(request)`; it counts connections and
    keeps every request's bytes."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                reply = self.answer(request)
                if reply is None:
                    break
                close = isinstance(reply, tuple)
                writer.write(reply[0] if close else reply)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(answer)
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
        servers.append(listening)
        port = listening.sockets[0].getsockname()[1]
        server.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/bot42:T/sendMessage"
        return server

    yield start
    for listening in servers:
        listening.close()


def pool(limit: int = 8, context: ssl.SSLContext | None = None) -> Pool:
    return Pool(limit, context or ssl.create_default_context(), "stridecoach-test")


async def test_one_connection_carries_many_calls(serve) -> None:
    server = await serve(lambda request: fixed())
    client = pool()
    for n in range(20):
        assert await client.post(server.url, b'{"n":%d}' % n, QUICK) == (200, OK)
    assert server.connections == client.opened == 1
    first = server.requests[0]
    assert first.startswith(b"POST /bot42:T/sendMessage HTTP/1.1\r\n")
    assert b"\r\nContent-Type: application/json\r\n" in first and first.endswith(b'{"n":0}')
    assert b"\r\nHost: 127.0.0.1:" in first
    client.close()


async def test_answers_chunked_or_ending_at_close_are_read_whole(serve) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{\"ok\"\r\n14;ext=1\r\n:true,\"result\":true}\r\n0\r\nX-T: 1\r\n\r\n")  # fmt: skip
    server = await serve(lambda request: chunked)
    client = pool()
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    assert server.connections == 1  # a chunked answer leaves the connection reusable

    unbounded = await serve(lambda request: (b"HTTP/1.1 200 OK\r\n\r\n" + OK, "close"))
    assert await client.post(unbounded.url, b"{}", QUICK) == (200, OK)  # ends at the close
    assert await client.post(unbounded.url, b"{}", QUICK) == (200, OK)
    assert unbounded.connections == 2  # so each one needs a new connection
    client.close()


async def test_connection_close_and_an_idle_hang_up_open_a_new_connection(serve) -> None:
    closing = await serve(lambda request: fixed(extra=b"Connection: close\r\n"))
    client = pool()
    for _ in range(3):
        assert await client.post(closing.url, b"{}", QUICK) == (200, OK)
    assert closing.connections == 3

    server = await serve(lambda request: fixed())
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    server.writers[0].close()  # the server drops the idle connection (its keep-alive ended)
    await asyncio.sleep(0.05)
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)  # not an error
    assert server.connections == 2
    client.close()


async def test_an_idle_connection_past_its_keepalive_is_not_reused(serve, monkeypatch) -> None:
    server = await serve(lambda request: fixed())
    client = pool()
    await client.post(server.url, b"{}", QUICK)
    monkeypatch.setattr(http1, "KEEPALIVE_S", 0.0)
    await client.post(server.url, b"{}", QUICK)
    assert server.connections == 2
    client.close()


async def test_a_hang_up_or_garbage_instead_of_an_answer_is_an_error(serve) -> None:
    silent = await serve(lambda request: None)
    client = pool()
    with pytest.raises(ConnectionClosed):
        await client.post(silent.url, b"{}", QUICK)
    cut = await serve(lambda request: b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\"")
    task = asyncio.create_task(client.post(cut.url, b"{}", QUICK))
    await asyncio.sleep(0.1)
    cut.writers[0].close()
    with pytest.raises(ConnectionClosed):
        await task
    garbage = await serve(lambda request: b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(ValueError, match="not an HTTP"):
        await client.post(garbage.url, b"{}", QUICK)
    client.close()


async def test_a_slow_answer_times_out_and_its_connection_is_not_reused(serve) -> None:
    answers = iter([None, fixed()])  # the first request is never answered

    def answer(request: bytes) -> bytes | None:
        reply = next(answers)
        return reply if reply is not None else b""  # b"": write nothing, keep the line open

    server = await serve(answer)
    client = pool()
    with pytest.raises(TimeoutError):
        await client.post(server.url, b"{}", Timeouts(read=0.2, write=1, connect=1, pool=1))
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    assert server.connections == 2  # the timed-out one might yet carry the late answer
    client.close()


async def test_a_cancelled_call_closes_its_connection(serve) -> None:
    answered = asyncio.Event()

    def answer(request: bytes) -> bytes:
        answered.set()
        return b""  # the answer never comes

    server = await serve(answer)
    client = pool()
    call = asyncio.create_task(client.post(server.url, b"{}", QUICK))
    await answered.wait()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    server.answer = lambda request: fixed()
    assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    assert server.connections == 2
    client.close()


async def test_the_limit_holds_calls_until_a_connection_is_free(serve) -> None:
    started = 0

    def answer(request: bytes) -> bytes:
        nonlocal started
        started += 1
        return fixed()

    server = await serve(answer)
    client = pool(limit=2)
    results = await asyncio.gather(*(client.post(server.url, b"{}", QUICK) for _ in range(10)))
    assert results == [(200, OK)] * 10 and started == 10
    assert server.connections == 2  # never more than the limit at once
    client.close()


async def test_https_is_verified_and_kept_alive(serve) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    server = await serve(lambda request: fixed(), tls=server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    client = pool(context=trusting)
    for _ in range(3):
        assert await client.post(server.url, b"{}", QUICK) == (200, OK)
    assert server.connections == 1
    client.close()
    with pytest.raises(ssl.SSLCertVerificationError):  # a CA the client does not trust
        await pool().post(server.url, b"{}", QUICK)


async def test_the_transport_maps_failures_to_ptb_errors_without_the_token(serve) -> None:
    server = await serve(lambda request: None)
    request = BotApiRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(server.url, RequestData())
        assert "42:T" not in str(caught.value)
        first = server.requests[0]
        assert b"Content-Length: 0\r\n" in first and b"Content-Type" not in first  # no body
    finally:
        await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(server.url, "POST")
