"""``Sandbox``: a local fake Telegram. Starts the Bot API server on 127.0.0.1, hands out users
to chat with the bot, and exposes faults, rate limits and the call log to tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.client import SandboxUser
from bot.sandbox.control import add_control_routes
from bot.sandbox.faults import CallLog, CallRecord, Faults, RateLimits
from bot.sandbox.methods import commands_key
from bot.sandbox.params import Params
from bot.sandbox.server import Api, build_app
from bot.sandbox.state import ChatState, Person, World
from bot.sandbox.updates import WebhookSender

DEFAULT_BOT_ID = 123456789


class Sandbox:
    """A fake Telegram Bot API server plus the users who talk to the bot.

    ``async with Sandbox() as sb:`` then point PTB at ``sb.bot_api_url`` / ``sb.file_url``.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, token: str | None = None,
                 bot_id: int | None = None, bot_username: str = "stridecoach_sandbox_bot",
                 bot_name: str = "StrideCoach", rate_limits: RateLimits | bool = False,
                 faults: Faults | None = None, seed: int = 0, webhook_retry_delay: float = 0.05,
                 control: bool = True, log_size: int = 100_000,
                 clock: Callable[[], float] | None = None):
        self.host = host
        self.port = port
        bot = Person(id=bot_id or DEFAULT_BOT_ID, first_name=bot_name, username=bot_username,
                     is_bot=True)
        self.world = World(bot)
        if isinstance(rate_limits, bool):
            rate_limits = RateLimits(enabled=rate_limits)
        self.limits = rate_limits
        self.faults = faults or Faults(seed=seed)
        # `clock`: what the call log's times and the rate limits read (a test's virtual time)
        self.log = CallLog(log_size, clock or time.time)
        self.api = Api(self.world, self.faults, self.limits, self.log, token,
                       bot_id_from_token=bot_id is None, clock=clock or time.monotonic)
        self.webhook_sender = WebhookSender(self.world, retry_delay=webhook_retry_delay)
        self.app = build_app(self.api)
        if control:
            add_control_routes(self.app, self)
        self.users: dict[int, SandboxUser] = {}
        self._runner: web.AppRunner | None = None
        self._sender_task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> Sandbox:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._sender_task = asyncio.create_task(self.webhook_sender.run())
        return self

    async def stop(self) -> None:
        self.world.closing = True
        self.world.updates_changed.fire()  # ends long polls and the webhook sender
        if self._sender_task:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._sender_task, 2)
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """What the bot gets as ``base_url`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- users -------------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "en") -> SandboxUser:
        """The user ``user_id`` and their private chat with the bot (created on first use)."""
        if user_id in self.users:
            return self.users[user_id]
        person = Person(user_id, first_name or f"User{user_id}", last_name, username,
                        language_code)
        chat = self.world.add_chat(person)
        self.users[user_id] = SandboxUser(self, self.world, chat)
        return self.users[user_id]

    def block(self, chat_id: int, notify: bool = True) -> None:
        """The user blocks the bot: sends to the chat get 403; the bot gets my_chat_member."""
        self.faults.blocked.add(chat_id)
        if notify:
            self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int, notify: bool = True) -> None:
        self.faults.blocked.discard(chat_id)
        if notify:
            self._member_update(chat_id, "kicked", "member")

    def _member_update(self, chat_id: int, old: str, new: str) -> None:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            return
        bot = self.world.bot.to_dict()

        def member(status: str) -> dict[str, Any]:
            return {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}

        self.world.push_update("my_chat_member", {
            "chat": chat.chat_dict(), "from": chat.user.to_dict(), "date": int(time.time()),
            "old_chat_member": member(old), "new_chat_member": member(new)}, chat_id)

    # --- faults, limits, log ------------------------------------------------------------------

    def set_faults(self, **changes: Any) -> None:
        """E.g. ``sb.set_faults(error_rate=0.1, seed=7)``; see ``Faults``."""
        self.faults.configure(**changes)

    def set_rate_limits(self, enabled: bool = True, **changes: Any) -> None:
        self.limits.enabled = enabled
        for name, value in changes.items():
            if not hasattr(self.limits, name) or name.startswith("_"):
                raise TypeError(f"unknown rate limit setting {name!r}")
            setattr(self.limits, name, value)

    def calls(self, method: str | None = None, outcome: str | None = None) -> list[CallRecord]:
        return self.log.calls(method, outcome)

    def stats(self) -> dict[str, Any]:
        return {**self.log.stats(), "pending_updates": len(self.world.updates),
                "chats": len(self.world.chats),
                "bot_messages": sum(len(c.messages) for c in self.world.chats.values()),
                "webhook_delivered": self.webhook_sender.delivered,
                "webhook_failed": self.webhook_sender.failed}

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        """The command list the bot registered with setMyCommands."""
        values = {"language_code": language_code, "scope": scope or {"type": "default"}}
        return self.world.commands.get(commands_key(Params(values)), [])

    # --- waiting -----------------------------------------------------------------------------

    async def wait_answered(self, timeout: float = 10.0) -> None:
        """Wait until no Bot API call is being answered (a slow answer lands after its
        client gave up waiting)."""
        async with asyncio.timeout(timeout):
            while self.api.answering:
                await asyncio.sleep(0.005)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0,
                        chats: list[ChatState] | None = None) -> None:
        """Wait until the bot has fetched every update (of ``chats``, default all) and then been
        quiet in them for ``quiet`` seconds."""
        signal = chats[0].changed if chats and len(chats) == 1 else self.world.changed
        deadline = time.monotonic() + timeout
        while True:
            watched = chats if chats is not None else list(self.world.chats.values())
            pending = any(c.undelivered for c in watched)
            last = max((c.last_activity for c in watched), default=0.0)
            quiet_left = None if pending else last + quiet - time.monotonic()
            if quiet_left is not None and quiet_left <= 0:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the bot did not go quiet within {timeout}s "
                                   f"(updates not yet fetched: {pending})")
            await signal.wait(left if quiet_left is None else min(left, quiet_left))
