"""A real PTB 22 Application talks to the sandbox over HTTP: text, commands, buttons, files,
odd input, several users at once."""

from __future__ import annotations

import asyncio

import pytest
from sandbox_demo import CHART, REPORT, TOKEN
from telegram import BotCommand
from telegram.error import BadRequest
from telegram.ext import Application

from bot.sandbox import ButtonNotFound, Sandbox


async def test_get_me_describes_the_bot(sb: Sandbox, bot: Application) -> None:
    me = await bot.bot.get_me()
    assert me.is_bot and me.username == "stridecoach_sandbox_bot"
    assert me.id == int(TOKEN.split(":")[0])
    assert sb.calls("getMe")[0].outcome == "ok"


async def test_echo_round_trips_text(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("Hello, coach 👋")
    reply = await ann.wait_for_message(timeout=3)
    assert reply.text == "Hello, coach 👋"
    assert reply.date > 0 and reply.to_dict()["from"]["is_bot"] is True
    assert reply.message_id > ann.chat.user_messages[-1]["message_id"]  # one id sequence per chat


async def test_command_handler_gets_the_payload_as_args(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    sent = await ann.send("/start c_abc")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert (await ann.wait_for_message()).text == "start args=['c_abc']"


async def test_button_press_is_answered_and_edits_the_message(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("/menu")
    question = await ann.wait_for_message()
    assert question.buttons == [["✅ Yes", "No"]]
    query_id = await ann.press("Yes", question)  # matches "✅ Yes" ignoring the emoji
    answer = await ann.wait_for_answer(query_id)
    assert answer.text == "Saved answer:yes" and not answer.show_alert
    assert await ann.wait_for_reply(question, 0) is question  # edited, no new message
    assert question.text == "You said yes" and question.buttons == []
    assert question.history[0]["text"] == "Any pain today?"
    assert ann.messages == [question]  # an edit is not a new message


async def test_press_errors_list_the_buttons_shown(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    with pytest.raises(ButtonNotFound, match="no buttons"):
        await ann.press("Yes")
    await ann.send("/menu")
    await ann.wait_for_message()
    with pytest.raises(ButtonNotFound, match=r"'Maybe'.*\['✅ Yes', 'No'\]"):
        await ann.press("Maybe")


async def test_stale_callback_data_reaches_the_bot(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("/menu")
    await ann.wait_for_message()
    answer = await ann.wait_for_answer(await ann.press_data("checkin:2024-01-01:old"))
    assert answer.show_alert and "expired" in answer.text


async def test_photo_and_document_bytes_arrive_intact(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("/files")
    photo, document = [await ann.wait_for_message() for _ in range(2)]
    assert photo.photo_bytes == CHART and photo.caption == "Your week"
    assert photo.to_dict()["photo"][0]["width"] == 4
    assert document.document_bytes == REPORT and document.document_name == "history.csv"
    assert document.to_dict()["document"]["mime_type"] == "text/csv"


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
async def test_unsupported_input_reaches_the_bot(sb: Sandbox, bot: Application, kind: str) -> None:
    ann = sb.user(1001, "Ann")
    await getattr(ann, f"send_{kind}")()
    assert (await ann.wait_for_message()).text == f"Sorry, I can't read a {kind}. Please use the buttons."


async def test_two_users_concurrently_get_only_their_own_messages(sb: Sandbox, bot: Application) -> None:
    ann, ben = sb.user(1001, "Ann"), sb.user(1002, "Ben")

    async def chat(user, n: int) -> list[str]:
        for i in range(n):
            await user.send(f"{user.chat.user.first_name} {i}")
        return [(await user.wait_for_message()).text for _ in range(n)]

    got_ann, got_ben = await asyncio.gather(chat(ann, 10), chat(ben, 10))
    assert sorted(got_ann) == sorted(f"Ann {i}" for i in range(10))
    assert sorted(got_ben) == sorted(f"Ben {i}" for i in range(10))


async def test_wait_idle_returns_once_the_bot_is_quiet(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("/files")
    await ann.wait_idle(quiet=0.2, timeout=3)
    assert len(ann.messages) == 2 and len(ann.unread()) == 2
    with pytest.raises(TimeoutError, match="no new message"):
        await ann.wait_for_message(timeout=0.1)


async def test_blocking_sends_my_chat_member_and_forbids_sending(sb: Sandbox, bot: Application) -> None:
    ann = sb.user(1001, "Ann")
    ann.block()
    await ann.wait_idle(quiet=0.1, timeout=3)
    assert bot.bot_data["member_changes"] == [(1001, "kicked")]
    ann.unblock()
    await ann.wait_idle(quiet=0.1, timeout=3)
    assert bot.bot_data["member_changes"][-1] == (1001, "member")


async def test_commands_are_registered_and_checked(sb: Sandbox, bot: Application) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("checkin", "Morning check-in")]
    assert await bot.bot.set_my_commands(commands)
    assert list(sb.world.commands.values()) == [[
        {"command": "start", "description": "Begin"},
        {"command": "checkin", "description": "Morning check-in"}]]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.bot.set_my_commands([BotCommand("Check-In", "not a command name")])
