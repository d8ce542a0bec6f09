"""The sandbox's Telegram world, in memory: the bot, users and their private chats, what the bot
sent in each chat, uploaded files, and the queue of updates waiting for the bot.

Only data and the signals that wake waiters; no HTTP here.
"""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.signals import Signal


@dataclass
class Person:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class StoredFile:
    """A file known to the sandbox: uploaded by the bot or sent by a user."""

    file_id: str
    unique_id: str
    kind: str  # "photo", "document", "voice", "sticker"
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def photo_size(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.unique_id,
                "width": self.width, "height": self.height, "file_size": len(self.data)}

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.unique_id,
                                "file_size": len(self.data)}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass(eq=False)  # identity: a message is one object, updated in place
class BotMessage:
    """A message the bot sent to a chat, kept up to date with edits (``history`` holds the
    earlier versions as Telegram dicts)."""

    chat: ChatState = field(repr=False)
    message_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: StoredFile | None = None
    document: StoredFile | None = None
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id, "date": self.date,
            "chat": self.chat.chat_dict(), "from": self.chat.bot.to_dict(),
        }
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = copy.deepcopy(self.entities)
        if self.photo:
            data["photo"] = [self.photo.photo_size()]
        if self.document:
            data["document"] = self.document.document()
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = copy.deepcopy(self.caption_entities)
        if self.reply_markup:
            data["reply_markup"] = copy.deepcopy(self.reply_markup)
        if self.edit_date:
            data["edit_date"] = self.edit_date
        return data

    @property
    def inline_buttons(self) -> list[list[dict[str, Any]]]:
        return (self.reply_markup or {}).get("inline_keyboard", [])

    @property
    def buttons(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row."""
        return [[b.get("text", "") for b in row] for row in self.inline_buttons]

    @property
    def button_data(self) -> dict[str, str | None]:
        """Inline button label -> callback_data (None for URL and other buttons)."""
        return {b.get("text", ""): b.get("callback_data") for row in self.inline_buttons for b in row}

    @property
    def photo_bytes(self) -> bytes | None:
        return self.photo.data if self.photo else None

    @property
    def document_bytes(self) -> bytes | None:
        return self.document.data if self.document else None

    @property
    def document_name(self) -> str | None:
        return self.document.file_name if self.document else None

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def __str__(self) -> str:
        return self.text if self.text is not None else (self.caption or "")


@dataclass
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


@dataclass
class CallbackQuery:
    """A button press sent to the bot, waiting for answerCallbackQuery."""

    id: str
    chat_id: int
    data: str | None
    answered: bool = False


class ChatState:
    """A private chat between the bot and one user."""

    def __init__(self, user: Person, bot: Person, world_changed: Signal | None = None):
        self.user = user
        self.bot = bot
        self.world_changed = world_changed
        self.messages: list[BotMessage] = []
        self.by_id: dict[int, BotMessage] = {}
        self.user_messages: list[dict[str, Any]] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.next_message_id = 1
        self.consumed = 0  # index into ``messages`` of the next one wait_for_message returns
        self.undelivered = 0  # updates from this chat the bot has not fetched yet
        self.last_activity = time.monotonic()
        self.changed = Signal()

    @property
    def id(self) -> int:
        return self.user.id

    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user.id, "type": "private",
                                "first_name": self.user.first_name}
        if self.user.last_name:
            data["last_name"] = self.user.last_name
        if self.user.username:
            data["username"] = self.user.username
        return data

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def touch(self) -> None:
        """Record bot activity in this chat and wake its waiters."""
        self.last_activity = time.monotonic()
        self.changed.fire()
        if self.world_changed:
            self.world_changed.fire()


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None


class World:
    """Everything the fake Telegram knows."""

    def __init__(self, bot: Person):
        self.bot = bot
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []  # pending, in update_id order
        self.update_chat: dict[int, int] = {}  # update_id -> chat id
        self.updates_changed = Signal()
        self.changed = Signal()  # fired on any activity in any chat
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook = Webhook()
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self.closing = False
        # Telegram's ids only grow, across restarts too, and a bot's inbox keeps the ids it
        # handled: a sandbox restarted on the same database (stridecoach try) must not start
        # again at 1, or its updates would be ignored as copies. Microseconds since the epoch
        # stay ahead of any earlier sandbox's ids.
        self._update_ids = itertools.count(time.time_ns() // 1000)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    def add_chat(self, user: Person) -> ChatState:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = ChatState(user, self.bot, self.changed)
        return chat

    def push_update(self, kind: str, payload: dict[str, Any], chat_id: int) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        self.update_chat[update["update_id"]] = chat_id
        chat = self.chats.get(chat_id)
        if chat:
            chat.undelivered += 1
        self.updates_changed.fire()
        return update

    def drop_updates(self, below: int | None = None) -> None:
        """Forget pending updates with update_id < ``below`` (all if None): they are delivered."""
        kept = []
        for update in self.updates:
            if below is not None and update["update_id"] >= below:
                kept.append(update)
                continue
            chat = self.chats.get(self.update_chat.pop(update["update_id"], 0))
            if chat:
                chat.undelivered -= 1
                chat.touch()
        self.updates = kept
        self.updates_changed.fire()

    def add_file(self, kind: str, data: bytes, file_name: str | None = None,
                 mime_type: str | None = None, width: int = 0, height: int = 0) -> StoredFile:
        number = next(self._file_ids)
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-sandbox", unique_id=f"U{number:06d}",
            kind=kind, data=data, file_name=file_name, mime_type=mime_type, width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def new_query_id(self) -> str:
        return str(4_000_000_000_000 + next(self._query_ids))
