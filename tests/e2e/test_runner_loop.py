"""The runner's daily loop end to end: onboarding, check-ins, scale-back, stop, bad input."""

import asyncio
import time

import pytest

from bot.sandbox.methods import METHODS
from bot.services import services
from dialogs import checkin
from protocols import decide as engine_decide
from tests.e2e.harness import (
    GREEN,
    answer_checkin,
    early_stop,
    onboarding_steps,
    play,
    question_of,
    reply,
    tap,
)


async def onboard(sandbox, user_id: int, name: str = "Ann", **changes: str):
    user = sandbox.user(user_id, first_name=name)
    await reply(user, "/start")
    ready = await play(user, onboarding_steps(**changes))
    assert "all set" in ready.text
    first_question = await user.wait_for_message(timeout=15)
    return user, first_question


async def test_onboarding_ends_with_the_first_prescription(sandbox, bot):
    ann, question = await onboard(sandbox, 1001)
    decision, asked = await answer_checkin(ann, question)
    # first day: nothing about a session yesterday, no soreness question yet, and no weight
    # (given at onboarding); missed periods are asked (female runner)
    assert "session_done" not in asked and "soreness_hours" not in asked
    assert "weight_kg" not in asked and "missed_cycles" in asked
    assert "Walk 1 of 6" in decision.text and "Brisk walk, 10 min" in decision.text
    assert "Next:" in decision.text and "Protein" in decision.text


@pytest.mark.parametrize("bot_settings", [{"decision_worker": False}], indirect=True)
async def test_the_last_answer_stops_its_spinner_before_the_result_is_worked_out(
    sandbox, bot, monkeypatch
):
    """The last press of a check-in is answered (the button stops spinning) before the
    decision is made, not after it and the forecast (~10 ms of work, longer under load).
    Without the worker process, where that work holds the loop (the patched engine is seen
    in this process only); test_decision_worker.py has the order with the worker."""
    ann, question = await onboard(sandbox, 1003)
    while question_of(question) != "missed_cycles":  # the first check-in's last question
        question = await ann.press_for_reply(GREEN[question_of(question)], question, timeout=15)
    await bot.settle()  # the earlier presses' answers are in
    before = len(sandbox.calls())
    seen_at_decision: list[list[str]] = []

    def decide(*args, **kwargs):  # what Telegram had been asked when the decision was made
        seen_at_decision.append(
            [c.method for c in sandbox.calls()[before:] if c.method != "getUpdates"]
        )
        return engine_decide(*args, **kwargs)

    monkeypatch.setattr(checkin, "decide", decide)
    result = await ann.press_for_reply(GREEN["missed_cycles"], question, timeout=15)
    assert "Walk 1 of 6" in result.text
    assert seen_at_decision and seen_at_decision[0] == ["answerCallbackQuery"]


async def test_a_slow_answer_to_the_last_press_does_not_hold_the_result_back(
    sandbox, bot, monkeypatch
):
    """The answer's head start is short: with Telegram slow to take it (3 s), the check-in's
    result still comes at once, and the answer arrives in the end."""
    ann, question = await onboard(sandbox, 1004)
    while question_of(question) != "missed_cycles":
        question = await ann.press_for_reply(GREEN[question_of(question)], question, timeout=15)
    await bot.settle()
    answer = METHODS["answercallbackquery"]

    async def slow_answer(world, params):
        await asyncio.sleep(3)
        return await answer(world, params)

    monkeypatch.setitem(METHODS, "answercallbackquery", slow_answer)
    began = time.monotonic()
    result = await ann.press_for_reply(GREEN["missed_cycles"], question, timeout=15)
    assert "Walk 1 of 6" in result.text
    assert time.monotonic() - began < 1.5
    await ann.wait_for_answer(timeout=10)


async def test_green_checkin_next_day_gives_the_next_session(sandbox, bot, clock):
    ann, question = await onboard(sandbox, 1002)
    await answer_checkin(ann, question)
    clock.advance(days=1)
    question = await reply(ann, "/checkin")
    decision, asked = await answer_checkin(ann, question)
    # yesterday's session in one answer (done, no bone pain): no separate pain question
    assert "session" in asked and "pain_session" not in asked and "soreness_hours" in asked
    assert "missed_cycles" not in asked  # weekly: answered yesterday
    assert "moving up to Walk 2 of 6" in decision.text and "15 min" in decision.text


