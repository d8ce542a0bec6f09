"""Updates of one user in order, different users concurrently (docs/DESIGN.md decision 2)."""

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Upper bounds (ms) of the buckets of bot-side time per update; a last bucket takes the rest.
BUCKETS_MS = (1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000)


class Histogram:
    """Handled updates counted by bot-side time, cumulative since start (as a Prometheus
    histogram): the difference of two snapshots gives the percentiles of any window."""

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS_MS) + 1)

    def add(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS_MS, seconds * 1000)] += 1

    def snapshot(self) -> dict[str, list]:
        return {"buckets_ms": list(BUCKETS_MS), "counts": list(self.counts)}


def percentile_ms(counts: list[int], q: float) -> float | None:
    """The bucket bound under which a fraction `q` of the counted updates fall (None: none
    counted; inf: beyond the last bound)."""
    total = sum(counts)
    if not total:
        return None
    seen = 0
    for bound, count in zip((*BUCKETS_MS, float("inf")), counts, strict=True):
        seen += count
        if seen >= q * total:
            return bound
    return float("inf")


class Outcomes:
    """Whether the last handled update failed, and when (for /healthz). The error handler
    calls `failed(update)` while PTB handles it; the processor calls `done(update)` after."""

    def __init__(self) -> None:
        self._failing: set[int] = set()  # id() of updates whose handler raised, in flight
        self.errors = 0
        self.last_failed = False
        self.failed_at = -math.inf  # monotonic

    def failed(self, update: object) -> None:
        if update is not None:
            self._failing.add(id(update))
            self.errors += 1

    def done(self, update: object) -> None:
        self.last_failed = id(update) in self._failing
        self._failing.discard(id(update))
        if self.last_failed:
            self.failed_at = time.monotonic()

    def problem(self, within_s: float = 60.0) -> str | None:
        age = time.monotonic() - self.failed_at
        if self.last_failed and age <= within_s:
            return f"the last update failed {age:.0f} s ago"
        return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """A lock per user: a second update of the same user waits for the first to finish.

    `max_concurrent_updates` bounds the updates taken at once (those waiting for their user's
    lock included), `handling_at_once` the handlers running at once, counted once past the
    lock — so one user's queue never holds the others up. A kill can repeat at most the last
    reply of each running handler (bot/journal.py: a reply Telegram took whose answer the
    bot had not read), so the second bound is also the most a kill can repeat."""

    def __init__(self, max_concurrent_updates: int = 256, handling_at_once: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._handling = asyncio.Semaphore(handling_at_once)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.durations: deque[float] = deque(maxlen=10_000)  # seconds per handled update
        self.histogram = Histogram()  # the same, counted since start (for /healthz)
        self.active = 0  # updates being handled right now
        # called in the update's task before its handler starts (the inbox opens its journal)
        self.on_begin: Callable[[object], None] | None = None
        # called once an update's handler has finished (the inbox marks its row handled)
        self.on_done: Callable[[object], Awaitable[None]] | None = None
        self.outcomes = Outcomes()

    def busy(self) -> bool:
        """Whether someone is chatting right now (the outbox sender lets them go first)."""
        return self.active > 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.active += 1
        began = time.perf_counter()
        if self.on_begin is not None:
            self.on_begin(update)
        try:
            await self._in_order(update, coroutine)
        except asyncio.CancelledError:
            raise  # not finished: handled again after a restart
        except Exception:
            # PTB hands handler errors to the error handler (the user is told); anything
            # escaping here would only do so again on every restart
            await self._finished(update)
            raise
        else:
            await self._finished(update)
        finally:
            self.active -= 1
            self.outcomes.done(update)
            # bot-side time: from PTB handing it over, through waiting for the user's previous
            # update, to the handler's end (its replies sent)
            self.histogram.add(time.perf_counter() - began)

    async def _finished(self, update: object) -> None:
        if self.on_done is not None:
            await self.on_done(update)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            async with self._handling:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._handling:
                began = time.perf_counter()
                await coroutine
                self.durations.append(time.perf_counter() - began)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _user_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None
