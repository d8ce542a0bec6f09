"""The outbox sender's sense of elapsed time: a monotonic `now()`, `sleep`, `wait` (for an
event, at most so long) and `call_later`. The sender reads time only through one of these,
so its tests can run it in virtual time (tests/outbox/virtual_time.py) while production
uses `SYSTEM`, the event loop's own clock."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Monotonic(Protocol):
    """Seconds that only go forward, and ways to let them pass."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    async def wait(self, event: asyncio.Event | None, timeout: float) -> None:
        """Return after `timeout` seconds, or sooner once `event` is set."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable: ...


class SystemMonotonic:
    """Real time: `time.monotonic()` and the running event loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait(self, event: asyncio.Event | None, timeout: float) -> None:
        if timeout <= 0:
            return
        if event is None:
            await asyncio.sleep(timeout)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)


SYSTEM = SystemMonotonic()


async def wait_tasks(
    clock: Monotonic, tasks: list[asyncio.Task[None]], timeout: float
) -> set[asyncio.Task[None]]:
    """Wait for `tasks` to end, at most `timeout` seconds of `clock`; the tasks still running."""
    if not tasks:
        return set()
    timer = asyncio.ensure_future(clock.sleep(timeout))
    ended = asyncio.ensure_future(asyncio.wait(tasks))  # cancelling it leaves the tasks be
    try:
        await asyncio.wait([ended, timer], return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        ended.cancel()
    return {task for task in tasks if not task.done()}
