"""/settings changes take effect at the next decision (issue 16 point 5), each dated and
audited; linking to a coach needs the runner's consent first (point 8)."""

import sqlite3

from bot.scheduler import run_tick
from tests.e2e.harness import answer_checkin, onboarding_steps, play, reply, tap
from tests.e2e.test_coach import coach_with_code
from tests.e2e.test_runner_loop import onboard
from tests.e2e.test_way_out import next_day, onboard_with, steps_with


def rows(bot, sql, *params):
    db = sqlite3.connect(bot.db)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


async def change(user, item: str, *answers: str):
    """Open /settings, choose `item`, give `answers` (button labels, or typed when prefixed
    "type:"); return the menu shown after."""
    message = await reply(user, "/settings")
    message = await user.press_for_reply(item, message, timeout=15)
    for answer in answers:
        if answer.startswith("type:"):
            message = await reply(user, answer.removeprefix("type:"))
        else:
            message = await user.press_for_reply(answer, message, timeout=15)
    return message


async def done(user):
    return await tap(user, "✅ Done")


async def test_weight_and_strength_days_change_the_next_decision(sandbox, bot, clock):
    ann, question = await onboard(sandbox, 8001, "Ann")  # Monday, strength Tue + Thu
    decision, _ = await answer_checkin(ann, question)
    assert "aim 99–124 g" in decision.text  # 62 kg
    menu = await change(ann, "Weight", "type:80 kg")
    assert "Weight: 80 kg" in menu.text and "Saved" in menu.text
    menu = await ann.press_for_reply("Strength days", menu, timeout=15)
    menu = await ann.press_for_reply("Wed", menu, timeout=15)
    assert "second strength day" in menu.text and ["Wed"] not in menu.buttons
    menu = await ann.press_for_reply("Sun", menu, timeout=15)
    assert "Strength days: Wed + Sun" in menu.text  # any two days, not four fixed pairs
    await done(ann)
    decision, _ = await answer_checkin(ann, await next_day(clock, ann))  # Tuesday: no strength
    assert "128–160 g" in decision.text and "Also today: Strength" not in decision.text
    decision, _ = await answer_checkin(ann, await next_day(clock, ann))  # Wednesday
    assert "Also today: Strength, about 30 min:" in decision.text
    assert "Calf raises: double-leg 3 × 15" in decision.text and "Front plank: 3 × 20 s" in decision.text
    changed = rows(bot, "SELECT field, date FROM profile_changes WHERE runner_id = 8001 ORDER BY id")
    assert changed == [("weight_kg", "2026-03-03"), ("strength_days", "2026-03-03")]  # dated
    audited = rows(bot, "SELECT count(*) FROM audit_log WHERE action = 'setting_changed' AND runner_id = 8001")
    assert audited == [(2,)]


async def test_a_high_risk_bone_locks_running_until_a_coach_clears(sandbox, bot, clock):
    ben, question = await onboard_with(sandbox, 8002, "Ben", steps_with("Cleared to run, not running yet", "Yes", "Yes"))
    decision, _ = await answer_checkin(ben, question)
    assert "Readiness tests" in decision.text
    menu = await change(ben, "Injured bone", "Top of the foot, midfoot")
    assert "running stays locked until your coach or clinician confirms" in menu.text
    assert "Running cleared: no" in menu.text
    await done(ben)
    decision, _ = await answer_checkin(ben, await next_day(clock, ben))
    assert "Run/walk" not in decision.text.split("\n\n")[0]  # not moved up to run/walk
    assert "needs clearance" in decision.text and ["Invite your clinician"] in decision.buttons
    ask = await change(ben, "Running clearance")
    assert "only your coach or clinician" in ask.text


async def test_alterg_access_changes_the_next_stage(sandbox, bot, clock):
    cy, question = await onboard_with(sandbox, 8003, "Cy", steps_with("Cleared to run, not running yet", "Yes", "Yes"))
    await answer_checkin(cy, question)
    await change(cy, "AlterG", "Yes")
    await done(cy)
    decision, _ = await answer_checkin(cy, await next_day(clock, cy))
    assert "moving up to AlterG 1 of 6 (50% body weight)" in decision.text
    assert "50% body weight: run 1 min, 5 times" in decision.text
    menu = await change(cy, "AlterG", "No")
    assert "You are on the AlterG steps now" in menu.text and "AlterG access: yes" in menu.text


