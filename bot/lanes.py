"""Per-chat pacing for the outbox sender: each chat's claimed rows wait in a lane of their own
and go one after the other, in order (priority, then id), at least `per_chat_interval_s`
from the end of one request to the chat to the start of the next, each after a turn from
the bot-wide `Pacer`, at most `max_concurrency` requests in flight over all chats.

When a row of a chat is to be retried, the chat's later rows wait for it (up to its retry
time plus a grace), so the chat still sees them in order."""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.monotonic import Monotonic, wait_tasks
from bot.outbox_limits import OutboxLimits
from bot.pacing import Pacer
from storage import OutboxMessage

PRUNE_EVERY_S = 1.0


@dataclass(eq=False)
class Lane:
    """One chat: its claimed rows in sending order, and when it may send next."""

    chat_id: int
    queue: list[OutboxMessage] = field(default_factory=list)
    last_done: float = -math.inf  # monotonic end of the last request to this chat
    held: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (due, give up)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


def _order(message: OutboxMessage) -> tuple[int, int]:
    return (-message.priority, message.id)


Send = Callable[[OutboxMessage, Lane], Awaitable[None]]


class Lanes:
    """The chats' lanes and the task that sends each one's rows. `send(message, lane)` sends
    and records one row; `finished()` runs after each; `on_error(what)` logs a bug."""

    def __init__(
        self, limits: OutboxLimits, clock: Monotonic, pacer: Pacer, stop: asyncio.Event, *,
        send: Send, finished: Callable[[], None], on_error: Callable[[str], None],
    ) -> None:  # fmt: skip
        self._interval = limits.chat_interval
        self._clock = clock
        self._pacer = pacer
        self._stop = stop
        self._send = send
        self._finished = finished
        self._on_error = on_error
        self._lanes: dict[int, Lane] = {}
        self._slots = asyncio.Semaphore(limits.max_concurrency)
        self._last_prune = -math.inf
        self.in_flight = 0

    def add(self, message: OutboxMessage) -> None:
        """A claimed row joins its chat's lane (in order), whose task starts if idle."""
        lane = self._lanes.get(message.chat_id)
        if lane is None:
            lane = self._lanes[message.chat_id] = Lane(message.chat_id)
        lane.held.pop(message.id, None)
        bisect.insort(lane.queue, message, key=_order)
        lane.changed.set()
        if lane.task is None:
            lane.task = asyncio.create_task(self._run(lane), name=f"outbox-chat-{lane.chat_id}")

    def hold(self, lane: Lane, message_id: int, delay: float, grace: float) -> None:
        """The row is retried in `delay` s: the chat's later rows wait for it meanwhile."""
        now = self._clock.now()
        lane.held[message_id] = (now + delay, now + delay + grace)

    def forget(self, message_id: int) -> None:
        """The row was given up on: nothing waits for it any more."""
        for lane in self._lanes.values():
            if lane.held.pop(message_id, None) is not None:
                lane.changed.set()

    def due_held(self, now: float) -> int:
        """Rows held for a retry that is due: the next claim makes room for them."""
        return sum(1 for lane in self._lanes.values()
                   for due, _ in lane.held.values() if due <= now)  # fmt: skip

    def prune(self, now: float) -> None:
        """Forget idle chats whose pacing interval is over."""
        if now - self._last_prune < PRUNE_EVERY_S:
            return
        self._last_prune = now
        idle = [chat for chat, lane in self._lanes.items()
                if lane.task is None and not lane.queue and not lane.held
                and lane.last_done + self._interval < now]  # fmt: skip
        for chat in idle:
            del self._lanes[chat]

    def unsent(self) -> list[OutboxMessage]:
        return [message for lane in self._lanes.values() for message in lane.queue]

    async def finish(self, timeout: float) -> int:
        """Let the requests in flight end (at most `timeout` s); the number cut short."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for lane in self._lanes.values():
            lane.changed.set()
        late = await wait_tasks(self._clock, tasks, timeout)
        for task in late:  # their rows stay 'sending': the next start() requeues them
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return len(late)

    async def _run(self, lane: Lane) -> None:
        """Send one chat's claimed rows one after the other."""
        try:
            while not self._stop.is_set():
                now = self._clock.now()
                for message_id, (_, give_up) in list(lane.held.items()):
                    if give_up <= now:
                        del lane.held[message_id]
                if not lane.queue:
                    return
                if lane.held:  # an earlier message of this chat is waiting for its retry
                    lane.changed.clear()
                    first_give_up = min(give_up for _, give_up in lane.held.values())
                    await self._clock.wait(lane.changed, first_give_up - now)
                    continue
                gap = lane.last_done + self._interval - now
                if gap > 0:
                    await self._clock.wait(self._stop, gap)
                    continue
                async with self._slots:
                    if not await self._pacer.turn(self._stop):
                        return
                    message = lane.queue.pop(0)
                    self.in_flight += 1
                    try:
                        await self._send(message, lane)
                    finally:
                        self.in_flight -= 1
                        self._finished()
        except Exception:  # a bug; the lane restarts with the chat's next row
            self._on_error("chat lane error")
        finally:
            lane.task = None
