"""Polling mode with our own fetch loop: no update is confirmed to Telegram before it is stored.

`getUpdates` with `offset = last + 1` confirms every update below it, and Telegram never
sends those again. PTB's Updater asks for the next batch (so confirms the last one) as soon
as it has queued it, before any handler ran: a kill then loses the batch. So the Application
is built without an updater and this loop does the fetching: ask, store the batch in the
inbox (bot/inbox.py, one transaction), and only then ask again with the offset that confirms
it. A kill between the two leaves the batch unconfirmed; Telegram sends it again, and the
copies of anything already stored are ignored by `update_id`.

At start the first request has no offset: Telegram answers with every update it still
holds unconfirmed — exactly those we might not have stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import lifecycle
from bot.services import services
from bot.settings import ALLOWED_UPDATES, Settings
from dialogs.chat import retry_seconds

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 10  # long polling: Telegram holds the request until an update comes
BATCH_LIMIT = 100
RETRY_FIRST_S, RETRY_MAX_S = 0.5, 30.0
STORE_RETRY_S = 1.0

# the raw answer (a list of JSON dicts) is what the inbox stores; Bot.get_updates would parse
# it into Update objects and hide it
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(get_updates|getUpdates)'")


class Poller:
    """Long-polls getUpdates into the application's inbox until stopped."""

    def __init__(self, app: Application, *, timeout: int = POLL_TIMEOUT_S) -> None:
        self.app = app
        self.inbox = services(app).inbox
        self.timeout = timeout
        self.offset: int | None = None
        self.batches = 0
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        # a webhook left over from webhook mode would answer getUpdates with 409; its pending
        # updates stay with Telegram and come to us by polling
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="poller")

    async def stop(self) -> None:
        """Stop asking. A request in flight is dropped: what it would have returned is still
        unconfirmed, so Telegram sends it again to the next process."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = RETRY_FIRST_S
        conflicts = 0
        while True:
            try:
                raw = await self._fetch()
            except (InvalidToken, asyncio.CancelledError):
                raise
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except Conflict:
                conflicts += 1
                if conflicts in (1, 10) or conflicts % 100 == 0:
                    log.warning("polling: Telegram says another getUpdates consumer is running "
                                "with this token (409 Conflict, %d time(s))", conflicts)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            except (NetworkError, TelegramError) as exc:  # TimedOut is a NetworkError
                log.warning("polling: getUpdates failed (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            delay, conflicts = RETRY_FIRST_S, 0
            if not raw:
                continue
            while True:
                try:
                    await self.inbox.take_batch(raw)  # stored before the next call confirms it
                    break
                except Exception:  # noqa: BLE001 - not stored: not confirmed either
                    log.error("polling: could not store %d update(s); retrying", len(raw),
                              exc_info=True)  # fmt: skip
                    await asyncio.sleep(STORE_RETRY_S)
            self.offset = raw[-1]["update_id"] + 1
            self.batches += 1

    async def _fetch(self) -> list[dict]:
        params: dict = {"timeout": self.timeout, "limit": BATCH_LIMIT,
                        "allowed_updates": ALLOWED_UPDATES}  # fmt: skip
        if self.offset is not None:
            params["offset"] = self.offset
        result = await self.app.bot.do_api_request(
            "getUpdates", params, read_timeout=self.timeout + 5
        )
        return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


async def serve(app: Application, settings: Settings | None = None,
                stop: asyncio.Event | None = None, *, handle_signals: bool = True,
                timeout: int = POLL_TIMEOUT_S) -> None:  # fmt: skip
    """Run `app` in polling mode until SIGTERM/SIGINT (or `stop`), then shut down cleanly."""
    async with lifecycle.running(app, stop, handle_signals=handle_signals) as stopping:
        poller = Poller(app, timeout=timeout)
        await poller.start()
        log.info("polling mode: asking Telegram for updates")
        try:
            done = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({done, poller._task}, return_when=asyncio.FIRST_COMPLETED)
            if not done.done():  # the poller ended by itself: a rejected token
                done.cancel()
                poller._task.result()
            log.info("stopping: finishing the updates in hand")
        finally:
            await poller.stop()


def run(app: Application, settings: Settings) -> int:
    """`stridecoach run` in polling mode; the exit status."""
    asyncio.run(serve(app, settings))
    return 0
