"""Running the Application by hand, as PTB's run_polling would, for both of our modes.

`running(app)` initialises the application (getMe: a rejected token or an unreachable Bot API
fails here, before anything else), runs post_init (migrations, commands, the outbox sender,
the tick, the inbox replay), starts dispatching, and on leaving stops in order: every update
already taken is handled first (`app.stop()`), then post_stop, shutdown and post_shutdown.
SIGTERM and SIGINT set the `stop` event it yields, so a signal ends the bot the same quiet
way as a return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from telegram.ext import Application

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running(app: Application, stop: asyncio.Event | None = None, *,
                  handle_signals: bool = True) -> AsyncIterator[asyncio.Event]:  # fmt: skip
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
    for sig in signals:
        loop.add_signal_handler(sig, _on_signal, stop, sig)
    try:
        try:
            await app.initialize()
        except BaseException:
            await _close_requests(app)  # PTB's shutdown skips an application never initialised
            raise
        if app.post_init:
            await app.post_init(app)
        await app.start()
        yield stop
    finally:
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


async def _close_requests(app: Application) -> None:
    # the bot's two HTTP clients (getUpdates, everything else); opened before getMe failed
    for request in getattr(app.bot, "_request", ()):
        with contextlib.suppress(Exception):
            await request.shutdown()


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        log.info("%s: already stopping", sig.name)
    else:
        log.info("%s: stopping", sig.name)
    stop.set()
