"""The coach's Monday digest over the sandbox: a week of check-ins by three runners, one of
them stopped on Wednesday (issue 17, point 5)."""

import os
import re

import pytest

from bot.scheduler import run_tick
from tests.e2e.harness import answer_checkin, reply
from tests.e2e.test_coach import coach_with_code, linked_runner

# Ann all green; Bob a red flag on Wednesday (resumed by the coach on Thursday); Cat short
# nights mid-week. Day 0 is Monday 2 March.
BOB_STOP_DAY = 2
CAT_SHORT_NIGHTS = (2, 3, 4)


@pytest.mark.slow
async def test_monday_digest_of_a_week_with_a_stop(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    await reply(coach, "/coach zone Berlin")
    ann, q_ann = await linked_runner(sandbox, coach, code, 5001, "Ann",
                                     **{"Walking without pain": "Already doing some run/walk"})  # fmt: skip
    bob, q_bob = await linked_runner(sandbox, coach, code, 5002, "Bob", Female="Male")
    cat, q_cat = await linked_runner(sandbox, coach, code, 5003, "Cat",
                                     **{"Walking without pain": "Cleared to run, not running yet"})  # fmt: skip
    questions = {ann: q_ann, bob: q_bob, cat: q_cat}
    for day in range(7):
        if day:
            clock.advance(days=1)
            for runner in questions:
                await bot.settle()
                runner.unread()
                questions[runner] = await reply(runner, "/checkin")
        await answer_checkin(ann, questions[ann], calcium_mg="4")
        bob_answers = {"night_pain": "Yes", "pain_rest": "3"} if day == BOB_STOP_DAY else {}
        await answer_checkin(bob, questions[bob], **bob_answers)
        await answer_checkin(cat, questions[cat], **({"sleep_hours": "6"} if day in CAT_SHORT_NIGHTS else {}))
        if day == BOB_STOP_DAY:
            await coach.send("/resume Bob")
            await bot.settle()
            await coach.press("▶️ Resume Bob's plan")
            await bot.settle()
    # Monday 9 March, 08:00 in Berlin (07:00 UTC): the digest comes, once
    clock.advance(days=1, hours=1)
    await run_tick(bot.app)
    assert await coach.chat.changed.wait_until(lambda: any(m.photo for m in coach.messages), 30)
    photo = next(m for m in coach.messages if m.photo)
    assert photo.photo_bytes.startswith(b"\x89PNG")
    last = coach.messages.index(photo)
    if not photo.caption:  # a text over Telegram's 1024-character caption follows the photo
        last += 1
        assert await coach.chat.changed.wait_until(lambda: len(coach.messages) > last, 15)
    text = photo.caption or coach.messages[last].text
    await run_tick(bot.app)
    await bot.settle()
    assert len(coach.messages) == last + 1  # once: a second tick sends nothing
    if os.environ.get("STRIDECOACH_DIGEST_EXAMPLE"):  # docs/digest-example.png and the text
        with open(os.environ["STRIDECOACH_DIGEST_EXAMPLE"], "wb") as out:
            out.write(photo.photo_bytes)
        with open(os.environ["STRIDECOACH_DIGEST_EXAMPLE"] + ".txt", "w") as out:
            out.write(text)

    assert text.startswith("Weekly digest · 2 Mar – 8 Mar\n🟢 on track · 🟠 worth a look")
    ann_part, bob_part, cat_part = (re.search(rf"#{n} .*?(?=\n\n|\Z)", text, re.S).group(0) for n in (1, 2, 3))
    assert ann_part.startswith("#1 🟢 Ann (Shin — inner edge)")
    assert "• Check-ins: 7 of 7" in ann_part and "• Alerts: none" in ann_part
    assert "• Bone pain: none all week" in ann_part and "• Sleep and food: no flags" in ann_part
    assert "• Check-ins: 7 of 7" in bob_part
    # the alert at the first red-flag answer (pain at rest), then one when the rest of the
    # check-in showed another (night pain): issue 16, a red flag stops at once
    assert ("• Alerts: urgent Wed 4 Mar (pain at rest, pain getting worse); urgent Wed 4 Mar "
            "(night pain, pain at rest, pain getting worse)") in bob_part
    assert "• Bone pain: peak 3/10 on Wed 4 Mar, 0/10 at the last check-in — easing; night pain Wed 4 Mar" in bob_part
    assert re.search(r"• Stage: W1 → W\d \(.*\); stopped Wed 4 Mar at W2, back on the plan Thu 5 Mar", bob_part), bob_part
    assert "• Sleep and food: under 7 h sleep on 3 nights; calcium under 1000 mg on 7 days" in cat_part
    assert "• Stage: RW1 → RW" in ann_part
    assert "you" not in re.sub(r"\b(your athletes|you resume)\b", "", text.lower()).replace("your", "")
