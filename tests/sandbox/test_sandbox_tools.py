"""The sandbox's pieces used without a bot: markup parsing, the CLI, the thread runner and the
HTTP control API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.sandbox import Sandbox, SandboxThread
from bot.sandbox.formatting import command_entities, parse_text
from bot.sandbox.params import ApiError

ROOT = Path(__file__).resolve().parents[2]


def test_command_entities_use_utf16_offsets() -> None:
    assert command_entities("/start c_abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("👍 /help@stride_bot") == [
        {"type": "bot_command", "offset": 3, "length": 16}]
    assert command_entities("see https://x.org/path") == []


@pytest.mark.parametrize(("source", "mode", "text", "entity"), [
    ("<b>bold</b> &amp; <a href='https://x.org'>link</a>", "HTML", "bold & link",
     {"type": "bold", "offset": 0, "length": 4}),
    ("*Stage RW3* \\- 30 min\\.", "MarkdownV2", "Stage RW3 - 30 min.",
     {"type": "bold", "offset": 0, "length": 9}),
    ("[site](https://x.org/a\\)b) `code`", "MarkdownV2", "site code",
     {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.org/a)b"}),
    ("_italic_ plain", "Markdown", "italic plain", {"type": "italic", "offset": 0, "length": 6}),
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
    ("*bold", "MarkdownV2", "Can't find end of Bold entity"),
    ("1+1=2", "MarkdownV2", r"Character '\+' is reserved"),
    ("_open", "Markdown", "Can't find end of the entity"),
])
def test_bad_markup_raises(source: str, mode: str, error: str) -> None:
    with pytest.raises(ApiError, match=error) as caught:
        parse_text(source, mode)
    assert caught.value.code == 400


@pytest.mark.slow  # a sandbox subprocess (seconds to start)
def test_cli_serves_and_prints_the_url() -> None:
    process = subprocess.Popen([sys.executable, "-m", "bot.sandbox", "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        urls = json.loads(process.stdout.readline())
        assert url.startswith("http://127.0.0.1:") and url.endswith("/bot")
        assert urls["bot_api_url"] == url
        body = httpx.post(f"{url}123:TEST/getMe", timeout=5).json()
        assert body["ok"] and body["result"]["id"] == 123
    finally:
        process.terminate()
        assert process.wait(5) == 0


def test_thread_runner_and_control_api() -> None:
    with SandboxThread(port=0) as sb:
        control = f"{sb.url}/sandbox"
        with httpx.Client(timeout=5) as http:
            sent = http.post(f"{control}/users/1001/send", json={"text": "/start", "first_name": "Ann"})
            assert sent.json()["entities"][0]["type"] == "bot_command"
            updates = http.post(f"{sb.bot_api_url}1:T/getUpdates", data={"timeout": "0"}).json()
            assert updates["result"][0]["message"]["from"]["first_name"] == "Ann"
            markup = json.dumps({"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]})
            http.post(f"{sb.bot_api_url}1:T/sendMessage",
                      data={"chat_id": "1001", "text": "Ready?", "reply_markup": markup})
            assert http.get(f"{control}/users/1001/next", params={"timeout": 1}).json()["buttons"] == [["Yes"]]
            assert http.post(f"{control}/users/1001/press", json={"label": "Yes"}).status_code == 200
            assert http.post(f"{control}/users/1001/press", json={"label": "No"}).status_code == 404
            assert http.get(f"{control}/users/1001/next", params={"timeout": 0.1}).status_code == 408
            assert http.post(f"{control}/faults", json={"error_rate": 0.5}).json()["error_rate"] == 0.5
            assert http.get(f"{control}/stats").json()["by_method"]["sendMessage"] == 1
            http.post(f"{sb.bot_api_url}1:T/sendMessage", data={"chat_id": "1001", "text": "Next?"})
            pressed = http.post(f"{control}/users/1001/press", json={"label": "Yes", "wait": 1})
            assert pressed.json()["reply"]["text"] == "Next?"  # the press's reply, waited for
            pressed = http.post(f"{control}/users/1001/press", json={"data": "y", "wait": 0.1})
            assert pressed.json()["reply"] is None  # nothing came
        assert sb.faults.error_rate == 0.5
        assert sb.users[1001].chat.user.first_name == "Ann"
        assert sb.world.callbacks  # the press reached the sandbox running in the other thread
        assert len(sb.calls("getUpdates")) == 1


async def test_json_bodies_and_case_insensitive_methods(sb: Sandbox) -> None:
    sb.user(1001, "Ann")
    async with httpx.AsyncClient(base_url=f"{sb.bot_api_url}1:T/") as http:
        answer = (await http.post("SENDMESSAGE", json={"chat_id": 1001, "text": "hi"})).json()
        assert answer["ok"] and answer["result"]["text"] == "hi"
        missing = await http.post("getChatHistory", json={})
        assert missing.status_code == 404 and missing.json()["description"] == "Not Found"
