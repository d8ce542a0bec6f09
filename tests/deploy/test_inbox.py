"""The inbox end to end: the same update_id delivered twice is handled once (webhook and
polling); an update stored but not handled before a stop is handled at the next start."""

import copy
import json

from dialogs import texts
from storage import Store, migrate
from storage.inbox import add_update, inbox_counts, unhandled
from tests.deploy.helpers import free_port, http, start_polling_bot, start_webhook_bot
from tests.resilience.inbound import command_update


def helps(user) -> int:
    return sum(1 for m in user.messages if m.text == texts.HELP)


async def answered(user, text: str):
    """The bot's next message with `text`, skipping any others."""
    while (message := await user.wait_for_message(timeout=20)).text != text:
        pass
    return message


async def test_the_same_update_posted_twice_to_the_webhook_is_handled_once(sandbox, tmp_path):
    db, port = str(tmp_path / "bot.db"), free_port()
    bot = await start_webhook_bot(sandbox, db, tmp_path / "logs", port)
    ann = sandbox.user(6001, first_name="Ann")
    try:
        secret = (tmp_path / "bot.db.webhook-secret").read_text().strip()
        body = json.dumps(command_update(123_456, ann, "/help")).encode()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        url = f"http://127.0.0.1:{port}/tg/updates"
        assert (await http("POST", url, body, headers))[0] == 200
        assert (await http("POST", url, body, headers))[0] == 200  # Telegram's retry
        await ann.wait_for_message(timeout=20)
        # a later update of the same chat is handled after the copy would have been: once
        # its answer is in, a second answer to /help would be too (no quiet window needed)
        later = json.dumps(command_update(123_457, ann, "/privacy")).encode()
        assert (await http("POST", url, later, headers))[0] == 200
        assert (await answered(ann, texts.PRIVACY)).text == texts.PRIVACY
        assert helps(ann) == 1
        assert await bot.terminate() == 0
        assert "1 copies ignored" in bot.stderr() or "1 copies ignored" in bot.stdout()
    finally:
        await bot.kill()


async def test_the_same_update_fetched_twice_is_handled_once(sandbox, tmp_path):
    db = str(tmp_path / "bot.db")
    bob = sandbox.user(6002, first_name="Bob")
    await bob.send("/help")
    world = sandbox.world
    world.updates.append(copy.deepcopy(world.updates[-1]))  # Telegram sends it twice
    world.update_chat[world.updates[-1]["update_id"]] = 6002
    bot = await start_polling_bot(sandbox, db, tmp_path / "logs")
    try:
        await bob.wait_for_message(timeout=20)
        await bob.send("/privacy")  # handled after the copy would have been (see above)
        assert (await answered(bob, texts.PRIVACY)).text == texts.PRIVACY
        assert helps(bob) == 1
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
    store = Store(db)
    try:
        # one row for /help (its copy stored nowhere), one for /privacy
        assert await store.run(inbox_counts) == {"handled": 2, "unhandled": 0}
    finally:
        store.close()


async def test_an_update_stored_before_a_stop_is_handled_first_at_the_next_start(
    sandbox, tmp_path
):
    db = str(tmp_path / "bot.db")
    cai = sandbox.user(6003, first_name="Cai")
    store = Store(db)  # as a kill leaves it: stored (so acknowledged), not yet handled
    try:
        await store.run(migrate)
        update = command_update(555, cai, "/privacy")
        await store.run(add_update, 555, json.dumps(update), "2026-01-01T00:00:00.000000+00:00")
    finally:
        store.close()
    await cai.send("/help")  # new, after the restart
    bot = await start_polling_bot(sandbox, db, tmp_path / "logs")
    try:
        first = await cai.wait_for_message(timeout=20)
        second = await cai.wait_for_message(timeout=20)
        assert (first.text, second.text) == (texts.PRIVACY, texts.HELP)
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
    store = Store(db)
    try:
        assert await store.run(unhandled) == []
    finally:
        store.close()


def test_a_press_is_kept_without_the_buttons_of_the_pressed_message():
    """What the handlers read of a press stays (data, message id, chat, text); the
    keyboard Telegram sends back with it is neither stored nor parsed."""
    from telegram import Bot, Update

    from bot.inbox import slim

    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "f:1:a:yes"}]]}
    press = {"update_id": 9, "callback_query": {
        "id": "1", "chat_instance": "1", "data": "f:1:a:yes",
        "from": {"id": 7, "is_bot": False, "first_name": "Ann"},
        "message": {"message_id": 3, "date": 0, "text": "Any bone pain?", "reply_markup": keyboard,
                    "chat": {"id": 7, "type": "private"}}}}  # fmt: skip
    query = Update.de_json(slim(copy.deepcopy(press)), Bot("1:A")).callback_query
    assert (query.data, query.message.message_id, query.message.chat.id, query.message.text) == (
        "f:1:a:yes", 3, 7, "Any bone pain?")  # fmt: skip
    assert query.message.reply_markup is None
    message = {"update_id": 10, "message": {"message_id": 4, "date": 0, "text": "/help",
                                            "chat": {"id": 7, "type": "private"}}}  # fmt: skip
    assert slim(copy.deepcopy(message)) == message
