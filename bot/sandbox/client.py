"""The user side of the sandbox: one ``SandboxUser`` per person chatting with the bot. It sends
text, commands, odd content (stickers, photos, voice, locations, documents) and button presses
as updates, and waits, event-driven, for what the bot sends back."""

from __future__ import annotations

import base64
import time
from typing import Any

from bot.sandbox.formatting import command_entities
from bot.sandbox.state import BotMessage, CallbackAnswer, CallbackQuery, ChatState, World

# A valid 1x1 PNG, the default picture a user sends.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class ButtonNotFound(LookupError):
    """The bot has shown no button with that label."""


def normalise(label: str) -> str:
    return "".join(ch for ch in label.casefold() if ch.isalnum() or ch == " ").strip()


class SandboxUser:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, sandbox: Any, world: World, chat: ChatState):
        self.sandbox = sandbox
        self.world = world
        self.chat = chat

    @property
    def id(self) -> int:
        return self.chat.user.id

    @property
    def messages(self) -> list[BotMessage]:
        """Everything the bot sent this chat, oldest first, edits applied in place."""
        return self.chat.messages

    @property
    def last(self) -> BotMessage | None:
        return self.chat.messages[-1] if self.chat.messages else None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.chat.callback_answers

    def __repr__(self) -> str:
        return f"<SandboxUser {self.chat.user.first_name} ({self.id})>"

    # --- sending -------------------------------------------------------------------------

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = self.chat
        message = {"message_id": chat.take_message_id(), "date": int(time.time()),
                   "chat": chat.chat_dict(), "from": chat.user.to_dict(), **content}
        chat.user_messages.append(message)
        return message

    async def send_raw(self, **content: Any) -> dict[str, Any]:
        """Send a message with any Telegram message fields (e.g. ``contact={...}``)."""
        message = self._message(**content)
        self.world.push_update("message", message, self.id)
        return message

    async def send(self, text: str) -> dict[str, Any]:
        """Send text; a leading /command gets its ``bot_command`` entity."""
        if not text:
            raise ValueError("Telegram clients cannot send empty text")
        entities = command_entities(text)
        return await self.send_raw(text=text, **({"entities": entities} if entities else {}))

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self.world.add_file("sticker", b"RIFF-sticker", "sticker.webp", "image/webp",
                                     512, 512)
        return await self.send_raw(sticker={
            "file_id": stored.file_id, "file_unique_id": stored.unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
            "emoji": emoji, "file_size": len(stored.data)})

    async def send_photo(self, data: bytes = TINY_PNG, caption: str | None = None) -> dict[str, Any]:
        stored = self.world.add_file("photo", data, "photo.png", "image/png", 1, 1)
        extra = {"caption": caption} if caption else {}
        return await self.send_raw(photo=[stored.photo_size()], **extra)

    async def send_document(self, data: bytes, file_name: str = "file.bin",
                            mime_type: str = "application/octet-stream") -> dict[str, Any]:
        stored = self.world.add_file("document", data, file_name, mime_type)
        return await self.send_raw(document=stored.document())

    async def send_voice(self, duration: int = 2) -> dict[str, Any]:
        stored = self.world.add_file("voice", b"OggS-voice", "voice.ogg", "audio/ogg")
        return await self.send_raw(voice={
            "file_id": stored.file_id, "file_unique_id": stored.unique_id,
            "duration": duration, "mime_type": "audio/ogg", "file_size": len(stored.data)})

    async def send_location(self, latitude: float = 51.5, longitude: float = -0.12) -> dict[str, Any]:
        return await self.send_raw(location={"latitude": latitude, "longitude": longitude})

    # --- buttons -------------------------------------------------------------------------

    def find_button(self, label: str, message: BotMessage | None = None
                    ) -> tuple[BotMessage, dict[str, Any]]:
        """The newest message with a button ``label`` (exact, else ignoring case, emoji and
        punctuation) and that button."""
        candidates = [message] if message else [m for m in reversed(self.chat.messages)
                                                if m.buttons]
        for match in (lambda b: b == label, lambda b: normalise(b) == normalise(label)):
            for candidate in candidates:
                for button in (b for row in candidate.inline_buttons for b in row):
                    if match(button.get("text", "")):
                        return candidate, button
        if not candidates:
            raise ButtonNotFound(f"no button {label!r}: the bot has sent {self!r} no buttons")
        shown = "; ".join(f"message {m.message_id}: {m.buttons}" for m in candidates[:3])
        raise ButtonNotFound(f"no button {label!r} for {self!r}; buttons shown: {shown}")

    async def press(self, label: str, message: BotMessage | None = None) -> str:
        """Press a button by label on the newest bot message that has it (or on ``message``).
        Returns the callback query id."""
        target, button = self.find_button(label, message)
        return await self.press_data(button["callback_data"], target)

    async def press_data(self, data: str, message: BotMessage | None = None, *,
                         in_chat: dict[str, Any] | None = None, inline: bool = False) -> str:  # fmt: skip
        """Send a callback query with any ``data`` (e.g. stale or forged) from ``message``
        (default: the newest message the bot sent). ``in_chat`` (e.g. ``{"id": -100, "type":
        "group", "title": "Club"}``) makes it a press on that message as if it were in another
        chat; ``inline`` a press on an inline message, which carries no message at all."""
        target = message or self.last
        if target is None and not inline:
            raise ButtonNotFound(f"the bot has sent {self!r} no message to press a button on")
        query_id = self.world.new_query_id()
        self.world.callbacks[query_id] = CallbackQuery(query_id, self.id, data)
        query: dict[str, Any] = {"id": query_id, "from": self.chat.user.to_dict(),
                                 "chat_instance": str(7_000_000_000 + self.id), "data": data}  # fmt: skip
        if inline:
            query["inline_message_id"] = f"INLINE-{query_id}"
        else:
            query["message"] = target.to_dict()
            if in_chat is not None:
                query["message"]["chat"] = in_chat
        self.world.push_update("callback_query", query, self.id)
        return query_id

    # --- waiting -------------------------------------------------------------------------

    async def wait_for_message(self, timeout: float = 5.0) -> BotMessage:
        """The next message from the bot that no earlier wait/unread returned."""
        chat = self.chat
        if not await chat.changed.wait_until(lambda: chat.consumed < len(chat.messages), timeout):
            raise TimeoutError(f"{self!r}: no new message from the bot within {timeout}s\n"
                               + self.transcript(last=6))
        chat.consumed += 1
        return chat.messages[chat.consumed - 1]

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[BotMessage]:
        return [await self.wait_for_message(timeout) for _ in range(count)]

    async def press_for_reply(self, label: str, message: BotMessage | None = None,
                              timeout: float = 5.0) -> BotMessage:
        """Press a button and return the bot's answer to it: its next new message, or the
        pressed message itself once edited (a form turns it into the next question)."""
        target, _ = self.find_button(label, message)
        edits = len(target.history)
        await self.press(label, target)
        return await self.wait_for_reply(target, edits, timeout)

    async def wait_for_reply(self, pressed: BotMessage, edits: int, timeout: float = 5.0
                             ) -> BotMessage:
        """The bot's next new message, or ``pressed`` once it has more than ``edits`` edits,
        whichever comes first."""
        chat = self.chat

        def answered() -> bool:
            return chat.consumed < len(chat.messages) or len(pressed.history) > edits

        if not await chat.changed.wait_until(answered, timeout):
            raise TimeoutError(f"{self!r}: no reply to a press on message {pressed.message_id}"
                               f" within {timeout}s\n" + self.transcript(last=6))
        if chat.consumed < len(chat.messages):
            chat.consumed += 1
            return chat.messages[chat.consumed - 1]
        return pressed

    def unread(self) -> list[BotMessage]:
        """Messages not yet returned by a wait, now marked as read."""
        fresh = self.chat.messages[self.chat.consumed:]
        self.chat.consumed = len(self.chat.messages)
        return fresh

    async def wait_for_answer(self, query_id: str | None = None,
                              timeout: float = 5.0) -> CallbackAnswer:
        """Wait for answerCallbackQuery of ``query_id`` (default: the latest press)."""
        if query_id is None:
            query_id = max((q.id for q in self.world.callbacks.values() if q.chat_id == self.id),
                           key=int, default=None)

        def answer() -> CallbackAnswer | None:
            return next((a for a in self.chat.callback_answers if a.query_id == query_id), None)

        if not await self.chat.changed.wait_until(lambda: answer() is not None, timeout):
            raise TimeoutError(f"{self!r}: callback query {query_id} not answered in {timeout}s")
        return answer()  # type: ignore[return-value]

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched every update of this chat and then done nothing in
        it (no send, edit, delete, answer or chat action) for ``quiet`` seconds."""
        await self.sandbox.wait_idle(quiet, timeout, chats=[self.chat])

    # --- blocking and reading --------------------------------------------------------------

    def block(self, notify: bool = True) -> None:
        self.sandbox.block(self.id, notify)

    def unblock(self, notify: bool = True) -> None:
        self.sandbox.unblock(self.id, notify)

    def transcript(self, last: int | None = None) -> str:
        """The conversation as text lines, user and bot interleaved by message id."""
        lines: list[tuple[int, str]] = []
        for sent in self.chat.user_messages:
            kind = next((k for k in ("text", "sticker", "photo", "voice", "location", "document")
                         if k in sent), "message")
            lines.append((sent["message_id"], f"user: {sent['text'] if kind == 'text' else f'<{kind}>'}"))
        for m in self.chat.messages:
            body = m.text if m.text is not None else f"<{'photo' if m.photo else 'document'}> {m.caption or ''}"
            flags = " [edited]" if m.edited else ""
            keys = f" {m.buttons}" if m.buttons else ""
            lines.append((m.message_id, f"bot: {body}{keys}{flags}"))
        lines.sort()
        shown = lines[-last:] if last else lines
        return "\n".join(text for _, text in shown) or "(no messages)"
