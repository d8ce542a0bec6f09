"""A check-in's end in the worker process (STRIDECOACH_DECISION_WORKER): the same result as in
the bot's own process, and nothing lost or done twice when the worker dies with it."""

import os
import sqlite3

from bot.services import services
from dialogs import checkin
from storage.apart import WorkerLost
from tests.e2e.harness import (
    GREEN,
    BotUnderTest,
    answer_checkin,
    onboarding_steps,
    play,
    question_of,
    reply,
)


async def onboard(sandbox, user_id: int, name: str):
    user = sandbox.user(user_id, first_name=name)
    await reply(user, "/start")
    ready = await play(user, onboarding_steps())
    assert "all set" in ready.text
    return user, await user.wait_for_message(timeout=15)


def rows(path: str, runner_id: int) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        return tuple(db.execute(f"SELECT count(*) FROM {table} WHERE runner_id = ?", [runner_id]).fetchone()[0]
                     for table in ("checkins", "decisions"))  # fmt: skip
    finally:
        db.close()


async def test_the_worker_gives_the_result_the_bot_itself_gives(sandbox, tmp_path, clock):
    texts = {}
    for user_id, on in ((7101, True), (7102, False)):
        path = str(tmp_path / f"bot-{on}.db")
        bot = BotUnderTest(sandbox, path, clock, settings={"decision_worker": on})
        await bot.start()
        try:
            runner, question = await onboard(sandbox, user_id, "Ann")
            result, _ = await answer_checkin(runner, question)
            texts[on] = result.text
            apart = services(bot.app).store._apart
            assert (apart is not None and apart.started == 1) == on  # it served the check-in
        finally:
            await bot.stop()
        assert rows(path, user_id) == (1, 1)
    assert "Walk 1 of 6" in texts[True]
    assert texts[True] == texts[False]


async def test_the_last_press_is_answered_before_the_result_comes(sandbox, bot):
    ann, question = await onboard(sandbox, 7105, "Ann")
    while question_of(question) != "missed_cycles":  # the first check-in's last question
        question = await ann.press_for_reply(GREEN[question_of(question)], question, timeout=15)
    await bot.settle()
    before = len(sandbox.calls())
    result = await ann.press_for_reply(GREEN["missed_cycles"], question, timeout=15)
    assert "Walk 1 of 6" in result.text
    methods = [c.method for c in sandbox.calls()[before:] if c.method != "getUpdates"]
    assert methods.index("answerCallbackQuery") < methods.index("sendMessage"), methods


def counting(monkeypatch) -> list[int]:
    """Calls of decide_and_save in the bot's own process (the worker's are not seen here)."""
    calls: list[int] = []
    original = checkin.decide_and_save

    def decide_and_save(db, user_id, *args, **kwargs):
        calls.append(os.getpid())
        return original(db, user_id, *args, **kwargs)

    monkeypatch.setattr(checkin, "decide_and_save", decide_and_save)
    return calls


async def test_a_worker_lost_before_it_saved_is_finished_by_the_bot(sandbox, bot, monkeypatch):
    ann, question = await onboard(sandbox, 7103, "Ann")
    store = services(bot.app).store

    async def lost(fn, *args):
        raise WorkerLost("the worker process ended (exit code -9)")

    monkeypatch.setattr(store, "apart", lost)
    calls = counting(monkeypatch)
    result, _ = await answer_checkin(ann, question)
    assert "Walk 1 of 6" in result.text  # the runner still gets today's session
    assert calls == [os.getpid()]  # decided here, once
    assert rows(bot.db, 7103) == (1, 1)


async def test_a_worker_lost_after_it_saved_shows_what_it_saved_and_decides_nothing_twice(
    sandbox, bot, monkeypatch
):
    ann, question = await onboard(sandbox, 7104, "Ann")
    store = services(bot.app).store
    real = store.apart

    async def lost_after(fn, *args):
        await real(fn, *args)  # committed in the worker...
        raise WorkerLost("the worker process ended (exit code -9)")  # ...then it died

    monkeypatch.setattr(store, "apart", lost_after)
    calls = counting(monkeypatch)
    result, _ = await answer_checkin(ann, question)
    assert "Walk 1 of 6" in result.text  # the stored decision, shown
    assert calls == []  # not decided (nor alerted) a second time
    assert rows(bot.db, 7104) == (1, 1)
