"""Virtual time for the outbox sender's tests: a `Monotonic` (bot/monotonic.py) whose clock
stands still while anything can still happen and jumps to the next timer once nothing can.

"Nothing can happen" means: no Bot API request and no database call in flight (the test's
`CountingRequest` and `CountingStore` count them) and no callback ready to run on the event
loop. Then the earliest sleeper wakes at exactly its deadline. A 600 s flood-control pause
takes no real time, and a gap of 0.2 s between two sends is 0.2 s on this clock however
loaded the machine is. Real time still passes inside a request (the sandbox's slow answers,
client timeouts): virtual time does not move meanwhile.

The sandbox gets `wall` as its clock, so its call log and rate limits count in this time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import storage
from bot.transport import BotApiRequest

QUIET_ROUNDS = 2  # loop iterations with nothing ready before the clock moves


class Timer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualTime:
    """`now()` starts at 0; `utc()` and `wall()` are the same instant as a datetime and as
    epoch seconds, starting at the real time the clock was made."""

    def __init__(self) -> None:
        self._now = 0.0
        self._epoch = dt.datetime.now(dt.UTC)
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self._added = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.busy = 0  # requests and database calls in flight
        self._task: asyncio.Task[None] | None = None

    # --- bot.monotonic.Monotonic ----------------------------------------------------------

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(callback)
        heapq.heappush(self._timers, (self._now + max(0.0, delay), next(self._order), timer))
        self._added.set()
        return timer

    async def sleep(self, seconds: float) -> None:
        await self.wait(None, seconds)

    async def wait(self, event: asyncio.Event | None, timeout: float) -> None:
        if event is not None and event.is_set():
            return
        done = asyncio.get_running_loop().create_future()

        def wake(*_: Any) -> None:
            if not done.done():
                done.set_result(None)

        timer = self.call_later(timeout, wake)
        waiter = asyncio.ensure_future(event.wait()) if event is not None else None
        if waiter is not None:
            waiter.add_done_callback(wake)
        try:
            await done
        finally:
            timer.cancel()
            if waiter is not None:
                waiter.cancel()

    # --- the same instant for the sender's UTC clock and the sandbox ------------------------

    def utc(self) -> dt.datetime:
        return self._epoch + dt.timedelta(seconds=self._now)

    def wall(self) -> float:
        return self.utc().timestamp()  # via the datetime: both round the same way

    # --- moving ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """A request or database call: the clock stands still until it ends."""
        self.busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.busy -= 1
            if not self.busy:
                self._idle.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._advance(), name="virtual-time")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def until(self, condition: Callable[[], Any], timeout: float = 60, step: float = 0.01) -> None:
        """Wait (in virtual time, checking every `step`) until `condition()` is true."""
        deadline = self._now + timeout
        while not condition():
            if self._now >= deadline:
                raise TimeoutError(f"not true within {timeout} virtual seconds")
            await self.sleep(step)

    async def _advance(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._settle(loop)
            while self._timers and self._timers[0][2].cancelled:
                heapq.heappop(self._timers)
            if not self._timers:
                self._added.clear()
                await self._added.wait()
                continue
            self._now = max(self._now, self._timers[0][0])
            while self._timers and self._timers[0][0] <= self._now:
                _, _, timer = heapq.heappop(self._timers)
                if not timer.cancelled:
                    timer.callback()

    async def _settle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Return once nothing is in flight and nothing is ready to run."""
        quiet = 0
        while quiet < QUIET_ROUNDS:
            if self.busy:
                quiet = 0
                await self._idle.wait()
            await asyncio.sleep(0)
            # CPython's ready queue: callbacks due in this loop iteration (private, but the
            # only exact sign that some task can still run)
            quiet = 0 if self.busy or loop._ready else quiet + 1  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Started:
    """A request as it left the bot: the sandbox logs a call only when it answers."""

    at: float  # VirtualTime.wall()
    method: str
    chat_id: Any


class CountingRequest(BotApiRequest):
    """The bot's HTTP requests, each counted as "in flight" on the virtual clock, and the
    moment each one started."""

    def __init__(self, clock: VirtualTime, **options: Any) -> None:
        super().__init__(**options)
        self._clock = clock
        self.started: list[Started] = []

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        data = args[1] if len(args) > 1 else kwargs.get("request_data")
        chat_id = data.parameters.get("chat_id") if data is not None else None
        self.started.append(Started(self._clock.wall(), url.rsplit("/", 1)[-1], chat_id))
        with self._clock.in_flight():
            return await super().do_request(url, *args, **kwargs)


class CountingStore(storage.Store):
    """The store, each call counted as "in flight" on the virtual clock."""

    def __init__(self, path: Any, clock: VirtualTime) -> None:
        super().__init__(path)
        self.clock = clock

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.clock.in_flight():
            return await super().run(fn, *args, **kwargs)

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.clock.in_flight():
            return await super().read(fn, *args)

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.clock.in_flight():
            return await super().write(fn, *args)
