"""Once per action, runner side (issue 15, point 5), through the sandbox: repeated presses
of a button that changes state do it once and answer "already"; presses from anywhere but
the form's own private chat change nothing; a press without a message is answered."""

import sqlite3

from bot.scheduler import run_tick
from tests.e2e.harness import answer_checkin, reply
from tests.e2e.test_progress import two_days
from tests.e2e.test_runner_loop import onboard

GROUP = {"id": -1001234567890, "type": "supergroup", "title": "Running club"}


def count(db_path: str, sql: str, *params) -> int:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql, params).fetchone()[0]
    finally:
        db.close()


async def answers(user, query_ids: list[str]) -> list[str | None]:
    return [(await user.wait_for_answer(q, timeout=15)).text for q in query_ids]


async def test_twenty_presses_of_delete_everything_delete_once(sandbox, bot, clock):
    gus = await two_days(sandbox, bot, clock, 5101, "Gus")
    confirm = await reply(gus, "/delete")
    data = confirm.button_data["Delete everything"]
    presses = [await gus.press_data(data, confirm) for _ in range(20)]  # as fast as a thumb
    texts = await answers(gus, presses)
    await bot.settle()

    done = [m for m in gus.unread() if "everything about you is deleted" in (m.text or "")]
    assert len(done) == 1  # one "Done"
    assert texts.count(None) == 1  # the press that deleted: no toast, the message says it
    assert sum("Already done" in (t or "") for t in texts) == 19
    assert count(bot.db, "SELECT count(*) FROM audit_log WHERE action = 'runner_deleted'") == 1
    assert count(bot.db, "SELECT count(*) FROM runners WHERE user_id = 5101") == 0


async def test_a_forged_confirmation_from_a_stranger_writes_nothing(sandbox, bot, clock):
    await two_days(sandbox, bot, clock, 5102, "Hal")  # someone else's data exists
    stranger = sandbox.user(5199, first_name="Ivo")
    hello = await reply(stranger, "/help")
    audit = count(bot.db, "SELECT count(*) FROM audit_log")
    forged = f"del:confirm:{int(clock.now.timestamp())}"
    text = (await answers(stranger, [await stranger.press_data(forged, hello)]))[0]
    assert "I hold no data about you" in text
    assert count(bot.db, "SELECT count(*) FROM audit_log") == audit
    assert count(bot.db, "SELECT count(*) FROM runners WHERE user_id = 5199") == 0
    assert count(bot.db, "SELECT count(*) FROM runners WHERE user_id = 5102") == 1
    await bot.settle()
    assert stranger.unread() == []  # no "Done", no message at all


async def test_presses_from_a_group_change_nothing(sandbox, bot, clock):
    jo = await two_days(sandbox, bot, clock, 5103, "Jo")
    confirm = await reply(jo, "/delete")
    data = confirm.button_data["Delete everything"]
    # the same press, but on a copy of the message in a group chat
    text = (await answers(jo, [await jo.press_data(data, confirm, in_chat=GROUP)]))[0]
    assert "only in your own chat" in text
    assert count(bot.db, "SELECT count(*) FROM runners WHERE user_id = 5103") == 1
    # a form answer pressed in a group does not answer Jo's private check-in either
    clock.advance(days=1)
    question = await reply(jo, "/checkin")
    draft = "SELECT question || answers FROM form_drafts WHERE user_id = 5103"
    before = count(bot.db, draft)
    pressed = await jo.press_data(question.button_data["✅ All clear"], question, in_chat=GROUP)
    assert "only in your own chat" in (await answers(jo, [pressed]))[0]
    await bot.settle()
    assert jo.unread() == []
    assert count(bot.db, draft) == before  # the open question and answers as they were
    # in her own chat the same button works
    decision, _ = await answer_checkin(jo, question)
    assert decision.text


async def test_a_press_without_a_message_is_answered(sandbox, bot, clock):
    kim = await two_days(sandbox, bot, clock, 5104, "Kim")
    for data in ("del:confirm:1", "snooze:1", "f:pain_rest:0", "checkin:start", "seen:1"):
        text = (await answers(kim, [await kim.press_data(data, inline=True)]))[0]
        assert "no longer works" in text
    assert count(bot.db, "SELECT count(*) FROM runners WHERE user_id = 5104") == 1
    assert not sandbox.calls(outcome="error")  # nothing the bot sent was refused


async def test_snooze_twice_is_one_snooze(sandbox, bot, clock):
    lea, _question = await onboard(sandbox, 5105, "Lea")  # checks in at 07:00 Berlin
    await bot.settle()
    clock.advance(days=1)  # Tuesday 06:00 UTC = 07:00 Berlin: the reminder is due
    await run_tick(bot.app)
    reminder = await lea.wait_for_message(timeout=15)
    first = await lea.press_data("snooze:1", reminder)
    second = await lea.press_data("snooze:1", reminder)
    third = await lea.press_data("snooze:3", reminder)
    texts = await answers(lea, [first, second, third])
    assert texts[0] == "OK — I'll remind you again at 08:00."
    assert texts[1] == texts[2] == "Already snoozed — I'll remind you at 08:00."


async def test_i_have_seen_my_clinician_twice_is_one_resume(sandbox, bot, clock):
    mo, question = await onboard(sandbox, 5106, "Mo")
    decision, _ = await answer_checkin(mo, question, night_pain="Yes")
    assert decision.buttons == [["I have seen my clinician"]]
    data = decision.button_data["I have seen my clinician"]
    presses = [await mo.press_data(data, decision) for _ in range(5)]
    texts = await answers(mo, presses)
    await bot.settle()
    thanks = [m for m in mo.unread() if (m.text or "").startswith("Thank you")]
    assert len(thanks) == 1
    assert sum((t or "").startswith("Already noted") for t in texts) == 4
    assert count(bot.db, "SELECT count(*) FROM events WHERE runner_id = 5106 AND type = 'resume'") == 1
