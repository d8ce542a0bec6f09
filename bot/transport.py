"""PTB's HTTP layer: the `BaseRequest` the bot talks to the Bot API through (`BotApiRequest`).

PTB's default `HTTPXRequest` spent most of the bot's CPU under load in httpx/httpcore's
connection pool (py-spy, benchmarks/checkin_load.py): about 12 ms per update against 2 ms
with this class. aiohttp is already a dependency (webhook server, sandbox). Errors map as
PTB's own request does: timeouts → `TimedOut`, other transport failures → `NetworkError`;
the HTTP status and body go back to PTB, which maps 4xx/5xx to its exceptions.

A call without files goes as one JSON object (the Bot API takes ``application/json``), not
as a form: PTB's form fields are each JSON-encoded and then percent-encoded, which cost
~80 µs for an edit with a keyboard against ~12 µs for one `json.dumps`, and the body is a
quarter smaller. It goes over bot/http1.py, a keep-alive HTTP/1.1 client that does only what
such a call needs (~100 µs of CPU less per call than aiohttp's session); uploads (multipart)
and file downloads (GET) stay on aiohttp.
"""

from __future__ import annotations

import functools
import json
import ssl
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.http1 import Pool, Timeouts

try:  # httpx (a PTB dependency) brings certifi; use the same CA bundle PTB would
    import certifi

    _CA_FILE: str | None = certifi.where()
except ImportError:  # pragma: no cover - then the system's store
    _CA_FILE = None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying context for every session: loading the CA bundle costs ~35 ms of CPU,
    twice per start of the bot (its two requests), and the context never changes."""
    return ssl.create_default_context(cafile=_CA_FILE)


def _seconds(value: Any, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "use the default" and None for "no limit"."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


@functools.lru_cache(maxsize=64)  # a handful of combinations; building one costs per call
def _client_timeout(
    read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    # aiohttp's `connect` covers waiting for a pooled connection plus opening it, so pool and
    # connect share one budget; it has no write timeout, so the total bounds the whole call
    # by the sum of the parts.
    parts = (read, write, connect, pool)
    total = None if None in parts else sum(parts)  # type: ignore[arg-type]
    wait = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=wait, sock_connect=connect, sock_read=read)


class BotApiRequest(BaseRequest):
    """JSON calls over a bounded bot/http1.py pool, uploads and downloads over one aiohttp
    session with a bounded pool of its own; timeouts as PTB's HTTPXRequest."""

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._http: Pool | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections,
                ssl=_ssl_context(),
            )
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )
        if self._http is None or self._http.closed:
            self._http = Pool(self._connections, _ssl_context(), self.USER_AGENT)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        if self._http is not None:
            self._http.close()
        self._http = None

    def _timeouts(self, read: Any, write: Any, connect: Any, pool: Any, *, media: bool) -> Timeouts:
        """A call's timeouts in seconds: PTB's per-call values, else this request's own."""
        return Timeouts(
            _seconds(read, self._read),
            _seconds(write, self._media_write if media else self._write),
            _seconds(connect, self._connect),
            _seconds(pool, self._pool),
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed or self._http is None:
            raise RuntimeError("This BotApiRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        timeouts = self._timeouts(read_timeout, write_timeout, connect_timeout, pool_timeout,
                                  media=bool(files))  # fmt: skip
        if method == "POST" and not files:
            return await _post_json(self._http, url, request_data, timeouts)
        body: Any = None  # a download (GET) has none
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        try:
            async with self._session.request(
                method, url, data=body, timeout=_client_timeout(*timeouts)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts subclass it (and ClientError)
            raise TimedOut() from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


async def _post_json(http: Pool, url: str, request_data: RequestData | None,
                     timeouts: Timeouts) -> tuple[int, bytes]:  # fmt: skip
    """A call without files: its parameters as one JSON object, over bot/http1.py."""
    fields = request_data.parameters if request_data is not None else None
    # `parameters` are plain JSON values already (PTB turned its objects into dicts)
    body = json.dumps(fields, separators=(",", ":")).encode() if fields else b""
    try:
        return await http.post(url, body, timeouts, "application/json" if body else None)
    except TimeoutError as exc:
        raise TimedOut() from exc
    except (OSError, ValueError) as exc:  # the connection failed (TLS too), or not HTTP
        raise NetworkError(f"http1.{type(exc).__name__}: {exc}") from exc
