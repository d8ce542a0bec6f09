"""An operator's mistakes at start-up get one clear line and exit status 2, no traceback: a
token Telegram rejects, a Bot API that cannot be reached. SIGTERM in polling mode ends quietly."""

import asyncio

import pytest

from bot.sandbox import Sandbox
from tests.deploy.helpers import free_port, spawn, start_polling_bot


def meaningful(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("mode", [(), ("--webhook-url", "https://bot.example.com/tg")])
async def test_a_rejected_token_is_one_line_and_exit_2(tmp_path, mode):
    async with Sandbox(token="1:the-real-token") as sandbox:  # any other token: 401
        bot = await spawn(sandbox, str(tmp_path / "bot.db"), tmp_path / "logs", *mode)
        assert await bot.wait() == 2
        lines = meaningful(bot.stderr())
        assert len(lines) == 1, lines
        assert "Telegram rejected the bot token (STRIDECOACH_TOKEN)" in lines[0]
        assert "Traceback" not in bot.output()
        assert not sandbox.calls("getUpdates") and not sandbox.calls("setWebhook")


async def test_an_unreachable_bot_api_is_one_line_and_exit_2(tmp_path):
    class Nowhere:  # a port nothing listens on
        bot_api_url = f"http://127.0.0.1:{free_port()}/bot"

    bot = await spawn(Nowhere, str(tmp_path / "bot.db"), tmp_path / "logs")
    assert await bot.wait() == 2
    lines = meaningful(bot.stderr())
    assert len(lines) == 1, lines
    assert lines[0].startswith("stridecoach: cannot reach the Bot API at http://127.0.0.1:")
    assert "STRIDECOACH_BOT_API_URL" in lines[0] and "Traceback" not in bot.output()
    assert "987654321" not in lines[0]  # never the token


async def test_sigterm_while_polling_ends_quietly(sandbox, tmp_path):
    bot = await start_polling_bot(sandbox, str(tmp_path / "bot.db"), tmp_path / "logs",
                                  STRIDECOACH_LOG_LEVEL="INFO")  # fmt: skip
    await asyncio.sleep(0.5)  # inside a long poll
    assert await bot.terminate() == 0
    err = bot.stderr()
    assert "Traceback" not in err and "ERROR" not in err and "CRITICAL" not in err, err
    assert "SIGTERM: stopping" in err
