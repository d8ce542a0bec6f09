"""Webhook mode: Telegram POSTs each update to us instead of us polling for it.

Our own small aiohttp server (aiohttp is a dependency already; PTB's `run_webhook` needs
tornado and has no room for /healthz) serves two routes:

- `POST <path>`: one update. Without the right `X-Telegram-Bot-Api-Secret-Token` header:
  403 (logged once, then counted: at most one line a minute however many come). A good
  update is stored in the inbox (bot/inbox.py) and only then answered 200; it is handled
  from there through our per-user update processor, exactly as in polling mode. If it cannot
  be stored the answer is 500 and Telegram sends it again later; a copy of an update stored
  already (Telegram retries one whose 200 it did not see) is answered 200 and ignored.
  (Answering only after the handler finished would hold Telegram's connection for the
  handler's whole run and, with Telegram's few connections per bot, make one slow chat
  delay everyone.)
- `GET /healthz`: see bot/health.py.

`<path>` is STRIDECOACH_WEBHOOK_PATH, by default the path of STRIDECOACH_WEBHOOK_URL, so a
reverse proxy that passes paths through unchanged needs no rewriting; it is never the
token. The secret is STRIDECOACH_WEBHOOK_SECRET or, when that is unset, a random one kept
in `<db>.webhook-secret` (mode 0600) so it survives restarts: Telegram keeps sending the
updates it queued while we were down with the secret it knows.

Shutdown (SIGTERM or SIGINT, bot/lifecycle.py): new POSTs get 503 (Telegram retries them
later), the server closes, `app.stop()` finishes every update already taken, the outbox sender finishes the
message in hand (post_stop), and the database is closed (post_shutdown). The webhook stays
registered, so Telegram holds new updates until we are back.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import health, lifecycle, logs
from bot.inbox import slim
from bot.services import services
from bot.settings import ALLOWED_UPDATES, SECRET_TOKEN, Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECTIONS = 40
DEFAULT_PATH = "/"
REFUSED_LOG_EVERY_S = 60.0  # a flood of bad-secret requests is one line a minute, with a count


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
        self.duplicates = 0
        self.rejected = 0
        self._unlogged_refusals = 0
        self._refusal_logged_at: float | None = None
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
            self._refused(request.remote, "wrong" if given else "no")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if self.draining:
            return web.json_response({"ok": False, "error": "shutting down"}, status=503)
        body = await request.read()  # stored as received; parsed without the pressed buttons
        try:
            data = json.loads(body)
            update = Update.de_json(slim(data), self.app.bot) if _is_update(data) else None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("webhook: unreadable update (%s)", type(exc).__name__)
            update = None
        if update is None:
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        try:
            new = await services(self.app).inbox.take(update, body.decode("utf-8"))
        except Exception:  # noqa: BLE001 - not stored, so not acknowledged: Telegram retries
            log.error("webhook: could not store update %d; answered 500", update.update_id,
                      exc_info=True)  # fmt: skip
            return web.json_response({"ok": False, "error": "not stored"}, status=500)
        if new:
            self.received += 1
        else:
            self.duplicates += 1
        return web.json_response({"ok": True})

    def _refused(self, remote: str | None, what: str) -> None:
        """Count a request without the right secret; log the first, then at most one line
        per REFUSED_LOG_EVERY_S with how many came since (a scan or a flood is not a log
        line per request)."""
        self.rejected += 1
        self._unlogged_refusals += 1
        now = time.monotonic()
        if self._refusal_logged_at is None:
            log.warning("webhook: refused a request from %s: %s secret token (more are counted "
                        "and logged at most once a minute)", remote, what)  # fmt: skip
        elif now - self._refusal_logged_at >= REFUSED_LOG_EVERY_S:
            log.warning("webhook: refused %d request(s) without the right secret token in the "
                        "last %.0f s (the latest from %s: %s secret token)",
                        self._unlogged_refusals, now - self._refusal_logged_at, remote, what)  # fmt: skip
        else:
            return
        self._refusal_logged_at = now
        self._unlogged_refusals = 0


def _is_update(data: object) -> bool:
    return isinstance(data, dict) and type(data.get("update_id")) is int


async def serve(app: Application, settings: Settings, stop: asyncio.Event | None = None, *,
                handle_signals: bool = True) -> None:  # fmt: skip
    """Run `app` in webhook mode until SIGTERM/SIGINT (or `stop` is set), then shut down
    cleanly (bot/lifecycle.py)."""
    if not settings.webhook_url:
        raise ValueError("webhook mode needs STRIDECOACH_WEBHOOK_URL (or --webhook-url)")
    async with lifecycle.running(app, stop, handle_signals=handle_signals) as stopping:
        # after getMe: a rejected token or an unreachable Bot API ends here with one line
        secret = webhook_secret(settings)
        logs.add_secret(secret)
        server = WebhookServer(app, path=listen_path(settings), secret=secret,
                               listen=settings.webhook_listen, port=settings.webhook_port)  # fmt: skip
        try:
            await server.start()
            await app.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
            )  # fmt: skip
            log.info("webhook mode: taking updates on %s:%d%s", server.listen, server.port,
                     server.path)  # fmt: skip
            await stopping.wait()
            log.info("stopping: finishing the updates in hand")
        finally:
            await server.stop()
            log.info("webhook server closed (%d update(s) taken, %d copies ignored, %d refused)",
                     server.received, server.duplicates, server.rejected)  # fmt: skip


def run(app: Application, settings: Settings) -> int:
    """`stridecoach run` in webhook mode; the exit status."""
    asyncio.run(serve(app, settings))
    return 0
