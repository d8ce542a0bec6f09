"""The bot process is killed hard between two answers and restarted on the same database:
the form continues at the same question with the earlier answers kept."""

import asyncio
import os
import signal
import sys

import pytest

from tests.e2e.harness import TOKEN, play, reply

pytestmark = pytest.mark.slow  # the bot process killed hard and started again


async def start_bot(sandbox, db: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
               STRIDECOACH_BOT_API_URL=sandbox.bot_api_url)  # fmt: skip
    before = len(sandbox.calls("setMyCommands"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    for _ in range(200):  # ready once it has registered its commands
        if len(sandbox.calls("setMyCommands")) > before:
            return proc
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("the bot did not start: " + (await proc.stderr.read()).decode()[-2000:])


async def test_form_resumes_at_the_same_question_after_a_hard_kill(sandbox, tmp_path):
    db = str(tmp_path / "bot.db")
    proc = await start_bot(sandbox, db)
    kim = sandbox.user(2001, first_name="Kim")
    try:
        await reply(kim, "/start")
        diagnosed_q = await play(kim, [("tap", "I agree — let's start"), ("tap", "Heel")])
        assert "When was it diagnosed" in diagnosed_q.text
        await kim.wait_idle()  # between two answers: the bot has nothing in hand
        proc.send_signal(signal.SIGKILL)  # no clean shutdown at all
        await proc.wait()

        proc = await start_bot(sandbox, db)
        stage_q = await reply(kim, "6 weeks ago", timeout=10)
        assert "Where are you now?" in stage_q.text
        summary = await play(kim, [
            ("tap", "Walking without pain"), ("tap", "Yes"), ("tap", "No"), ("type", "70 kg"),
            ("type", "41"), ("tap", "Male"), ("tap", "4 h"), ("tap", "No"),
            ("tap", "Europe/London"), ("tap", "Yes"), ("tap", "07:30"), ("tap", "Sat + Sun"),
        ])  # fmt: skip
        assert "• Injured bone: Heel" in summary.text  # answered before the kill
        assert "• Weight: 70 kg" in summary.text
    finally:
        proc.kill()
        await proc.wait()
