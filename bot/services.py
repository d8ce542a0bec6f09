"""The bot's side of the services (dialogs/services.py): what the start-up, the minute tick
and /healthz need besides the store, "now" and the outbox. One `BotServices` is made by
`bot.app.build_application`; `services(app_or_context)` finds it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from bot.inbox import Inbox
from bot.ordering import Histogram, Outcomes
from bot.outbox import OutboxSender
from bot.settings import Settings
from dialogs.services import KEY, HasBotData, Services


class Poller(Protocol):
    """The fetch loop (bot/polling.Poller) as the services hold it: started and stopped."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(eq=False, kw_only=True)
class BotServices(Services):
    """`integrity`: what `quick_check` found at start-up when it was not "ok". `last_tick`
    and `pruned_on`: the minute tick's last run and its last daily prune."""

    settings: Settings
    inbox: Inbox
    outbox: OutboxSender | None = None
    poller: Poller | None = None
    histogram: Histogram | None = None
    update_outcomes: Outcomes | None = None
    integrity: list[str] | None = None
    last_tick: dt.datetime | None = None
    pruned_on: dt.date | None = None


def services(holder: HasBotData) -> BotServices:
    """The bot's services of an Application, or of a handler's or job's context."""
    found = holder.bot_data[KEY]
    if not isinstance(found, BotServices):
        raise TypeError("the application's services were not made by build_application")
    return found
