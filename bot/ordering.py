"""Updates of one user in order, different users concurrently (DESIGN.md decision 2)."""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """A lock per user: a second update of the same user waits for the first to finish."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.durations: deque[float] = deque(maxlen=10_000)  # seconds per handled update
        self.active = 0  # updates being handled right now

    def busy(self) -> bool:
        """Whether someone is chatting right now (the outbox sender lets them go first)."""
        return self.active > 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.active += 1
        try:
            await self._in_order(update, coroutine)
        finally:
            self.active -= 1

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                began = time.perf_counter()
                await coroutine
                self.durations.append(time.perf_counter() - began)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued: forget the lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _user_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None
