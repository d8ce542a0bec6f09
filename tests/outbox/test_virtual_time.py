"""The outbox tests' virtual time (tests/outbox/virtual_time.py; the `clock` fixture): it
stands still while anything can still happen and jumps to the next deadline once nothing can."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.outbox_limits import OutboxLimits


async def test_a_long_sleep_takes_no_real_time_and_ends_on_its_deadline(clock):
    started = time.process_time()
    await clock.sleep(600)
    assert clock.now() == 600
    assert time.process_time() - started < 1


async def test_sleepers_wake_in_deadline_order_at_their_deadlines(clock):
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    await asyncio.gather(sleeper("late", 2.5), sleeper("early", 0.5), sleeper("middle", 1))
    assert woke == [("early", 0.5), ("middle", 1), ("late", 2.5)]


async def test_time_stands_still_while_a_call_is_in_flight(clock):
    sleeper = asyncio.ensure_future(clock.sleep(1))
    with clock.in_flight():  # a request on the wire
        await asyncio.sleep(0.05)  # real time passes
        assert clock.now() == 0 and not sleeper.done()
    await sleeper
    assert clock.now() == 1


async def test_wait_ends_when_the_event_is_set_without_moving_the_clock(clock):
    event = asyncio.Event()
    waiter = asyncio.ensure_future(clock.wait(event, 30))
    await asyncio.sleep(0)
    with clock.in_flight():  # hold the clock while the event is set
        event.set()
        await waiter
        assert clock.now() == 0
    await clock.wait(event, 30)  # already set: at once
    assert clock.now() == 0


async def test_a_cancelled_timer_does_not_fire(clock):
    fired: list[float] = []
    timer = clock.call_later(1, lambda: fired.append(clock.now()))
    clock.call_later(2, lambda: fired.append(clock.now()))
    timer.cancel()
    await clock.sleep(3)
    assert fired == [2]


def test_outbox_limits_refuse_nonsense():
    for bad in ({"rate_per_s": 0}, {"max_concurrency": 0}, {"max_attempts": 0}):
        with pytest.raises(ValueError):
            OutboxLimits(**bad)
