"""Claiming for the outbox sender: due rows move from 'pending' to 'sending' in batches
(highest priority, then oldest, first; `storage.claim_due`) into the chats' lanes.

- The rows claimed but not yet finished are at most the window (about a second of
  sending), so a newly queued urgent row waits at most about that long; a chat with a huge
  backlog of its own can fill that window and slow the others.
- Nothing is claimed for a chat under flood control, and nothing at all during a bot-wide
  pause (`bot/flood.py`).
- `wake()` (a producer queued rows) makes the next claim happen at once; otherwise the
  sender looks every `idle_poll_s` for rows whose `not_before` arrived, and at the retry
  time of each row put back for a retry (`wake_at`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections.abc import Awaitable, Callable

import storage
from bot.flood import FloodControl
from bot.lanes import Lanes
from bot.monotonic import Cancellable, Monotonic
from bot.outbox_limits import OutboxLimits
from bot.pacing import Pacer
from storage import OutboxMessage

log = logging.getLogger("bot.outbox")

Clock = Callable[[], dt.datetime]

EXPIRE_EVERY_S = 5.0  # how often pending rows are checked against their maximum age


class Claims:
    """The claim window and the claiming loop's step. `expire()` gives up on rows past
    their age (bot/delivery.py), every `EXPIRE_EVERY_S`."""

    def __init__(
        self, store: storage.Store, limits: OutboxLimits, clock: Monotonic, utc: Clock, *,
        pacer: Pacer, flood: FloodControl, lanes: Lanes, expire: Callable[[], Awaitable[None]],
    ) -> None:  # fmt: skip
        self._store = store
        self._window = limits.window
        self._idle_poll = limits.idle_poll_s
        self._clock = clock
        self._utc = utc
        self._pacer = pacer
        self._flood = flood
        self._lanes = lanes
        self._expire = expire
        self._poke = asyncio.Event()
        self._timers: set[Cancellable] = set()
        self._eager = False  # a producer woke us: claim as soon as there is room
        self._last_expire = -math.inf
        self.outstanding = 0  # rows claimed, not yet finished
        self.last_tick: dt.datetime | None = None

    def wake(self) -> None:
        """New rows were queued: claim at once."""
        self._eager = True
        self._poke.set()

    def wake_at(self, delay: float) -> None:
        """Look again in `delay` seconds (a row's retry time)."""
        handle: Cancellable

        def fire() -> None:
            self._timers.discard(handle)
            self._poke.set()

        handle = self._clock.call_later(delay, fire)
        self._timers.add(handle)

    def stop(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self._poke.set()

    def finished(self, count: int = 1) -> None:
        """`count` claimed rows are done with (sent, failed, retried or released)."""
        self.outstanding -= count
        if self._eager or self.outstanding <= self._window // 2:
            self._poke.set()

    async def idle(self) -> None:
        """Until woken, a retry is due, or the idle poll."""
        await self._clock.wait(self._poke, self._idle_poll)

    async def step(self) -> bool:
        """Claim due rows into the chats' lanes; True if more may be due right away."""
        self.last_tick = self._utc()
        self._poke.clear()
        now = self._clock.now()
        if self._pacer.paused_until > now:  # flood control: claim nothing meanwhile
            await self._clock.wait(self._poke, self._pacer.paused_until - now)
            return True
        if now - self._last_expire >= EXPIRE_EVERY_S:
            self._last_expire = now
            await self._expire()
        limit = max(self._window - self.outstanding, self._lanes.due_held(now))
        batch: list[OutboxMessage] = []
        if limit > 0:
            skip = self._flood.paused_chats(now)
            batch = await self._store.run(storage.claim_due, self._utc(), limit, skip)
            late = [m for m in batch if self._flood.is_paused(m.chat_id)]  # limited meanwhile
            if late:
                await self._store.run(storage.release_claimed, [m.id for m in late])
            for message in batch:
                if not self._flood.is_paused(message.chat_id):
                    self.outstanding += 1
                    self._lanes.add(message)
            if len(batch) < limit:
                self._eager = False  # nothing more is due now
            if batch:
                log.debug("outbox: claimed %d row(s)", len(batch))
        self._lanes.prune(now)
        return bool(batch) and len(batch) == limit and self.outstanding < self._window
