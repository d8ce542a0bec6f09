"""Waiting, without a quiet window, until the bot has nothing left to do against a sandbox:
what `stridecoach try` waits for before it prints, and what the tests drain before they read
"nothing more came".

Settled means: every update the sandbox holds fetched and confirmed (PTB asks for the next
updates, the offset that drops them from the sandbox, only after queueing the last ones),
every queued update's handler ended (PTB marks a queued update done after its handler), and
the outbox empty. Whatever the bot was going to send is then in the chats."""

from __future__ import annotations

import asyncio

from telegram.ext import Application

from bot.sandbox.state import World
from bot.services import services


async def settle(app: Application, world: World, timeout: float) -> None:
    """Return once the bot is settled; TimeoutError (saying what is left) after `timeout`."""
    sender = services(app).outbox
    try:
        async with asyncio.timeout(timeout):
            while True:
                await world.updates_changed.wait_until(lambda: not world.updates, None)
                await app.update_queue.join()
                drained = await sender.drain(timeout)
                if drained and not world.updates and app.update_queue.empty():
                    return
    except TimeoutError:
        raise TimeoutError(
            f"the bot did not settle within {timeout}s: {len(world.updates)} update(s) not "
            f"fetched, {app.update_processor.active} in hand, outbox {sender.health()}"
        ) from None
