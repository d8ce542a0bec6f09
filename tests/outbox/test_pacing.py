"""The sender's turns (bot/pacing.py) and flood control (bot/flood.py), in virtual time:
exact spacing, the bounded step aside while runners are chatting, bot-wide pauses."""

from __future__ import annotations

import asyncio

import pytest

from bot.flood import BOT_WIDE_WINDOW_S, FloodControl
from bot.pacing import MAX_YIELD_S, Pacer


async def test_turns_are_evenly_spaced_at_the_rate(clock):
    pacer = Pacer(10, clock=clock)
    taken = []
    for _ in range(5):
        assert await pacer.turn(None)
        taken.append(clock.now())
    assert taken == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])


async def test_a_send_steps_aside_while_runners_chat_but_at_most_briefly(clock):
    chatting = True
    pacer = Pacer(1000, busy=lambda: chatting, clock=clock)
    assert await pacer.turn(None)
    assert clock.now() == pytest.approx(MAX_YIELD_S)  # never starved for longer
    chatting = False
    started = clock.now()
    assert await pacer.turn(None)
    assert clock.now() - started == pytest.approx(0.001)  # just the spacing


async def test_a_bot_wide_pause_holds_every_turn_and_stop_ends_the_wait(clock):
    pacer = Pacer(1000, clock=clock)
    pacer.pause(30)
    assert pacer.paused_for() == 30
    assert await pacer.turn(None)
    assert clock.now() == pytest.approx(30)
    pacer.pause(60)
    stop = asyncio.Event()
    waiting = asyncio.ensure_future(pacer.turn(stop))
    await clock.sleep(5)
    stop.set()
    assert await waiting is False
    assert clock.now() == pytest.approx(35)


async def test_429s_on_three_chats_in_the_window_pause_the_bot_two_do_not(clock):
    pacer = Pacer(1000, clock=clock)
    flood = FloodControl(pacer, clock)
    assert not flood.limited(1, 5) and not flood.limited(2, 5)
    assert flood.paused_chats() == [1, 2] and pacer.paused_for() == 0
    await clock.sleep(BOT_WIDE_WINDOW_S + 0.1)  # the first two are outside the window now
    assert not flood.limited(3, 5)
    assert flood.limited(4, 5) is False and flood.bot_wide == 0
    assert flood.limited(5, 5) is True and flood.bot_wide == 1
    assert pacer.paused_for() == 5
    assert flood.longest_chat_pause() == pytest.approx(5)
    await clock.sleep(5)
    assert flood.paused_chats() == [] and not flood.is_paused(5)
