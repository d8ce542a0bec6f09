"""Bot API methods that send and edit text messages and answer button presses, with Telegram's
checks on text, captions and keyboards (the errors the bot must never trip: empty or too long
text, bad HTML, callback data over 64 bytes, an edit that changes nothing)."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.formatting import parse_text
from bot.sandbox.params import Params, bad_request
from bot.sandbox.state import BotMessage, CallbackAnswer, ChatState, World

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def now() -> int:
    return int(time.time())


def get_chat(world: World, p: Params) -> ChatState:
    chat = world.chats.get(p.chat_id())
    if chat is None:
        raise bad_request("chat not found")
    return chat


def message_text(p: Params) -> tuple[str, list[dict[str, Any]]]:
    raw = p.text("text")
    if raw is None or not raw.strip():
        raise bad_request("message text is empty")
    text, entities = parse_text(raw, p.text("parse_mode"))
    if not text:
        raise bad_request("message text is empty")
    if len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return text, entities


def caption_text(p: Params) -> tuple[str | None, list[dict[str, Any]]]:
    raw = p.text("caption")
    if not raw:
        return None, []
    caption, entities = parse_text(raw, p.text("parse_mode"))
    if len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return caption or None, entities


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup`` as Telegram does; returns it unchanged. The sandbox knows the
    one kind the bot sends: an inline keyboard of callback buttons."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        raise bad_request("can't find field \"inline_keyboard\" (the sandbox knows inline "
                          "keyboards only)")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                          "Array of Arrays")
    for button in (b for row in rows for b in row):
        check_inline_button(button)
    return markup


def check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type "
                          "String")
    data = button.get("callback_data")
    if "callback_data" not in button:
        raise bad_request("can't parse inline keyboard button: the sandbox knows callback "
                          "buttons only")
    if not isinstance(data, str) or not data or len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise bad_request("BUTTON_DATA_INVALID")


def add_message(chat: ChatState, message: BotMessage) -> BotMessage:
    chat.messages.append(message)
    chat.by_id[message.message_id] = message
    chat.touch()
    return message


def editable(world: World, p: Params) -> BotMessage:
    chat = get_chat(world, p)
    message = chat.by_id.get(p.integer("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to edit not found")
    return message


def apply_edit(message: BotMessage, **changes: Any) -> dict[str, Any]:
    inline = (message.reply_markup or {}).get("inline_keyboard") is not None
    current = {name: getattr(message, name) for name in changes}
    if "reply_markup" in current and not inline:
        current["reply_markup"] = None
    if current == changes:
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.to_dict())
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = now()
    message.chat.touch()
    return message.to_dict()


async def send_message(world: World, p: Params) -> dict[str, Any]:
    chat = get_chat(world, p)
    text, entities = message_text(p)
    markup = check_markup(p.obj("reply_markup"))
    message = BotMessage(chat, chat.take_message_id(), now(), text=text, entities=entities,
                         reply_markup=markup)
    return add_message(chat, message).to_dict()


async def edit_message_text(world: World, p: Params) -> dict[str, Any]:
    message = editable(world, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(p)
    # Like Telegram: an edit without reply_markup removes the inline keyboard.
    markup = check_markup(p.obj("reply_markup"))
    return apply_edit(message, text=text, entities=entities, reply_markup=markup)


async def answer_callback_query(world: World, p: Params) -> bool:
    query = world.callbacks.get(p.text("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    chat = world.chats[query.chat_id]
    chat.callback_answers.append(CallbackAnswer(query.id, text, p.flag("show_alert"),
                                                p.text("url"), time.time()))
    chat.touch()
    return True


METHODS = {
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "answercallbackquery": answer_callback_query,
}
