"""The sandbox's pieces used without a bot: markup parsing, the HTTP control API and raw
Bot API requests."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.sandbox.formatting import command_entities, parse_text
from bot.sandbox.params import ApiError


def test_command_entities_use_utf16_offsets() -> None:
    assert command_entities("/start c_abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("👍 /help@stride_bot") == [
        {"type": "bot_command", "offset": 3, "length": 16}]
    assert command_entities("see https://x.org/path") == []


@pytest.mark.parametrize(("source", "mode", "text", "entity"), [
    ("<b>bold</b> &amp; <a href='https://x.org'>link</a>", "HTML", "bold & link",
     {"type": "bold", "offset": 0, "length": 4}),
    ("👍 <i>x</i>", "HTML", "👍 x", {"type": "italic", "offset": 3, "length": 1}),  # UTF-16
    ("  padded  ", None, "padded", None),
])
def test_parse_text(source: str, mode: str | None, text: str, entity: dict | None) -> None:
    plain, entities = parse_text(source, mode)
    assert plain == text
    assert (entities[0] if entities else None) == entity


@pytest.mark.parametrize(("source", "mode", "error"), [
    ("<b>open", "HTML", "Can't find end tag"),
    ("a < b", "HTML", 'Unsupported start tag "" at byte offset 2'),
    ("<b", "HTML", "Unclosed start tag"),
    ("</i>", "HTML", "Unmatched end tag"),
    ("*bold*", "MarkdownV2", "unsupported parse_mode MarkdownV2"),  # the bot sends HTML only
])
def test_bad_markup_raises(source: str, mode: str, error: str) -> None:
    with pytest.raises(ApiError, match=error) as caught:
        parse_text(source, mode)
    assert caught.value.code == 400


async def test_control_api_acts_as_users_for_another_process(sb: Sandbox) -> None:
    """What benchmarks/checkin_load.py does from its own process: send, press, read."""
    control = f"{sb.url}/sandbox"
    async with httpx.AsyncClient(timeout=5) as http:
        sent = await http.post(f"{control}/users/1001/send", json={"text": "/start", "first_name": "Ann"})
        assert sent.json()["entities"][0]["type"] == "bot_command"
        updates = (await http.post(f"{sb.bot_api_url}1:T/getUpdates", data={"timeout": "0"})).json()
        assert updates["result"][0]["message"]["from"]["first_name"] == "Ann"
        markup = json.dumps({"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]})
        await http.post(f"{sb.bot_api_url}1:T/sendMessage",
                        data={"chat_id": "1001", "text": "Ready?", "reply_markup": markup})
        ready = await http.get(f"{control}/users/1001/next", params={"timeout": 1})
        assert ready.json()["buttons"] == [["Yes"]]
        assert (await http.get(f"{control}/users/1001/next", params={"timeout": 0.1})).status_code == 408
        assert (await http.post(f"{control}/users/1001/press", json={"data": "y"})).status_code == 200
        assert (await http.get(f"{control}/stats")).json()["by_method"]["sendMessage"] == 1
        await http.post(f"{sb.bot_api_url}1:T/sendMessage", data={"chat_id": "1001", "text": "Next?"})
        pressed = await http.post(f"{control}/users/1001/press", json={"data": "y", "wait": 1})
        assert pressed.json()["reply"]["text"] == "Next?"  # the press's reply, waited for
        pressed = await http.post(f"{control}/users/1001/press", json={"data": "y", "wait": 0.1})
        assert pressed.json()["reply"] is None  # nothing came
    assert sb.users[1001].chat.user.first_name == "Ann"
    assert len(sb.world.callbacks) == 3 and len(sb.calls("getUpdates")) == 1


async def test_json_bodies_and_case_insensitive_methods(sb: Sandbox) -> None:
    sb.user(1001, "Ann")
    async with httpx.AsyncClient(base_url=f"{sb.bot_api_url}1:T/") as http:
        answer = (await http.post("SENDMESSAGE", json={"chat_id": 1001, "text": "hi"})).json()
        assert answer["ok"] and answer["result"]["text"] == "hi"
        missing = await http.post("getChatHistory", json={})
        assert missing.status_code == 404 and missing.json()["description"] == "Not Found"