async def test_time_zone_is_confirmed_and_moves_the_reminder(sandbox, bot, clock):
    dan, question = await onboard(sandbox, 8004, "Dan")
    await answer_checkin(dan, question)
    menu = await change(dan, "Time zone", "type:New York")
    assert "I understood America/New_York — it is 01:00 there now. Is that right?" in menu.text
    menu = await dan.press_for_reply("Yes", menu, timeout=15)
    assert "Saved: time zone America/New_York." in menu.text and "07:00 (America/New_York)" in menu.text
    menu = await dan.press_for_reply("Run days", menu, timeout=15)
    menu = await reply(dan, "tue thu sat")
    assert "Run days: Tue + Thu + Sat" in menu.text
    menu = await dan.press_for_reply("Running before injury", menu, timeout=15)
    menu = await reply(dan, "40 km")
    assert "Running before injury: 240 min a week" in menu.text
    await done(dan)
    profile = rows(bot, "SELECT profile FROM runners WHERE user_id = 8004")[0][0]
    assert '"run_days":["tue","thu","sat"]' in profile and '"pre_injury_weekly_minutes":240' in profile
    fields = [f for (f,) in rows(bot, "SELECT field FROM profile_changes WHERE runner_id = 8004 ORDER BY id")]
    assert fields == ["tz", "run_days", "pre_injury_weekly_minutes"]
    clock.advance(days=1)  # Tuesday 06:00 UTC: 07:00 Berlin, 01:00 New York
    await run_tick(bot.app)
    await bot.settle()
    assert not dan.unread()
    clock.advance(hours=6)  # 07:00 New York
    await run_tick(bot.app)
    assert "Good morning" in (await dan.wait_for_message(timeout=15)).text


async def test_an_invite_link_asks_before_linking_and_not_now_links_nothing(sandbox, bot):
    coach, code = await coach_with_code(sandbox)
    eve = sandbox.user(8005, first_name="Eve")
    await reply(eve, f"/start c_{code}")
    ask = await play(eve, onboarding_steps()[:1])
    assert "Link to coach Kay?" in ask.text
    ready = await play(eve, [("tap", "Not now"), *onboarding_steps()[1:]])
    assert "all set" in ready.text
    await bot.settle()
    assert not coach.unread()  # never told
    assert rows(bot, "SELECT count(*) FROM coach_links") == [(0,)]


async def test_no_thanks_keeps_nothing_even_after_an_invite_link(sandbox, bot):
    coach, code = await coach_with_code(sandbox)
    fay = sandbox.user(8006, first_name="Fay")
    await reply(fay, f"/start c_{code}")
    bye = await tap(fay, "No thanks")
    assert "Send /start whenever" in bye.text
    for table in ("runners", "form_drafts", "coach_links", "audit_log"):
        column = "user_id" if table in ("runners", "form_drafts") else "runner_id"
        assert rows(bot, f"SELECT count(*) FROM {table} WHERE {column} = 8006") == [(0,)], table
    await bot.settle()
    assert not coach.unread()


async def test_an_onboarded_runner_consents_then_leaves(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    gus, question = await onboard(sandbox, 8007, "Gus")
    await answer_checkin(gus, question)
    ask = await reply(gus, f"/coach {code}")
    assert ask.text.startswith("Link to coach Kay?") and ask.buttons == [["Link", "Not now"]]
    await bot.settle()
    assert not coach.unread() and rows(bot, "SELECT count(*) FROM coach_links") == [(0,)]
    await gus.press("Link", ask)
    assert "linked to your coach Kay" in (await gus.wait_for_message(timeout=15)).text
    assert "Gus linked to you" in (await coach.wait_for_message(timeout=15)).text
    offer = await reply(gus, "/coach leave")
    assert offer.text.startswith("Unlink from Kay?")
    await gus.press("Unlink Kay", offer)
    assert "Unlinked from Kay; they have been told" in (await gus.wait_for_message(timeout=15)).text
    assert "Gus unlinked from you" in (await coach.wait_for_message(timeout=15)).text
    assert rows(bot, "SELECT action FROM audit_log WHERE runner_id = 8007 AND action LIKE 'coach_%' ORDER BY id") == [
        ("coach_linked",), ("coach_unlinked",)]
    # and from /settings
    await gus.press("Link", await reply(gus, f"/coach {code}"))
    await gus.wait_for_message(timeout=15)
    await coach.wait_for_message(timeout=15)
    menu = await change(gus, "Coach", "Unlink")
    assert "Unlinked from Kay" in menu.text and "Coach: none linked" in menu.text
    assert "Gus unlinked from you" in (await coach.wait_for_message(timeout=15)).text
