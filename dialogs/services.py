"""The services every handler, job and health check reaches: one typed object, made once at
start-up (bot/app.py) and found with `services(context)`, where `context` is a handler's or
job's context or the Application itself.

This is the part dialogs use: the store, "now" and the outbox. The bot adds its own
(settings, inbox, health figures) in `bot.services.BotServices`, found the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from storage import Store

KEY = "services"  # the one entry in PTB's bot_data

Clock = Callable[[], dt.datetime]


class Outbox(Protocol):
    def wake(self) -> None:
        """New rows were queued: send them now."""
        ...


class HasBotData(Protocol):
    @property
    def bot_data(self) -> dict[Any, Any]: ...


@dataclass(eq=False, kw_only=True)
class Services:
    """`clock`: an injected "now" (the end-to-end tests, `stridecoach try`), else real UTC.
    `outbox`: the sender, once started. `on_update_failed`: told of every failed update."""

    store: Store
    clock: Clock | None = None
    outbox: Outbox | None = None
    on_update_failed: Callable[[object], None] | None = None

    def now(self) -> dt.datetime:
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    def wake_outbox(self) -> None:
        """Rows were queued: the sender sends them at once (before it starts: at its start)."""
        if self.outbox is not None:
            self.outbox.wake()

    def update_failed(self, update: object) -> None:
        if self.on_update_failed is not None:
            self.on_update_failed(update)

    def install(self, holder: HasBotData) -> None:
        """Make these the services of an Application (once, at start-up)."""
        holder.bot_data[KEY] = self


def services(holder: HasBotData) -> Services:
    """The services of a handler's or job's context, or of the Application."""
    return holder.bot_data[KEY]
