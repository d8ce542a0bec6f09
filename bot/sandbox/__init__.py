"""A local fake Telegram Bot API server (aiohttp) and a Python API to act as its users.

It answers the Bot API methods the bot calls, and no others (see ``methods.METHODS``), with
Telegram's errors for them. Tests, benchmarks and ``stridecoach try`` point the bot at it with
``base_url``::

    async with Sandbox() as sb:
        app = ApplicationBuilder().token("123:TEST").base_url(sb.bot_api_url)
                                  .base_file_url(sb.file_url).build()
        ann = sb.user(1001, "Ann")
        await ann.send("/start")
        reply = await ann.wait_for_message()
"""

from bot.sandbox.client import ButtonNotFound, SandboxUser
from bot.sandbox.faults import CallRecord, Faults, RateLimits
from bot.sandbox.sandbox import Sandbox
from bot.sandbox.state import BotMessage, CallbackAnswer

__all__ = [
    "BotMessage",
    "ButtonNotFound",
    "CallRecord",
    "CallbackAnswer",
    "Faults",
    "RateLimits",
    "Sandbox",
    "SandboxUser",
]
