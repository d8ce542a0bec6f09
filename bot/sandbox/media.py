"""Bot API methods for files: sendPhoto and sendDocument, with the bytes uploaded (the bot
uploads its charts and exports each time; it never re-sends by file_id nor downloads)."""

from __future__ import annotations

import io
import mimetypes
from typing import Any

from bot.sandbox.messages import add_message, caption_text, check_markup, get_chat, now
from bot.sandbox.params import ApiError, Params, Upload, bad_request
from bot.sandbox.state import BotMessage, StoredFile, World

PHOTO_LIMIT = 10 * 1024 * 1024
DOCUMENT_LIMIT = 50 * 1024 * 1024
GENERIC_MIME = "application/octet-stream"


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image, or IMAGE_PROCESS_FAILED as Telegram answers."""
    try:
        from PIL import Image  # pillow comes with matplotlib

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        raise bad_request("IMAGE_PROCESS_FAILED") from None


def mime_type(upload: Upload) -> str:
    if upload.content_type and upload.content_type != GENERIC_MIME:
        return upload.content_type
    guessed = mimetypes.guess_type(upload.file_name or "", strict=False)[0]
    return guessed or GENERIC_MIME


def store_upload(world: World, given: Upload | str | None, kind: str) -> StoredFile:
    """Store an uploaded photo or document, with Telegram's checks."""
    if not isinstance(given, Upload):
        raise bad_request(f"there is no {kind} in the request (the sandbox takes uploads only)")
    if not given.data:
        raise bad_request("file must be non-empty")
    if kind == "photo":
        if len(given.data) > PHOTO_LIMIT:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        width, height = image_size(given.data)
        return world.add_file("photo", given.data, given.file_name, mime_type(given),
                              width, height)
    if len(given.data) > DOCUMENT_LIMIT:
        raise ApiError(413, "Request Entity Too Large")
    return world.add_file(kind, given.data, given.file_name, mime_type(given))


async def send_media(world: World, p: Params, kind: str) -> dict[str, Any]:
    chat = get_chat(world, p)
    stored = store_upload(world, p.file(kind), kind)
    caption, entities = caption_text(p)
    markup = check_markup(p.obj("reply_markup"))
    message = BotMessage(chat, chat.take_message_id(), now(), caption=caption,
                         caption_entities=entities, reply_markup=markup)
    if kind == "photo":
        message.photo = stored
    else:
        message.document = stored
    return add_message(chat, message).to_dict()


async def send_photo(world: World, p: Params) -> dict[str, Any]:
    return await send_media(world, p, "photo")


async def send_document(world: World, p: Params) -> dict[str, Any]:
    return await send_media(world, p, "document")


METHODS = {
    "sendphoto": send_photo,
    "senddocument": send_document,
}
