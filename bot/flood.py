"""Flood control for the outbox sender: a 429 (`RetryAfter`) pauses the one chat it was
about, so a slow chat never holds back an urgent alert to another; only when several chats
get one at about the same time is the bot as a whole over Telegram's limit, and then every
send pauses (`Pacer.pause`).

Telegram's 429 answer looks the same for a per-chat and a bot-wide limit, so "bot-wide" is
inferred: `BOT_WIDE_CHATS` different chats limited within `BOT_WIDE_WINDOW_S` seconds.
"""

from __future__ import annotations

import math
from collections import deque

from bot.monotonic import SYSTEM, Monotonic
from bot.pacing import Pacer

BOT_WIDE_CHATS = 3
BOT_WIDE_WINDOW_S = 2.0


class FloodControl:
    """Which chats are paused until when (monotonic), and whether a 429 is bot-wide."""

    def __init__(self, pacer: Pacer, clock: Monotonic = SYSTEM) -> None:
        self._pacer = pacer
        self._clock = clock
        self._until: dict[int, float] = {}
        self._recent: deque[tuple[float, int]] = deque()  # (when, chat) of recent 429s
        self.bot_wide = 0  # bot-wide pauses so far

    def limited(self, chat_id: int, seconds: float, now: float | None = None) -> bool:
        """Record a 429 for `chat_id`: pause it for `seconds`; True if this makes the limit
        bot-wide (then every chat pauses for `seconds`)."""
        now = self._clock.now() if now is None else now
        self._until[chat_id] = max(self._until.get(chat_id, -math.inf), now + seconds)
        while self._recent and self._recent[0][0] < now - BOT_WIDE_WINDOW_S:
            self._recent.popleft()
        self._recent.append((now, chat_id))
        if len({chat for _, chat in self._recent}) < BOT_WIDE_CHATS:
            return False
        self._recent.clear()
        self._pacer.pause(seconds)
        self.bot_wide += 1
        return True

    def paused_until(self, chat_id: int) -> float:
        return self._until.get(chat_id, -math.inf)

    def is_paused(self, chat_id: int, now: float | None = None) -> bool:
        now = self._clock.now() if now is None else now
        return self.paused_until(chat_id) > now

    def paused_chats(self, now: float | None = None) -> list[int]:
        """The chats under flood control now (and forget the others)."""
        now = self._clock.now() if now is None else now
        for chat in [c for c, until in self._until.items() if until <= now]:
            del self._until[chat]
        return sorted(self._until)

    def longest_chat_pause(self, now: float | None = None) -> float:
        now = self._clock.now() if now is None else now
        return max((until - now for until in self._until.values()), default=0.0)
