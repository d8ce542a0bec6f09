"""A private chat as the dialogs see it: send, edit and answer buttons through PTB's Bot."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

log = logging.getLogger(__name__)

Keyboard = list[list[tuple[str, str]]]  # rows of (label, callback data)


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
        message = await self.bot.send_message(
            self.chat_id,
            text,
            reply_markup=markup(keyboard),
            parse_mode=ParseMode.HTML if html else None,
        )
        return message.message_id

    async def edit(self, message_id: int, text: str) -> None:
        """Replace a message's text and drop its buttons; harmless if it cannot be edited."""
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=message_id)
        except BadRequest as exc:  # too old, deleted or unchanged: the answer is stored anyway
            log.debug("edit of message %s skipped: %s", message_id, exc)