async def test_soreness_over_a_day_scales_back(sandbox, bot, clock):
    ben, question = await onboard(sandbox, 1003, "Ben", **{"Walking without pain": "Already doing some run/walk"})
    first, _ = await answer_checkin(ben, question)
    assert "Run/walk 1 of 8" in first.text and "Jog 1 min, walk 5 min" in first.text
    clock.advance(days=1)
    decision, _ = await answer_checkin(ben, await reply(ben, "/checkin"), soreness_hours="24 h or more")
    assert "Scaling back to Readiness tests" in decision.text
    assert "Today is a rest day because of soreness" in decision.text
    assert "Soreness from the last session lasted 24 hours or more." in decision.text


async def test_night_pain_stops_and_offers_the_clinician_button(sandbox, bot, clock):
    cat, question = await onboard(sandbox, 1004, "Cat")
    decision, _ = await answer_checkin(cat, question, night_pain="Yes")
    stopped = early_stop(cat)  # at the answer itself, before any further question
    assert stopped.text.startswith("🛑 Stop today's walks and see your clinician.")
    assert "Bone pain woke you" in stopped.text
    assert stopped.buttons == [["I have seen my clinician"]]
    assert decision.text.startswith("🛑 Stop today's walks")
    assert decision.buttons == [["I have seen my clinician"]]
    await cat.press("I have seen my clinician", decision)
    thanks = await cat.wait_for_message(timeout=15)
    assert "restarts one stage below" in thanks.text


async def test_typed_answers_work_like_buttons(sandbox, bot):
    dan, question = await onboard(sandbox, 1005, "Dan")
    decision, _ = await answer_checkin(
        dan, question, bones="type:something's not right", pain_rest="type:0",
        night_pain="type:no", sleep_hours="type:7h30",
        calcium_mg="type:1200 mg", protein_g="type:100 g",
    )  # fmt: skip
    assert "Calcium 1200 mg" in decision.text and "Protein 100 g" in decision.text
    assert "Sleep 7.5 h" in decision.text


async def test_invalid_answers_get_a_reprompt_and_the_form_goes_on(sandbox, bot):
    eve, question = await onboard(sandbox, 1006, "Eve")
    question = await tap(eve, "Something's not right")
    assert "at rest" in question.text
    for bad in ("11", "-1", "abc", "😀", "x" * 4096):
        again = await reply(eve, bad)
        assert again.text.startswith("⚠️") and "at rest" in again.text, bad
    await eve.send_photo()
    again = await eve.wait_for_message(timeout=15)
    assert "typed answer or a button" in again.text and "at rest" in again.text
    await eve.send_sticker()
    again = await eve.wait_for_message(timeout=15)
    assert "typed answer or a button" in again.text
    decision, _ = await answer_checkin(eve, again, bones="Something's not right")
    assert "Today" in decision.text


async def test_a_button_answer_turns_the_question_into_the_next_one(sandbox, bot):
    eve, question = await onboard(sandbox, 1015, "Eve")
    shown = len(eve.messages)
    card = await tap(eve, "Something's not right")
    assert card is question and len(eve.messages) == shown  # edited, nothing new sent
    card = await tap(eve, "0")
    assert card is question and len(eve.messages) == shown
    assert "Bone pain right now" in card.text and "\n✓ 0\n\n" in card.text
    assert card.text.endswith("keep you up last night?") and card.buttons == [["No", "Yes"]]


async def test_a_stale_button_is_politely_closed(sandbox, bot):
    fay, question = await onboard(sandbox, 1007, "Fay")
    question = await tap(fay, "Something's not right")
    old_data = question.button_data["0"]
    card = await tap(fay, "0")
    sent = len(fay.messages)
    await fay.press_data(old_data, question)  # a second press of "0", on the same message
    answer = await fay.wait_for_answer()
    assert "closed" in answer.text
    await bot.settle()
    assert card.text.endswith("keep you up last night?") and card.buttons == [["No", "Yes"]]
    assert len(fay.messages) == sent  # it already showed the current question: nothing new
    forged = await fay.press_data("f:checkin:_date:0", card)  # a stored fact, not a question
    assert "closed" in (await fay.wait_for_answer(forged)).text
    await bot.settle()
    assert card.text.endswith("keep you up last night?") and card.buttons == [["No", "Yes"]]
    await tap(fay, "No")
    shown = card.text
    older = await fay.press_data(old_data, card)  # two questions back, tapped late
    assert "closed" in (await fay.wait_for_answer(older)).text
    await bot.settle()
    assert card.text == shown and "✓ No\n\nBone pain when you got up" in shown


