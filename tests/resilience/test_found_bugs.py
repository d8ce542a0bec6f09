"""Bugs the resilience tests ran into, each reproduced as small as it gets; both fixed (commit
7c2084f), kept so they stay fixed."""

import contextlib
import datetime as dt
import random

from bot.sandbox import Sandbox
from bot.services import services
from storage import load_draft
from tests.e2e.harness import BotUnderTest, question_of, reply
from tests.resilience.workload import make_plans, midday_zone, seed

# One runner seeded into the database (check-in time hours away: no reminder interferes);
# the real clock, the bot in-process.


@contextlib.asynccontextmanager
async def runner_at_checkin(tmp_path):
    plan = make_plans(1, red_every=99, rng=random.Random(1))[0]
    plan.weekly = False
    path = str(tmp_path / "bot.db")
    seed(path, midday_zone(dt.datetime.now(dt.UTC)), [plan], {})
    async with Sandbox() as sandbox:
        bot = BotUnderTest(sandbox, path)
        await bot.start()
        try:
            user = sandbox.user(plan.user_id, plan.name)
            yield sandbox, bot, user, await reply(user, "/checkin")
        finally:
            await bot.stop()


async def draft_answers(bot: BotUnderTest, user_id: int) -> tuple[str, dict]:
    draft = await services(bot.app).store.run(load_draft, user_id)
    return draft.question, draft.answers


async def test_a_failed_edit_does_not_drop_the_answer(tmp_path):
    """A 5xx, dropped connection or timeout on the cosmetic edit of an answered question
    (Chat.edit in runner._accept) used to abort the answer before ask() saved the draft: the
    answer was discarded and the runner told "Sorry … your answers so far are saved". Now
    that edit turns the question into the next one; when it fails, the next question is sent
    as a new message."""
    async with runner_at_checkin(tmp_path) as (sandbox, bot, user, question):
        question = await user.press_for_reply("Something's not right", question)
        assert question_of(question) == "pain_rest"
        sandbox.faults.fail_next("error")  # the next send-like call: the edit of this question
        shown = question.text
        await user.press("0", question)
        after = await user.wait_for_message()
        assert sandbox.calls("editMessageText", "error_5xx")
        assert question_of(after) == "night_pain", after.text
        assert question.text == shown  # the failed edit changed nothing
        current, answers = await draft_answers(bot, user.id)
        assert (current, answers.get("pain_rest")) == ("night_pain", 0)


async def test_a_resent_typed_answer_is_not_taken_for_the_next_question(tmp_path):
    """runner.answer_text used to apply a typed text to whatever question was current: an
    answer typed twice while waiting for a reply was stored as the answer to the next
    question, which the runner never saw (here 8 calcium servings, 2400 mg)."""
    async with runner_at_checkin(tmp_path) as (sandbox, bot, user, question):
        answers = {"bones": "✅ All clear"}
        while question_of(question) != "sleep_hours":
            question = await user.press_for_reply(
                answers.get(question_of(question), "No"), question
            )
        await user.send("8")  # no reply yet (the bot is slow, or was down) …
        await user.send("8")  # … so the runner sends it again
        await bot.settle()
        current, answers = await draft_answers(bot, user.id)
        assert answers["sleep_hours"] == 8
        assert "calcium_mg" not in answers, f"calcium stored as {answers['calcium_mg']} mg"
        assert current == "calcium_mg"
