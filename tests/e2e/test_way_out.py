"""No dead end (issue 16): every state a runner can be stuck in names its way out, and the
button or command it names works, end to end. Also: a red flag at the first question reaches
runner and coach before any further question."""

import re
import time

from bot.scheduler import run_tick
from tests.e2e.harness import ONBOARDING, answer_checkin, early_stop, play, question_of, reply, tap
from tests.e2e.test_coach import coach_with_code, linked_runner
from tests.e2e.test_runner_loop import onboard


def steps_with(stage: str, walking: str, running: str | None) -> list[tuple[str, str]]:
    """The onboarding answers with where the runner is now and the two clearances."""
    steps = list(ONBOARDING)
    steps[3] = ("tap", stage)
    steps[4] = ("tap", walking)
    if running is None:
        del steps[5]  # not asked when walking is not cleared
    else:
        steps[5] = ("tap", running)
    return steps


async def onboard_with(sandbox, user_id: int, name: str, steps):
    user = sandbox.user(user_id, first_name=name)
    await reply(user, "/start")
    ready = await play(user, steps)
    assert "all set" in ready.text
    return user, await user.wait_for_message(timeout=15)


async def coach_does(coach, command: str):
    """A coach action: the command, then its confirmation button (coach actions confirm)."""
    asked = await reply(coach, command)
    return await tap(coach, asked.buttons[0][0])


async def next_day(clock, user):
    clock.advance(days=1)
    return await reply(user, "/checkin")


async def test_red_flag_at_the_first_question_stops_before_any_further_question(sandbox, bot):
    coach, code = await coach_with_code(sandbox)
    ann, question = await linked_runner(sandbox, coach, code, 7001, "Ann")
    first = await tap(ann, "Something's not right")
    assert question_of(first) == "pain_rest"
    seen = len(ann.messages)
    started = time.monotonic()
    stop = await ann.press_for_reply("3", first)  # bone pain at rest: RF2
    assert stop.text.startswith("🛑 Stop today's walks and see your clinician.")
    assert "bone pain at rest" in stop.text and "Your coach has been told." in stop.text
    alert = await coach.wait_for_message(timeout=2)
    assert time.monotonic() - started < 2
    assert alert.text.startswith("🚨 Urgent: Ann") and "bone pain at rest: 3/10" in alert.text
    following = await ann.wait_for_message(timeout=5)
    assert question_of(following) == "night_pain" and "Finish here" in str(following.buttons)
    assert ann.messages.index(stop) == seen  # the stop came first: nothing asked before it
    # the rest is optional: "Finish here" completes the day with what is known
    done = await ann.press_for_reply("Finish here", following)
    assert done.text.startswith("🛑") and "Anything you skipped counts as not clear" in done.text
    await bot.settle()
    assert not coach.unread()  # one urgent alert, not a second one at the end


async def test_stopped_with_no_coach_at_a_low_risk_bone_resumes_after_the_clinician(sandbox, bot, clock):
    cat, question = await onboard(sandbox, 7002, "Cat")
    decision, _ = await answer_checkin(cat, question, limp="Yes")
    assert "Way out:" in early_stop(cat).text and decision.buttons == [["I have seen my clinician"]]
    await cat.press("I have seen my clinician", decision)
    assert "restarts one stage below" in (await cat.wait_for_message(timeout=15)).text
    decision, _ = await answer_checkin(cat, await next_day(clock, cat))
    assert "your plan resumes at Protect" in decision.text


