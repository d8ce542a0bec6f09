"""Reminders reach the runner through the outbox and the sandbox, in the runner's own time."""

import datetime as dt

from bot.scheduler import run_tick
from bot.services import services
from storage import get_runner
from tests.e2e.harness import answer_checkin, reply, tap
from tests.e2e.test_runner_loop import onboard


async def next_morning(clock, bot, hour_utc: int = 6) -> None:
    """Move the clock to the next day at `hour_utc` (07:00 in Berlin in March) and tick."""
    now = clock.now + dt.timedelta(days=1)
    clock.now = now.replace(hour=hour_utc, minute=0)
    await run_tick(bot.app)


async def test_morning_reminder_opens_the_checkin(sandbox, bot, clock):
    ann, question = await onboard(sandbox, 4001)
    await answer_checkin(ann, question)
    await next_morning(clock, bot)
    reminder = await ann.wait_for_message(timeout=15)
    assert reminder.text.startswith("Good morning! Time for your one-minute check-in.")
    assert reminder.buttons == [["Check in now"], ["Snooze 1 h", "Snooze 3 h"]]
    first = await tap(ann, "Check in now")
    assert "Bone check this morning" in first.text
    await run_tick(bot.app)  # a second tick in the same minute sends nothing more
    decision, _ = await answer_checkin(ann, first)
    assert "Walk 2 of 6" in decision.text
    await bot.settle()
    assert not ann.unread()


async def test_snooze_brings_the_reminder_back_later(sandbox, bot, clock):
    ben, question = await onboard(sandbox, 4002, "Ben")
    await answer_checkin(ben, question)
    await next_morning(clock, bot)
    reminder = await ben.wait_for_message(timeout=15)
    await ben.press("Snooze 1 h", reminder)
    assert "08:00" in (await ben.wait_for_answer()).text
    clock.advance(minutes=59)
    await run_tick(bot.app)
    await bot.settle()
    assert not ben.unread()
    clock.advance(minutes=1)
    await run_tick(bot.app)
    again = await ben.wait_for_message(timeout=15)
    assert "still open" in again.text and again.buttons[0] == ["Check in now"]


async def test_pause_and_resume(sandbox, bot, clock):
    cat, question = await onboard(sandbox, 4003, "Cat")
    await answer_checkin(cat, question)
    paused = await reply(cat, "/pause")
    assert "Reminders paused" in paused.text and "do not count as missed" in paused.text
    await next_morning(clock, bot)
    await bot.settle()
    assert not cat.unread()
    back = await reply(cat, "/resume")
    assert "on again at 07:00" in back.text
    await next_morning(clock, bot)
    assert "Good morning" in (await cat.wait_for_message(timeout=15)).text


async def test_settings_change_the_reminder_time(sandbox, bot, clock):
    dan, question = await onboard(sandbox, 4004, "Dan")
    await answer_checkin(dan, question)
    menu = await reply(dan, "/settings")
    assert "Check-in reminder: 07:00" in menu.text
    await tap(dan, "Check-in time")
    menu = await reply(dan, "9:15")
    assert "Saved: reminder at 09:15." in menu.text and "Check-in reminder: 09:15" in menu.text
    saved = await tap(dan, "✅ Done")
    assert saved.text.startswith("All saved.") and "09:15" in saved.text
    await next_morning(clock, bot)  # 07:00 Berlin: nothing now
    await bot.settle()
    assert not dan.unread()
    clock.advance(hours=2, minutes=15)
    await run_tick(bot.app)
    assert "Good morning" in (await dan.wait_for_message(timeout=15)).text


async def test_weekly_summary_with_the_chart_on_sunday_evening(sandbox, bot, clock):
    eve, question = await onboard(sandbox, 4005, "Eve")
    await answer_checkin(eve, question)
    # Monday 2 March → Sunday 8 March, 18:00 Berlin = 17:00 UTC
    clock.now = dt.datetime(2026, 3, 8, 17, 0, tzinfo=dt.UTC)
    await run_tick(bot.app)
    summary = await eve.wait_for_message(timeout=10)
    assert summary.photo_bytes and summary.photo_bytes.startswith(b"\x89PNG")
    assert summary.caption.startswith("Your week in review")
    assert "Stage" in summary.caption and "Pain:" in summary.caption


async def test_blocked_runner_is_marked_inactive_and_start_brings_them_back(sandbox, bot, clock):
    fay, question = await onboard(sandbox, 4006, "Fay")
    await answer_checkin(fay, question)
    fay.block()
    await next_morning(clock, bot)
    sender = services(bot.app).outbox
    assert await sender.drain(timeout=5)
    store = services(bot.app).store
    assert (await store.run(get_runner, 4006)).active is False
    fay.unblock()
    await next_morning(clock, bot)
    await bot.settle()
    assert not [m for m in fay.unread() if "Good morning" in (m.text or "")]
    welcome = await reply(fay, "/start")
    assert "Welcome back" in welcome.text
    assert (await store.run(get_runner, 4006)).active is True
    await next_morning(clock, bot)
    assert "Good morning" in (await fay.wait_for_message(timeout=15)).text
