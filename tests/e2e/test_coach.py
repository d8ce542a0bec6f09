"""A runner and a coach in separate chats, through the sandbox: alerts, seen, resume, clear."""

import re
import sqlite3

from bot.scheduler import run_tick
from tests.e2e.harness import answer_checkin, early_stop, onboarding_steps, play, reply, tap


async def coach_with_code(sandbox, user_id: int = 9001, name: str = "Kay"):
    coach = sandbox.user(user_id, first_name=name)
    invite = await reply(coach, "/coach")
    code = re.search(r"start=c_(\S+)", invite.text).group(1)
    assert f"/coach {code}" in invite.text
    return coach, code


async def linked_runner(sandbox, coach, code: str, user_id: int, name: str, **changes: str):
    runner = sandbox.user(user_id, first_name=name)
    welcome = await reply(runner, f"/start c_{code}")  # consent first: nothing linked yet
    assert "I agree" in str(welcome.buttons)
    steps = onboarding_steps(**changes)
    ask = await play(runner, steps[:1])
    assert ask.text.split("\n\n")[-1].startswith(f"Link to coach {coach.chat.user.first_name}?") and ask.buttons == [["Link", "Not now"]]
    assert not coach.unread()
    ready = await play(runner, [("tap", "Link"), *steps[1:]])
    assert "all set" in ready.text
    linked = await runner.wait_for_message(timeout=15)
    assert "linked to your coach" in linked.text
    told = await coach.wait_for_message(timeout=15)
    assert f"{name} linked to you as athlete number " in told.text
    return runner, await runner.wait_for_message(timeout=15)