async def test_stopped_with_a_coach_asks_the_coach_who_resumes(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    dan, question = await linked_runner(sandbox, coach, code, 7003, "Dan")
    decision, _ = await answer_checkin(dan, question, night_pain="Yes")
    await coach.wait_for_message(timeout=15)  # the urgent alert
    assert "your coach resumes your plan" in decision.text
    await dan.press("Ask my coach to review", decision)
    assert "coach has been asked" in (await dan.wait_for_message(timeout=15)).text
    asked = await coach.wait_for_message(timeout=15)
    assert "Dan asks you to review their stopped plan" in asked.text
    assert "resume" in (await coach_does(coach, "/resume 1")).text.lower()
    await dan.wait_for_message(timeout=15)  # "Your coach has resumed your plan"
    decision, _ = await answer_checkin(dan, await next_day(clock, dan))
    assert "your plan resumes at Protect" in decision.text


async def test_stopped_at_a_high_risk_bone_invites_the_clinician_who_resumes(sandbox, bot, clock):
    eve, question = await onboard(sandbox, 7004, "Eve", **{"Shin — inner edge": "Top of the foot, midfoot"})
    decision, _ = await answer_checkin(eve, question, tenderness="Yes")
    assert "cannot clear themself" in decision.text
    assert decision.buttons == [["Invite your clinician"]]
    invite = await tap(eve, "Invite your clinician")
    link = re.search(r"start=(r_\S+?)\s", invite.text).group(1)
    doc = sandbox.user(7104, first_name="Dr Lee")
    offer = await reply(doc, f"/start {link}")
    assert offer.text.startswith("Eve invites you to be their clinician")
    accepted = await tap(doc, "Accept — link to Eve")
    assert "You are linked to Eve" in accepted.text
    assert "accepted your invite" in (await eve.wait_for_message(timeout=15)).text
    again = await reply(sandbox.user(7105, first_name="Bob"), f"/start {link}")
    assert "no longer works" in again.text  # single-purpose
    assert "resume" in (await coach_does(doc, "/resume 1")).text.lower()
    await eve.wait_for_message(timeout=15)
    decision, _ = await answer_checkin(eve, await next_day(clock, eve))
    assert "your plan resumes at" in decision.text


async def test_not_sure_of_the_bone_sets_it_and_the_way_out_follows(sandbox, bot, clock):
    fay, question = await onboard(sandbox, 7005, "Fay", **{"Shin — inner edge": "Not sure"})
    decision, _ = await answer_checkin(fay, question)
    assert "Not sure which bone" in decision.text and ["Set my injured bone"] in decision.buttons
    site_q = await tap(fay, "Set my injured bone")
    menu = await fay.press_for_reply("Heel", site_q, timeout=15)
    assert "Injured bone: Heel" in menu.text
    await tap(fay, "✅ Done")
    decision, _ = await answer_checkin(fay, await next_day(clock, fay), swelling="Yes", pain_morning="2")
    assert decision.buttons == [["I have seen my clinician"]]  # low-risk now, no coach


async def test_a_coach_hold_names_its_way_out(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    gus, question = await linked_runner(sandbox, coach, code, 7006, "Gus")
    await answer_checkin(gus, question)
    assert "hold" in (await coach_does(coach, "/hold 1")).text.lower()
    await gus.wait_for_message(timeout=15)
    decision, _ = await answer_checkin(gus, await next_day(clock, gus))
    assert "your coach lifts the hold" in decision.text
    await gus.press("Ask my coach about the hold", decision)
    await gus.wait_for_message(timeout=15)
    assert "Gus asks you to look at the hold" in (await coach.wait_for_message(timeout=15)).text


async def test_p0_without_walking_clearance_is_cleared_from_the_plan(sandbox, bot, clock):
    hal, question = await onboard_with(sandbox, 7007, "Hal", steps_with("Not walking for exercise yet", "No", None))
    decision, _ = await answer_checkin(hal, question)
    assert "Protect" in decision.text and decision.buttons == [["My clinician cleared walking"]]
    ask = await tap(hal, "My clinician cleared walking")
    assert "walk for exercise" in ask.text
    menu = await hal.press_for_reply("Yes", ask, timeout=15)
    assert "Walking cleared: yes" in menu.text and "Saved" in menu.text
    await tap(hal, "✅ Done")
    decision, _ = await answer_checkin(hal, await next_day(clock, hal))
    assert "moving up to Walk 1 of 6" in decision.text


async def test_running_locked_at_a_low_risk_bone_is_cleared_by_the_runner(sandbox, bot, clock):
    ivy, question = await onboard_with(sandbox, 7008, "Ivy", steps_with("Cleared to run, not running yet", "Yes", "No"))
    decision, _ = await answer_checkin(ivy, question)
    # a start past W6 without running clearance starts at W6 and holds (H7)
    assert "Walk 6 of 6" in decision.text and decision.buttons == [["My clinician cleared running"]]
    assert "Running unlocks when your clinician clears you" in decision.text
    ask = await tap(ivy, "My clinician cleared running")
    menu = await ivy.press_for_reply("Yes", ask, timeout=15)
    assert "Running cleared: yes" in menu.text
    await tap(ivy, "✅ Done")
    decision, _ = await answer_checkin(ivy, await next_day(clock, ivy))
    assert "moving up to Readiness tests" in decision.text


async def test_running_locked_at_a_high_risk_bone_offers_the_invite(sandbox, bot):
    steps = steps_with("Cleared to run, not running yet", "Yes", "Yes")
    steps[1] = ("tap", "Hip (femoral neck)")
    jon, question = await onboard_with(sandbox, 7009, "Jon", steps)
    decision, _ = await answer_checkin(jon, question)
    assert "Walk 6 of 6" in decision.text and "cannot clear themself" in decision.text
    assert decision.buttons == [["Invite your clinician"]]
    await reply(jon, "/settings")
    ask = await tap(jon, "Running clearance")
    assert "only your coach or clinician can confirm" in ask.text and ask.buttons[0] == ["Back"]


async def test_paused_reminders_come_back_from_the_button(sandbox, bot, clock):
    kim, question = await onboard(sandbox, 7010, "Kim")
    await answer_checkin(kim, question)
    await reply(kim, "/pause")
    plan = await reply(kim, "/plan")
    assert "Reminders are paused" in plan.text and ["Turn reminders on"] in plan.buttons
    await kim.press("Turn reminders on", plan)
    assert "on again at 07:00" in (await kim.wait_for_message(timeout=15)).text
    clock.advance(days=1)
    await run_tick(bot.app)
    assert "Good morning" in (await kim.wait_for_message(timeout=15)).text