async def test_a_stop_between_storing_an_answer_and_showing_the_next_question(sandbox, bot):
    """The answer is stored with the next question before the message is edited: a press on
    the message still showing the answered question brings the next one up."""
    from storage import load_draft, save_draft

    gil, question = await onboard(sandbox, 1016, "Gil")
    store = services(bot.app).store
    draft = await store.run(load_draft, gil.id)
    await store.run(save_draft, gil.id, "checkin", "sleep_hours",
                    {**draft.answers, "bones": True}, question.message_id)  # fmt: skip
    await gil.press("Something's not right", question)  # the message still asks the bones
    assert "closed" in (await gil.wait_for_answer()).text
    await bot.settle()
    assert "✓ ✅ All clear\n\nHow many hours did you sleep" in question.text  # stored, not the press
    decision, asked = await answer_checkin(gil, question)
    assert asked[0] == "sleep_hours" and "Walk 1 of 6" in decision.text


async def test_second_checkin_offers_a_correction_and_recomputes(sandbox, bot):
    gus, question = await onboard(sandbox, 1008, "Gus")
    await answer_checkin(gus, question)
    offer = await reply(gus, "/checkin")
    assert "already checked in today" in offer.text
    question = await tap(gus, "Correct today's answers")
    assert "Correcting" in question.text
    decision, _ = await answer_checkin(gus, question, limp="Yes")
    assert decision.text.startswith("🛑") and early_stop(gus) is not None
    today = await reply(gus, "/today")
    assert today.text.startswith("🛑")


async def test_cancel_leaves_the_form(sandbox, bot):
    hal, question = await onboard(sandbox, 1009, "Hal")
    bye = await reply(hal, "/cancel")
    assert "Stopped" in bye.text
    nothing = await reply(hal, "hello")
    assert "/help" in nothing.text


async def test_two_runners_answering_at_once_never_mix(sandbox, bot):
    (ivy, q1), (jon, q2) = await asyncio.gather(onboard(sandbox, 1010, "Ivy"), onboard(sandbox, 1011, "Jon"))
    (d1, _), (d2, _) = await asyncio.gather(
        answer_checkin(ivy, q1, night_pain="Yes"), answer_checkin(jon, q2, protein_g="6+")
    )
    assert d1.text.startswith("🛑") and "Protein 100 g" not in d1.text
    assert "Bone pain woke you" in early_stop(ivy).text
    assert not d2.text.startswith("🛑") and "Protein 150 g" in d2.text


async def test_the_summary_can_be_corrected(sandbox, bot):
    liz = sandbox.user(1012, first_name="Liz")
    await reply(liz, "/start")
    steps = onboarding_steps()
    summary = await play(liz, steps[:-1])
    assert "• Weight: 62 kg" in summary.text
    which = await tap(liz, "✏️ Change something")
    weight_q = await tap(liz, "Weight")
    assert "body weight" in weight_q.text
    summary = await reply(liz, "137 lb")
    assert "• Weight: 62.1 kg" in summary.text and "Is everything right?" in summary.text
    done = await tap(liz, "✅ Looks right")
    assert "all set" in done.text
    assert which is not None


async def test_not_sure_site_is_treated_as_high_risk(sandbox, bot):
    mo = sandbox.user(1013, first_name="Mo")
    await reply(mo, "/start")
    await tap(mo, "I agree — let's start")
    diagnosed_q = await tap(mo, "Not sure")
    assert "ask your clinician which bone" in diagnosed_q.text
    steps = onboarding_steps(**{"Walking without pain": "Already doing some run/walk"})[2:]
    ready = await play(mo, steps[:3])  # diagnosed, where now, walking cleared
    assert "coach or clinician confirms running clearance" in ready.text
    done = await play(mo, steps[3:])
    assert "running unlocks only when your coach or clinician confirms" in done.text
    first_q = await mo.wait_for_message(timeout=15)
    decision, _ = await answer_checkin(mo, first_q)
    # a runner cannot clear themself at a high-risk site: walking, not running
    assert "Walk 6 of 6" in decision.text and "Brisk walk, 45 min" in decision.text
    assert "Running needs clearance from your coach or clinician" in decision.text


async def test_a_checkin_left_open_overnight_is_set_aside(sandbox, bot, clock):
    ned, question = await onboard(sandbox, 1014, "Ned")
    await answer_checkin(ned, question)
    clock.advance(days=1)
    question = await reply(ned, "/checkin")
    await tap(ned, "Something's not right")
    await tap(ned, "0")
    clock.advance(days=1)
    aside = await reply(ned, "No")
    assert "earlier day" in aside.text
    fresh = await reply(ned, "/checkin")
    assert "Bone check this morning" in fresh.text
