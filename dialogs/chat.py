"""A private chat as the dialogs see it: send, edit and answer buttons through PTB's Bot."""

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

Keyboard = list[list[tuple[str, str]]]  # rows of (label, callback data)


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds, whether PTB gives an int (22, with a deprecation warning
    on access) or a timedelta (23, or PTB_TIMEDELTA=true)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))


def markup(keyboard: Keyboard | None) -> dict[str, Any] | None:
    """Inline buttons as the Bot API's JSON (InlineKeyboardMarkup)."""
    if not keyboard:
        return None
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row]
                                for row in keyboard]}  # fmt: skip


# Replies go through `Bot.do_api_request` without a return type: PTB then returns the raw
# result instead of building a `telegram.Message` (with every keyboard button) that we would
# throw away — that parsing was a fifth of the bot's CPU under load (cProfile,
# benchmarks/checkin_load.py). PTB suggests its typed method instead; here we know better.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)'")
UNCHANGED = "message is not modified"  # Telegram's 400 for an edit to the same text and buttons


@dataclass
class Chat:
    bot: Bot
    chat_id: int
    wake: Callable[[], None] | None = None  # tells the outbox sender new rows are queued

    def wake_outbox(self) -> None:
        """Tell the outbox sender new rows are queued, so they go now, not at its next poll
        (nothing when no sender is wired, as in some tests)."""
        if self.wake is not None:
            self.wake()

    async def send(self, text: str, keyboard: Keyboard | None = None, *, html: bool = False) -> int:
        """Send a reply; a flood-control answer (429) is waited out and tried again, twice."""
        params: dict[str, Any] = {"chat_id": self.chat_id, "text": text}
        if keyboard:
            params["reply_markup"] = markup(keyboard)
        if html:
            params["parse_mode"] = ParseMode.HTML
        result = await self._call("sendMessage", params)
        return int(result["message_id"])

    async def replace(self, message_id: int, text: str, keyboard: Keyboard | None = None) -> bool:
        """Turn a message into another (text and buttons); False if Telegram would not, e.g.
        the network failed: the caller then sends it as a new message instead."""
        params: dict[str, Any] = {"chat_id": self.chat_id, "message_id": message_id, "text": text}
        if keyboard:
            params["reply_markup"] = markup(keyboard)
        try:
            await self._call("editMessageText", params)
        except TelegramError as exc:
            if UNCHANGED in str(exc).lower():  # a repeated press: it already shows this
                return True
            log.info("message %s not replaced (%s): sending anew", message_id, type(exc).__name__)
            return False
        return True

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        for attempt in range(3):
            try:
                return await self.bot.do_api_request(method, params)
            except RetryAfter as exc:
                if attempt == 2:
                    raise
                await asyncio.sleep(retry_seconds(exc))
        raise AssertionError("unreachable")

    async def edit(self, message_id: int, text: str) -> None:
        """Replace a message's text and drop its buttons; harmless if it cannot be edited."""
        params = {"chat_id": self.chat_id, "message_id": message_id, "text": text}
        try:
            await self.bot.do_api_request("editMessageText", params)
        except TelegramError as exc:  # too old, unchanged, flood control, network: cosmetic
            log.debug("edit of message %s skipped: %s", message_id, exc)
