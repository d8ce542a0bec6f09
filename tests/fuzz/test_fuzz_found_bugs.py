"""Bugs the chat fuzzer (tests/fuzz/test_fuzz_chats.py) found, as minimal reproductions on
a live bot: fixed, they stay as regression tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

import pytest

from bot.sandbox import SandboxUser
from bot.scheduler import run_tick
from tests.e2e.harness import answer_checkin, reply, tap
from tests.e2e.test_runner_loop import onboard
from tests.fuzz.live import LiveBot
from tests.fuzz.machine import APOLOGY

# reproductions on a live bot, each with its own sandbox and bot
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def live():
    """The real bot on a private loop, for the small reproductions below."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = asyncio.Runner()
        bot = LiveBot(Path(tmp) / "bot.db")
        runner.run(bot.start())
        try:
            yield runner, bot
        finally:
            runner.run(bot.stop())
            runner.close()


def _clean(bot: LiveBot, user: SandboxUser, query_id: str) -> list[str]:
    """What went wrong with a press: errors, no answer, an apology."""
    wrong = list(bot.errors)
    if not any(a.query_id == query_id for a in user.callback_answers):
        wrong.append("the callback query was never answered")
    wrong += [m.text for m in user.messages if (m.text or "").startswith(APOLOGY)]
    return wrong


@pytest.mark.parametrize("label, restarted", [
    ("Snooze 1 h", False),
    ("Check in now", False),
    ("Correct today's answers", False),
    ("Check in now", True),
    ("Correct today's answers", True),
])  # fmt: skip
def test_old_checkin_buttons_after_delete_are_answered_politely(live, label, restarted):
    runner, bot = live

    async def go():
        ann, question = await onboard(bot.sandbox, 3001)
        await answer_checkin(ann, question)
        offer = await reply(ann, "/checkin")  # "already checked in … Correct today's answers"
        bot.clock.advance(days=1)
        await run_tick(bot.app)
        reminder = await ann.wait_for_message()  # Check in now / Snooze 1 h / Snooze 3 h
        assert reminder.text.startswith("Good morning")
        await reply(ann, "/delete")
        await tap(ann, "Delete everything")
        if restarted:  # a runner row again, without a profile
            await reply(ann, "/start")
            await tap(ann, "No thanks")
        await bot.settle()
        message = offer if label == "Correct today's answers" else reminder
        query_id = await ann.press(label, message)
        await bot.settle()
        return ann, query_id

    ann, query_id = runner.run(go())
    assert _clean(bot, ann, query_id) == []


def test_alert_button_with_an_id_beyond_sqlite_integer_is_answered(live):
    runner, bot = live

    async def go():
        cora = bot.sandbox.user(3101, first_name="Cora")
        await reply(cora, "/coach")
        query_id = await cora.press_data("a:seen:9223372036854775808", cora.last)
        await bot.settle()
        return cora, query_id

    cora, query_id = runner.run(go())
    assert _clean(bot, cora, query_id) == []


def test_weekly_summary_with_one_painful_day_goes_out(live):
    runner, bot = live

    async def go():
        ann, question = await onboard(bot.sandbox, 3201, "Ann")
        await answer_checkin(ann, question, pain_rest="2")  # Monday; her only check-in
        ben, question = await onboard(bot.sandbox, 3202, "Ben")
        await answer_checkin(ben, question)
        bot.clock.now = dt.datetime(2026, 3, 8, 17, 0, tzinfo=dt.UTC)  # Sunday 18:00 in Berlin
        await run_tick(bot.app)
        await bot.settle()
        return ann, ben

    ann, ben = runner.run(go())
    for user in (ann, ben):
        assert any((m.text or m.caption or "").startswith("Your week") for m in user.messages[-3:])
