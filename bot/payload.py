"""What an outbox row holds and how it becomes Bot API calls.

Payload convention (a JSON object):

    {"text": str,                      # the message (≤ 4096 chars), or the photo's caption
     "keyboard": [[[label, callback_data], ...], ...] | None,   # inline buttons, row by row
     "photo_b64": str | None,          # PNG bytes, base64: sent with sendPhoto
     "html": bool}                     # optional: parse_mode HTML (default plain text)

With a photo, `text` (may be empty) is the caption when it has at most 1024 characters;
a longer text is sent as a second message right after the photo (the keyboard goes on the
last message). A payload that breaks this convention is a bug: the outbox fails the row.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

CAPTION_LIMIT = 1024

Part = Callable[[], Awaitable[Any]]


class PayloadError(ValueError):
    """A payload that breaks the convention of this module's docstring."""


@dataclass(frozen=True, slots=True)
class Content:
    text: str
    markup: InlineKeyboardMarkup | None
    photo: bytes | None
    parse_mode: str | None


def parse_payload(payload: Any) -> Content:
    """Check a payload against the convention; raises PayloadError."""
    if not isinstance(payload, dict):
        raise PayloadError("payload is not an object")
    text = payload.get("text", "")
    if not isinstance(text, str):
        raise PayloadError("text is not a string")
    photo = None
    if payload.get("photo_b64") is not None:
        try:
            photo = base64.b64decode(payload["photo_b64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise PayloadError("photo_b64 is not base64") from None
        if not photo:
            raise PayloadError("photo_b64 is empty")
    elif not text.strip():
        raise PayloadError("text is empty")
    markup = None
    rows = payload.get("keyboard")
    if rows:
        try:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(str(label), callback_data=str(data))
                  for label, data in row] for row in rows]
            )  # fmt: skip
        except (TypeError, ValueError):
            raise PayloadError("keyboard is not [[[label, callback_data], ...], ...]") from None
    return Content(text, markup, photo, ParseMode.HTML if payload.get("html") else None)


def parts(bot: Bot, chat_id: int, content: Content) -> list[Part]:
    """The requests that deliver `content`, in order: one, or a photo then its long text."""
    text, markup, mode = content.text, content.markup, content.parse_mode
    if content.photo is None:
        return [lambda: bot.send_message(chat_id, text, parse_mode=mode, reply_markup=markup)]
    photo = content.photo
    if len(text) <= CAPTION_LIMIT:
        return [lambda: bot.send_photo(chat_id, photo, caption=text or None,
                                       parse_mode=mode if text else None,
                                       reply_markup=markup)]  # fmt: skip
    return [
        lambda: bot.send_photo(chat_id, photo),
        lambda: bot.send_message(chat_id, text, parse_mode=mode, reply_markup=markup),
    ]
