"""Words outside a form get a calm answer (issue 16 point 7); a stopped check-in left open is
completed at the end of the day with what is known (point 2); ✓ echoes show the chosen words
(point 9)."""

import sqlite3

from bot.scheduler import run_tick
from tests.e2e.harness import early_stop, reply, tap
from tests.e2e.test_runner_loop import onboard


async def test_pain_talk_outside_a_form_gets_a_calm_answer(sandbox, bot):
    ann, question = await onboard(sandbox, 8101, "Ann")
    await reply(ann, "/cancel")
    calm = await reply(ann, "my shin hurts a bit, what should I do?")
    assert "see a clinician at once" in calm.text and "hurts at night" in calm.text
    assert calm.buttons[0] == ["Check in now"]
    first = await tap(ann, "Check in now")
    assert "Bone check this morning" in first.text
    await reply(ann, "/cancel")
    other = await reply(ann, "hello there")
    assert "/help" in other.text and ["Check in now", "Today's plan"] in other.buttons


async def test_echoes_show_the_chosen_words(sandbox, bot):
    bo, question = await onboard(sandbox, 8102, "Bo")
    card = await tap(bo, "Something's not right")
    assert "✓ Something's not right" in card.text
    await tap(bo, "0")  # pain at rest
    card = await tap(bo, "No")  # night pain
    assert "✓ No\n\nBone pain when you got up" in card.text  # the button's words, not "no"
    for label in ("0", "No", "No", "No", "No"):  # morning, tender, swelling, limp, hip
        card = await tap(bo, label)
    assert "hours did you sleep" in card.text
    calcium_q = await reply(bo, "7h30")
    protein_q = await reply(bo, "3")
    assert "Protein yesterday" in protein_q.text
    await bot.settle()
    assert calcium_q.text.endswith("✓ ≈ 900 mg (3 servings)")  # what "3" was read as
    await reply(bo, "120")  # protein; the weekly cycles question follows
    await bot.settle()
    assert protein_q.text.endswith("✓ ≈ 120 g")
    decision = await tap(bo, "0")
    assert "Protein 120 g" in decision.text


async def test_a_stopped_checkin_left_open_is_completed_at_the_end_of_the_day(sandbox, bot, clock):
    cat, question = await onboard(sandbox, 8103, "Cat")
    await tap(cat, "Something's not right")
    await tap(cat, "0")
    stop = await cat.press_for_reply("Yes", cat.last, timeout=15)  # night pain: stop at once
    assert stop is early_stop(cat)
    await cat.wait_for_message(timeout=15)  # the optional rest: morning pain
    db = sqlite3.connect(bot.db)
    assert db.execute("SELECT count(*) FROM decisions WHERE runner_id = 8103").fetchone() == (0,)
    clock.advance(hours=18)  # past midnight in Berlin
    await run_tick(bot.app)
    row = db.execute("SELECT c.night_pain, c.pain_rest, c.limp, d.action FROM checkins c JOIN decisions d "
                     "ON d.runner_id = c.runner_id AND d.date = c.date WHERE c.runner_id = 8103").fetchone()
    db.close()
    # nothing answered is lost (rest pain 0, night pain yes); the rest read as not green
    assert row == (1, 0, 1, "stop")
    today = await reply(cat, "/checkin")
    assert "Bone check this morning" in today.text
