"""Replies once across a kill (bot/journal.py): an update whose handler was cut short runs again
at the next start, but a reply Telegram had answered before the kill is not sent again."""

import asyncio
import datetime as dt
import json
import random
import sqlite3

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # as PTB builds a call

from bot.journal import Journal, fingerprint, journaled
from bot.sandbox import Sandbox
from dialogs import texts
from storage import Store, migrate
from storage.inbox import add_reply, add_update, unhandled
from tests.deploy.helpers import start_polling_bot
from tests.e2e.harness import GREEN, question_of
from tests.resilience.cast import make_plans, midday_zone, seed
from tests.resilience.inbound import command_update

STORED_AT = "2026-01-01T00:00:00.000000+00:00"


def request(params: dict) -> RequestData:
    """The RequestData PTB builds for `Bot.do_api_request(method, params)`."""
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


def test_the_same_call_has_the_same_fingerprint_and_another_call_another():
    send = fingerprint("sendMessage", request({"chat_id": 5, "text": "Hello"}))
    assert send == fingerprint("sendMessage", request({"text": "Hello", "chat_id": 5}))
    assert send != fingerprint("sendMessage", request({"chat_id": 5, "text": "Hello!"}))
    assert send != fingerprint("sendMessage", request({"chat_id": 6, "text": "Hello"}))
    assert send != fingerprint("editMessageText", request({"chat_id": 5, "text": "Hello"}))



def test_only_calls_that_put_something_new_in_a_chat_are_journaled():
    for method in ("sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage"):
        assert journaled(method), method
    # made again they show nothing new: "not modified", a press answered once, "typing…"
    for method in ("editMessageText", "answerCallbackQuery", "sendChatAction", "getMe",
                   "deleteMessage", "setMyCommands"):  # fmt: skip
        assert not journaled(method), method


def test_a_journal_gives_each_earlier_result_once_in_order():
    journal = Journal(1, [["a", {"message_id": 10}], ["a", {"message_id": 11}], ["b", True]])
    assert journal.take("a") == (True, {"message_id": 10})
    assert journal.take("b") == (True, True)
    assert journal.take("a") == (True, {"message_id": 11})
    assert journal.take("a") == (False, None)  # a third one was never made: make it now
    assert journal.take("c") == (False, None)


async def cut_short(db: str, user, command: str, calls: list) -> None:
    """The database as a kill leaves it: `command` stored (so acknowledged to Telegram), its
    handler's `calls` answered by Telegram and journaled, the row not yet marked handled."""
    store = Store(db)
    try:
        await store.run(migrate)
        await store.run(add_update, 555, json.dumps(command_update(555, user, command)), STORED_AT)
        for n, entry in enumerate(calls):
            await store.run(add_reply, 555, n, json.dumps(entry))
    finally:
        store.close()


async def run_until_answered(sandbox: Sandbox, db: str, logs, user, expect: int) -> list[str]:
    """Start the bot, send /help (a new update after the restart), return what `user` saw
    once `expect` messages came and a second passed without another."""
    await user.send("/help")
    bot = await start_polling_bot(sandbox, db, logs)
    try:
        await user.wait_for_messages(expect, timeout=20)
        await user.wait_idle(quiet=1.0)
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
    store = Store(db)
    try:
        assert await store.run(unhandled) == []  # the cut-short update is handled now
    finally:
        store.close()
    return [m.text for m in user.messages]


async def test_a_reply_answered_before_the_kill_is_not_sent_again(tmp_path):
    async with Sandbox() as sandbox:
        db, dee = str(tmp_path / "bot.db"), sandbox.user(6101, first_name="Dee")
        sent = fingerprint("sendMessage", request({"chat_id": dee.id, "text": texts.PRIVACY}))
        await cut_short(db, dee, "/privacy", [[sent, {"message_id": 1, "text": texts.PRIVACY}]])
        # Telegram had delivered the privacy note before the kill: the re-run takes it as sent
        seen = await run_until_answered(sandbox, db, tmp_path / "logs", dee, 1)
    assert seen == [texts.HELP]


async def test_a_reply_the_first_run_had_not_made_is_sent_after_the_restart(tmp_path):
    async with Sandbox() as sandbox:
        db, eli = str(tmp_path / "bot.db"), sandbox.user(6102, first_name="Eli")
        other = fingerprint("sendMessage", request({"chat_id": eli.id, "text": "something else"}))
        await cut_short(db, eli, "/privacy", [[other, {"message_id": 1}]])
        seen = await run_until_answered(sandbox, db, tmp_path / "logs", eli, 2)
    assert seen == [texts.PRIVACY, texts.HELP]


async def test_a_press_run_again_after_a_kill_on_a_form_that_moved_on_sends_nothing(tmp_path):
    """A check-in answer by button whose handler had stored the answer and turned the question
    into the next one, then was killed before its row was marked: run again at the next start,
    it shows nothing new — no message, no edit, no second answer to the press."""
    db = str(tmp_path / "bot.db")
    plan = make_plans(1, 99, random.Random(1))[0]
    seed(db, midday_zone(dt.datetime.now(dt.UTC)), [plan], {})
    async with Sandbox() as sandbox:
        user = sandbox.user(plan.user_id, plan.name)
        bot = await start_polling_bot(sandbox, db, tmp_path / "logs")
        try:
            await user.send("/checkin")
            question = await user.wait_for_message(timeout=20)
            label = GREEN[question_of(question)]
            pressed = question.to_dict()  # as Telegram sends it with the press
            _, button = user.find_button(label, question)
            edits = len(question.history)
            query_id = await user.press_data(button["callback_data"], question)
            # the answer stored, the question turned into the next one
            assert await user.chat.changed.wait_until(lambda: len(question.history) > edits, 20)
            await user.wait_idle(quiet=0.5)
            assert await bot.terminate() == 0
        finally:
            await bot.kill()
        again = {"callback_query": {"id": query_id, "from": user.chat.user.to_dict(),
                                    "chat_instance": str(7_000_000_000 + user.id),
                                    "data": button["callback_data"], "message": pressed}}  # fmt: skip
        conn = sqlite3.connect(db)  # the row as the kill left it: stored, not marked handled
        with conn:
            update_id = conn.execute("SELECT max(update_id) FROM inbox").fetchone()[0]
            conn.execute("UPDATE inbox SET handled_at = NULL, payload = ? WHERE update_id = ?",
                         [json.dumps({"update_id": update_id, **again}), update_id])  # fmt: skip
        conn.close()
        shown = ([m.text for m in user.messages], len(question.history),
                 len(user.chat.callback_answers))  # fmt: skip
        bot = await start_polling_bot(sandbox, db, tmp_path / "logs")
        try:
            await asyncio.sleep(1.0)
            await user.wait_idle(quiet=1.0)
            assert await bot.terminate() == 0
        finally:
            await bot.kill()
        assert ([m.text for m in user.messages], len(question.history),
                len(user.chat.callback_answers)) == shown  # fmt: skip
        assert question.buttons  # still the next question, to be answered
    store = Store(db)
    try:
        assert await store.run(unhandled) == []
    finally:
        store.close()
