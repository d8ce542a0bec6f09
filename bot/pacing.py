"""Turns for the outbox sender: evenly spaced sends, bot-wide flood-control pauses, and a
short step aside while runners are chatting (docs/DESIGN.md decision 4)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from bot.monotonic import SYSTEM, Monotonic

YIELD_STEP_S = 0.002
MAX_YIELD_S = 0.2  # never starve the outbox: at most this long behind interactive updates


class Pacer:
    """Hands out send turns one at a time (FIFO), each at least 1/rate after the one before
    *was taken*, so a stalled event loop never releases a burst. Make it on the event loop."""

    def __init__(
        self, rate_per_s: float, busy: Callable[[], bool] | None = None,
        clock: Monotonic = SYSTEM,
    ) -> None:  # fmt: skip
        self._spacing = 1.0 / rate_per_s
        self._busy = busy
        self._clock = clock
        self._next_slot = -math.inf
        self.paused_until = -math.inf  # monotonic
        self._turns = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Flood control is bot-wide: no turn for anyone for `seconds`."""
        self.paused_until = max(self.paused_until, self._clock.now() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self.paused_until - self._clock.now())

    async def turn(self, stop: asyncio.Event | None) -> bool:
        """Wait out a pause, then for our turn; False if `stop` is set first."""
        async with self._turns:
            while True:
                if stop is not None and stop.is_set():
                    return False
                delay = max(self._next_slot, self.paused_until) - self._clock.now()
                if delay <= 0:
                    break
                await self._clock.wait(stop, delay)
            # replies to runners who are chatting go first: while `busy()` says updates are
            # being handled, a send waits a few ms at a time, bounded
            yielded = 0.0
            while self._busy is not None and self._busy() and yielded < MAX_YIELD_S:
                await self._clock.sleep(YIELD_STEP_S)
                yielded += YIELD_STEP_S
            self._next_slot = self._clock.now() + self._spacing
        return True
