"""Webhook mode: Telegram POSTs each update to us instead of us polling for it.

Our own small aiohttp server (aiohttp is a dependency already; PTB's `run_webhook` needs
tornado and has no room for /healthz) serves two routes:

- `POST <path>`: one update. Without the right `X-Telegram-Bot-Api-Secret-Token` header:
  403. A good update is put on `app.update_queue` and answered 200 at once; PTB's update
  fetcher takes it from there, through our per-user update processor, exactly as in
  polling mode. (Answering only after the handler finished would hold Telegram's
  connection for the handler's whole run and, with Telegram's few connections per bot,
  make one slow chat delay everyone.)
- `GET /healthz`: see bot/health.py.

`<path>` is STRIDECOACH_WEBHOOK_PATH, by default the path of STRIDECOACH_WEBHOOK_URL, so a
reverse proxy that passes paths through unchanged needs no rewriting; it is never the
token. The secret is STRIDECOACH_WEBHOOK_SECRET or, when that is unset, a random one kept
in `<db>.webhook-secret` (mode 0600) so it survives restarts: Telegram keeps sending the
updates it queued while we were down with the secret it knows.

Shutdown (SIGTERM or SIGINT): new POSTs get 503 (Telegram retries them later), the server
closes, `app.stop()` finishes every update already taken, the outbox sender finishes the
message in hand (post_stop), and the database is closed (post_shutdown). The webhook stays
registered, so Telegram holds new updates until we are back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import signal
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import health, logs
from bot.settings import SECRET_TOKEN, Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 40
DEFAULT_PATH = "/"


def listen_path(settings: Settings) -> str:
    """Where the server takes updates: STRIDECOACH_WEBHOOK_PATH, else the URL's path."""
    if settings.webhook_path:
        return settings.webhook_path
    return urlsplit(settings.webhook_url or "").path or DEFAULT_PATH


def secret_file(db: str) -> Path:
    return Path(f"{db}.webhook-secret")


def load_or_create_secret(db: str) -> str:
    """The secret kept next to the database, made (random, 256 bits) on first use."""
    if not db or db == ":memory:":
        return secrets.token_urlsafe(32)
    path = secret_file(db)
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = ""
    if SECRET_TOKEN.fullmatch(value):
        return value
    value = secrets.token_urlsafe(32)  # A-Z a-z 0-9 _ -, as Telegram requires
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    log.info("webhook secret generated and kept in %s", path)
    return value


def webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return load_or_create_secret(settings.db)


class WebhookServer:
    """The aiohttp server: updates on `path` (checked against `secret`) and /healthz."""

    def __init__(self, app: Application, *, path: str, secret: str, listen: str, port: int):
        self.app = app
        self.path = path
        self.listen = listen
        self.port = port
        self._secret = secret.encode()
        self._runner: web.AppRunner | None = None
        self.draining = False
        self.received = 0
        self.rejected = 0
        self.web_app = web.Application()
        self.web_app.router.add_post(path, self._receive)
        health.add_routes(self.web_app, app)

    async def start(self) -> None:
        self._runner = await health.start_server(self.web_app, self.listen, self.port)

    async def stop(self) -> None:
        """Refuse new updates (503), then close the server."""
        self.draining = True
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not given or not hmac.compare_digest(given.encode(), self._secret):
            self.rejected += 1
            log.warning("webhook: refused a request from %s: %s secret token", request.remote,
                        "wrong" if given else "no")  # fmt: skip
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if self.draining:
            return web.json_response({"ok": False, "error": "shutting down"}, status=503)
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("webhook: unreadable update (%s)", type(exc).__name__)
            update = None
        if update is None:
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await self.app.update_queue.put(update)
        self.received += 1
        return web.json_response({"ok": True})


async def serve(app: Application, settings: Settings, stop: asyncio.Event | None = None, *,
                handle_signals: bool = True) -> None:  # fmt: skip
    """Run `app` in webhook mode until SIGTERM/SIGINT (or `stop` is set), then shut down
    cleanly. Mirrors what PTB's run_polling does around post_init/post_stop/post_shutdown."""
    if not settings.webhook_url:
        raise ValueError("webhook mode needs STRIDECOACH_WEBHOOK_URL (or --webhook-url)")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, _on_signal, stop, sig)
    secret = webhook_secret(settings)
    logs.add_secret(secret)
    server = WebhookServer(app, path=listen_path(settings), secret=secret,
                           listen=settings.webhook_listen, port=settings.webhook_port)  # fmt: skip
    try:
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await server.start()
        await app.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
            max_connections=MAX_CONNECTIONS,
        )  # fmt: skip
        log.info("webhook mode: taking updates on %s:%d%s", server.listen, server.port, server.path)
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        await server.stop()
        try:
            if app.running:
                await app.stop()  # every update already taken is handled first
                if app.post_stop:
                    await app.post_stop(app)
            await app.shutdown()
        finally:
            if app.post_shutdown:
                await app.post_shutdown(app)
            for sig in signals:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)
        log.info("stopped (%d update(s) taken, %d refused)", server.received, server.rejected)


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        log.info("%s: already stopping", sig.name)
    stop.set()


def run(app: Application, settings: Settings) -> int:
    """`stridecoach run` in webhook mode; the exit status."""
    asyncio.run(serve(app, settings))
    return 0
