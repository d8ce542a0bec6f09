"""SIGTERM in the middle of a check-in: the real bot (polling, the default mode) finishes the
button press in hand, exits with status 0, and after a restart the answer is there and the
check-in goes on at the next question."""

import asyncio

import pytest

from storage import Store, load_draft, set_paused
from tests.deploy.helpers import slow_next_send, start_polling_bot
from tests.e2e.harness import answer_checkin, onboarding_steps, play, question_of, reply

pytestmark = pytest.mark.slow  # SIGTERM to a real bot process mid-check-in


async def test_sigterm_mid_checkin_loses_nothing(sandbox, tmp_path):
    db = str(tmp_path / "bot.db")
    logs = tmp_path / "logs"
    bot = await start_polling_bot(sandbox, db, logs)
    lea = sandbox.user(4001, first_name="Lea")
    try:
        await reply(lea, "/start", timeout=20)
        ready = await play(lea, onboarding_steps(), timeout=20)
        assert "all set" in ready.text
        rest_q = await lea.wait_for_message(timeout=20)
        assert question_of(rest_q) == "pain_rest"
        # this bot runs on the real clock: keep its reminders (07:00 Berlin + 2 h of catch-up
        # after the restart, Sunday summaries) out of the conversation under test
        store = Store(db)
        try:
            await store.run(set_paused, 4001, True)
        finally:
            store.close()

        # The press is handled slowly: the answer is stored, then the edit that turns the
        # question into the next one is answered 1.5 s late. SIGTERM arrives while that edit
        # is in flight, i.e. after the press reached the bot, before its reply was shown.
        began = slow_next_send(sandbox)
        edits = len(rest_q.history)
        await lea.press("2", rest_q)
        await asyncio.wait_for(began.wait(), 20)
        bot.proc.terminate()
        assert await bot.wait() == 0, bot.output()[-3000:]
        assert "Traceback" not in bot.stderr()

        night_q = rest_q  # shown before the process exited
        assert len(night_q.history) > edits and question_of(night_q) == "night_pain"
        store = Store(db)  # the bot closed the database; it opens cleanly
        try:
            draft = await store.run(load_draft, 4001)
        finally:
            store.close()
        assert draft.form == "checkin" and draft.question == "night_pain"
        assert draft.answers["pain_rest"] == 2

        bot = await start_polling_bot(sandbox, db, logs)
        decision, asked = await answer_checkin(lea, night_q)
        assert asked[0] == "night_pain" and "pain_rest" not in asked
        # the answer given before SIGTERM (pain at rest 2) decides the day
        assert "You have bone pain at rest" in decision.text, decision.text
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
