"""A private chat as the dialogs see it: send, edit and answer buttons through PTB's Bot."""

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
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


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in keyboard]
    )


@dataclass
class Chat:
    bot: Bot
    chat_id: int
    wake: Callable[[], None] | None = None  # tells the outbox sender new rows are queued

    async def send(self, text: str, keyboard: Keyboard | None = None, *, html: bool = False) -> int:
        """Send a reply; a flood-control answer (429) is waited out and tried again, twice."""
        for attempt in range(3):
            try:
                message = await self.bot.send_message(
                    self.chat_id,
                    text,
                    reply_markup=markup(keyboard),
                    parse_mode=ParseMode.HTML if html else None,
                )
                return message.message_id
            except RetryAfter as exc:
                if attempt == 2:
                    raise
                await asyncio.sleep(retry_seconds(exc))
        raise AssertionError("unreachable")

    async def edit(self, message_id: int, text: str) -> None:
        """Replace a message's text and drop its buttons; harmless if it cannot be edited."""
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=message_id)
        except TelegramError as exc:  # too old, unchanged, flood control, network: cosmetic
            log.debug("edit of message %s skipped: %s", message_id, exc)