async def test_red_flag_reaches_the_coach_seen_then_resume(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    ann, question = await linked_runner(sandbox, coach, code, 3001, "Ann")
    stop, _ = await answer_checkin(ann, question, night_pain="Yes")
    first = early_stop(ann)
    assert first.text.startswith("🛑") and "Your coach has been told." in first.text
    # a coach is linked: the coach resumes, not the runner; the runner can ask them to
    assert first.buttons == [["Ask my coach to review"]] and stop.buttons == first.buttons
    alert = await coach.wait_for_message(timeout=15)
    assert alert.text.startswith("🚨 Urgent: Ann (Shin — inner edge)")
    assert "Ann reported bone pain that woke her or kept her up at night." in alert.text
    assert "Ann's answers: night pain: yes" in alert.text and "Stage W1" in alert.text
    assert alert.buttons == [["Seen"], ["Resume plan", "Keep on hold"], ["Athlete card"]]

    await coach.press("Seen", alert)
    assert "seen" in (await coach.wait_for_answer()).text.lower()
    told = await ann.wait_for_message(timeout=15)
    assert "Your coach Kay has seen your alert" in told.text
    await bot.settle()
    assert "▸ Seen by Kay 06:00" in alert.text
    assert alert.buttons == [["Resume plan", "Keep on hold"], ["Athlete card"]]

    await coach.press("Resume plan", alert)  # asks to confirm on the alert itself
    await coach.wait_for_answer()
    await bot.settle()
    assert "Resume Ann (Shin — inner edge)'s plan?" in alert.text
    await coach.press("▶️ Yes, resume Ann's plan", alert)
    await coach.wait_for_answer()
    resumed = await ann.wait_for_message(timeout=15)
    assert "resumed your plan" in resumed.text
    clock.advance(days=1)
    decision, _ = await answer_checkin(ann, await reply(ann, "/checkin"))
    assert "Your plan resumes one stage below" in decision.text
    assert "Protect" in decision.text  # W1 → P0 (PROTOCOL §7)


async def test_navicular_runner_cannot_run_until_the_coach_clears(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    nia, question = await linked_runner(
        sandbox, coach, code, 3002, "Nia",
        **{"Shin — inner edge": "Top of the foot, midfoot", "Walking without pain": "Already doing some run/walk"},
    )  # fmt: skip
    running = ("run/walk", "Jog", "readiness tests", "easy run")
    for _day in range(4):
        decision, _ = await answer_checkin(nia, question)
        prescribed = "\n\n".join(decision.text.split("\n\n")[:3])  # headline, place, session
        assert not any(word in prescribed for word in running), decision.text
        assert "Walk 6 of 6" in decision.text
        clock.advance(days=1)
        question = await reply(nia, "/checkin")
    waiting = await coach.wait_for_message(timeout=15)  # once a week while she waits
    assert waiting.text.startswith("⏳ Nia (Top of the foot, midfoot) is waiting for running clearance")
    assert "Nia says her clinician cleared running (reported 2 Mar)" in waiting.text
    assert waiting.buttons[0] == ["✅ Confirm running clearance for Nia"]
    await bot.settle()
    assert not coach.unread()
    asked = await reply(coach, "/clear 1")
    assert asked.text.startswith("Which clearance for Nia (Top of the foot, midfoot)?")
    assert asked.buttons == [["✅ Clear running"], ["Cancel"]]  # walking was cleared at onboarding
    cleared = await tap(coach, "✅ Clear running")
    assert "Nia (Top of the foot, midfoot) is cleared for running" in cleared.text
    assert "cleared you for running" in (await nia.wait_for_message(timeout=15)).text
    decision, _ = await answer_checkin(nia, question)
    assert "moving up to Readiness tests" in decision.text


async def test_unseen_alert_is_sent_once_more_after_12_hours(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    bo, question = await linked_runner(sandbox, coach, code, 3003, "Bo")
    await answer_checkin(bo, question, limp="Yes")
    await coach.wait_for_message(timeout=15)
    clock.advance(hours=11)
    await run_tick(bot.app)
    clock.advance(hours=2)
    await run_tick(bot.app)
    again = await coach.wait_for_message(timeout=15)
    assert again.text.startswith("🚨 Still unseen") and again.buttons[0] == ["Seen"]
    await coach.press("Seen", again)
    await bot.settle()
    assert again.text.startswith("🚨 Urgent: Bo") and "Seen by" in again.text  # edited in place
    assert "Still unseen" not in again.text and "Please press Seen" not in again.text
    coach.unread()
    clock.advance(hours=13)
    await run_tick(bot.app)
    await bot.settle()
    assert not coach.unread()  # once more, not every tick


async def test_review_alert_is_calm_and_not_repeated(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    hu, question = await linked_runner(sandbox, coach, code, 3004, "Hu", **{"Shin — inner edge": "Heel"})
    await answer_checkin(hu, question)
    review = await coach.wait_for_message(timeout=15)
    assert review.text.startswith("Worth a conversation: Hu (Heel)")
    assert "Not urgent" in review.text and "🚨" not in review.text
    # 06:00 is before the coach's daytime (UTC): the review was queued for 08:00
    with sqlite3.connect(bot.db) as conn:
        (not_before,) = conn.execute("SELECT not_before FROM outbox WHERE kind = 'review'").fetchone()
    assert not_before.startswith("2026-03-02T08:00")
    clock.advance(days=1)
    await answer_checkin(hu, await reply(hu, "/checkin"))
    await bot.settle()
    assert not coach.unread()


async def test_athletes_view_and_detail(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    cy, question = await linked_runner(sandbox, coach, code, 3005, "Cy")
    await answer_checkin(cy, question)
    listing = await reply(coach, "/athletes")
    assert "#1 🟢 Cy (Shin — inner edge) — W1 · Walk" in listing.text
    assert listing.buttons[0][0].startswith("🟢 Cy · Shin — inner edge · W1")
    detail = await tap(coach, listing.buttons[0][0])
    assert "Cy (Shin — inner edge)" in detail.text and "Next:" in detail.text
    chart = await coach.wait_for_message(timeout=15)
    assert chart.photo_bytes and chart.photo_bytes.startswith(b"\x89PNG")
    clock.advance(days=3)
    await run_tick(bot.app)
    listing = await reply(coach, "/athletes")
    assert "🟠 Cy" in listing.text  # no check-in for 3 days


async def test_coach_cannot_see_or_act_on_runners_not_linked(sandbox, bot):
    kay, kay_code = await coach_with_code(sandbox, 9001, "Kay")
    lee, lee_code = await coach_with_code(sandbox, 9002, "Lee")
    dee, question = await linked_runner(sandbox, kay, kay_code, 3006, "Dee")
    await answer_checkin(dee, question, night_pain="Yes")
    alert = await kay.wait_for_message(timeout=15)
    seen_data = alert.button_data["Seen"]
    # Lee: no athletes, numbers and forged buttons lead nowhere
    assert "No runners linked" in (await reply(lee, "/athletes")).text
    for command in ("/athlete 1", "/clear 1", "/hold 1", "/resume 1", "/athlete 0", "/clear x"):
        assert "No runners linked" in (await reply(lee, command)).text, command
    for forged in ("p:card:3006", "p:resume:3006", f"k:resume:3006:{int(bot.clock.now.timestamp())}", "u:1"):
        await lee.press_data(forged)
        assert "no longer" in (await lee.wait_for_answer()).text or "linked" in lee.chat.callback_answers[-1].text
    await lee.press_data(seen_data)
    assert "no longer works" in (await lee.wait_for_answer()).text
    await lee.press_data("a:resume:999999")
    assert "no longer works" in (await lee.wait_for_answer()).text
    await bot.settle()
    assert not dee.unread()  # nothing reached the runner from Lee
    # a revoked code links no one
    fresh = await reply(kay, "/coach revoke")
    assert "old code no longer works" in fresh.text
    eve = sandbox.user(3007, first_name="Eve")
    assert "does not work" in (await reply(eve, f"/coach {kay_code}")).text
    # after the runner's /delete, the coach sees nothing of them
    await reply(dee, "/delete")
    await tap(dee, "Delete everything")
    left = await kay.wait_for_message(timeout=15)
    assert "Dee has left" in left.text
    assert "No runners linked" in (await reply(kay, "/athletes")).text
    await kay.press("Seen", alert)
    assert "no longer works" in (await kay.wait_for_answer()).text
