"""Bot API methods that send, edit and delete text messages, answer button presses and show
chat actions; with Telegram's checks on text, captions and keyboards."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.formatting import parse_text
from bot.sandbox.params import ApiError, Params, bad_request
from bot.sandbox.state import BotMessage, CallbackAnswer, ChatState, World

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
INLINE_BUTTON_KINDS = ("callback_data", "url", "web_app", "login_url", "switch_inline_query",
                       "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                       "copy_text", "callback_game", "pay")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                "upload_voice", "upload_document", "choose_sticker", "find_location",
                "record_video_note", "upload_video_note"}
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


def now() -> int:
    return int(time.time())


def get_chat(world: World, p: Params) -> ChatState:
    chat_id = p.chat_id()
    if isinstance(chat_id, str):
        name = chat_id.removeprefix("@").lower()
        chat = next((c for c in world.chats.values()
                     if (c.user.username or "").lower() == name), None)
    else:
        chat = world.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def message_text(p: Params) -> tuple[str, list[dict[str, Any]]]:
    raw = p.text("text")
    if raw is None or not raw.strip():
        raise bad_request("message text is empty")
    text, entities = parse_text(raw, p.text("parse_mode"))
    if not p.has("parse_mode") and p.has("entities"):
        entities = p.obj("entities")
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
    if not p.has("parse_mode") and p.has("caption_entities"):
        entities = p.obj("caption_entities")
    if len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return caption or None, entities


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup`` as Telegram does; returns it unchanged."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                              "Array of Arrays")
        for button in (b for row in rows for b in row):
            check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array '
                              "of Arrays")
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("can't find field \"inline_keyboard\"")
    return markup


def check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type "
                          "String")
    kinds = [kind for kind in INLINE_BUTTON_KINDS if kind in button]
    if not kinds:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in "
                          "the inline keyboard")
    data = button.get("callback_data")
    if "callback_data" in kinds and (not isinstance(data, str) or not data
                                     or len(data.encode()) > CALLBACK_DATA_LIMIT):
        raise bad_request("BUTTON_DATA_INVALID")
    if "url" in kinds and not str(button["url"]).strip():
        raise bad_request("BUTTON_URL_INVALID")


def check_reply_to(chat: ChatState, p: Params) -> int | None:
    reply = p.obj("reply_parameters") or {}
    if not isinstance(reply, dict):
        raise bad_request("can't parse reply parameters JSON object")
    target = p.integer("reply_to_message_id") or reply.get("message_id")
    if target is None:
        return None
    known = target in chat.by_id or any(m["message_id"] == target for m in chat.user_messages)
    allow = p.flag("allow_sending_without_reply") or bool(reply.get("allow_sending_without_reply"))
    if not known and not allow:
        raise bad_request("message to be replied not found")
    return target if known else None


def add_message(chat: ChatState, message: BotMessage) -> BotMessage:
    chat.messages.append(message)
    chat.by_id[message.message_id] = message
    chat.touch()
    return message


def editable(world: World, p: Params) -> BotMessage:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # the sandbox has no inline mode
    chat = get_chat(world, p)
    message = chat.by_id.get(p.integer("message_id", required=True) or 0)
    if message is None or message.deleted:
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
    reply_to = check_reply_to(chat, p)
    message = BotMessage(chat, chat.take_message_id(), now(), text=text, entities=entities,
                         reply_markup=markup, reply_to=reply_to)
    return add_message(chat, message).to_dict()


async def edit_message_text(world: World, p: Params) -> dict[str, Any]:
    message = editable(world, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(p)
    # Like Telegram: an edit without reply_markup removes the inline keyboard.
    markup = check_markup(p.obj("reply_markup"))
    return apply_edit(message, text=text, entities=entities, reply_markup=markup)


async def edit_message_caption(world: World, p: Params) -> dict[str, Any]:
    message = editable(world, p)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = caption_text(p)
    markup = check_markup(p.obj("reply_markup"))
    return apply_edit(message, caption=caption, caption_entities=entities, reply_markup=markup)


async def edit_message_reply_markup(world: World, p: Params) -> dict[str, Any]:
    message = editable(world, p)
    return apply_edit(message, reply_markup=check_markup(p.obj("reply_markup")))


async def delete_message(world: World, p: Params) -> bool:
    chat = get_chat(world, p)
    message_id = p.integer("message_id", required=True)
    message = chat.by_id.get(message_id or 0)
    if message is not None and not message.deleted:
        message.deleted = True
        chat.touch()
        return True
    for sent in chat.user_messages:
        if sent["message_id"] == message_id and not sent.get("deleted"):
            sent["deleted"] = True
            chat.touch()
            return True
    raise bad_request("message to delete not found")


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


async def send_chat_action(world: World, p: Params) -> bool:
    chat = get_chat(world, p)
    action = p.text("action")
    if action not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    chat.chat_actions.append(action)
    chat.touch()
    return True


METHODS = {
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "sendchataction": send_chat_action,
}
