"""Telegram's rate limits, injected faults and the log of every Bot API call.

Rate limits and faults are off by default. Faults are drawn from a seeded ``random.Random`` so
a test run is repeatable; ``fail_next`` scripts exact faults for the next calls.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SEND_METHODS = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendchataction",
    "editmessagetext", "editmessagereplymarkup", "editmessagecaption",
})
# Chat actions are not messages: Telegram does not count them against the message limits,
# and counting them would make every "typing…" + reply pair look like a burst.
RATE_LIMITED_METHODS = SEND_METHODS - {"sendchataction"}
FAULT_KINDS = ("error", "slow", "drop", "retry_after")


@dataclass
class RateLimits:
    """Per-bot messages/second overall and a minimum interval per chat (a token bucket of
    ``per_chat_burst`` messages refilled one per ``per_chat_interval`` seconds)."""

    enabled: bool = False
    per_second: int = 30
    per_chat_interval: float = 1.0
    per_chat_burst: int = 1
    _recent: deque[float] = field(default_factory=deque, repr=False)
    _buckets: dict[Any, tuple[float, float]] = field(default_factory=dict, repr=False)

    def wait_needed(self, chat_id: Any, now: float) -> float:
        """Seconds until a message to ``chat_id`` would be allowed (0 if allowed now)."""
        if not self.enabled:
            return 0.0
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        wait = 0.0
        if self.per_second and len(self._recent) >= self.per_second:
            wait = self._recent[0] + 1.0 - now
        if chat_id is not None and self.per_chat_interval > 0:
            tokens = self._tokens(chat_id, now)
            if tokens < 1:
                wait = max(wait, (1 - tokens) * self.per_chat_interval)
        return wait

    def record(self, chat_id: Any, now: float) -> None:
        if not self.enabled:
            return
        self._recent.append(now)
        if chat_id is not None and self.per_chat_interval > 0:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1, now)

    def _tokens(self, chat_id: Any, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(self.per_chat_burst), now))
        return min(float(self.per_chat_burst), tokens + (now - at) / self.per_chat_interval)

    @staticmethod
    def retry_after(wait: float) -> int:
        return max(1, math.ceil(wait))


@dataclass
class Faults:
    """What fraction of send/edit calls fail, and how; and which chats blocked the bot.

    Each faultable call draws one number: below ``error_rate`` it fails with a 5xx, in the next
    ``slow_rate`` it answers only after ``slow_delay`` seconds (the call still takes effect, as
    on Telegram when the client timed out), in the next ``drop_rate`` the connection is closed
    without an answer (no effect), in the next ``retry_after_rate`` it gets 429.
    """

    error_rate: float = 0.0
    slow_rate: float = 0.0
    drop_rate: float = 0.0
    retry_after_rate: float = 0.0
    retry_after: int = 1
    slow_delay: float = 6.0  # longer than PTB's default 5 s read timeout
    error_statuses: tuple[int, ...] = (500, 502)
    include_get_updates: bool = False
    seed: int = 0
    blocked: set[int] = field(default_factory=set)
    _scripted: deque[str] = field(default_factory=deque, repr=False)
    # per chat: (kind, retry_after seconds) for the next calls to that chat
    _by_chat: dict[Any, deque[tuple[str, int]]] = field(default_factory=dict, repr=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def configure(self, **changes: Any) -> None:
        """Change settings at run time (e.g. ``error_rate=0.2``); a new ``seed`` re-seeds."""
        for name, value in changes.items():
            if name.startswith("_") or not hasattr(self, name):
                raise TypeError(f"unknown fault setting {name!r}")
            setattr(self, name, set(value) if name == "blocked" else value)
        if "seed" in changes:
            self._rng = random.Random(self.seed)

    def fail_next(self, kind: str = "error", count: int = 1) -> None:
        """Make the next ``count`` faultable calls fail with ``kind`` (see FAULT_KINDS)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        self._scripted.extend([kind] * count)

    def fail_chat(self, chat_id: Any, kind: str = "retry_after", count: int = 1,
                  retry_after: int | None = None) -> None:  # fmt: skip
        """Make the next ``count`` faultable calls to ``chat_id`` fail with ``kind`` (a 429
        answers ``retry_after`` seconds, default the ``retry_after`` setting); calls to other
        chats are not affected. Telegram's per-chat flood control, for one chat."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        seconds = self.retry_after if retry_after is None else retry_after
        self._by_chat.setdefault(chat_id, deque()).extend([(kind, seconds)] * count)

    def clear(self) -> None:
        """Back to no faults (blocked chats stay blocked)."""
        self.error_rate = self.slow_rate = self.drop_rate = self.retry_after_rate = 0.0
        self._scripted.clear()
        self._by_chat.clear()

    def pick_for(self, method: str, chat_id: Any) -> tuple[str | None, int]:
        """The fault for a call to ``chat_id``, and the retry_after it answers with."""
        scripted = self._by_chat.get(chat_id) if self.applies_to(method) else None
        if scripted:
            kind, seconds = scripted.popleft()
            if not scripted:
                del self._by_chat[chat_id]
            return kind, seconds
        return self.pick(method), self.retry_after

    def applies_to(self, method: str) -> bool:
        return method in SEND_METHODS or (self.include_get_updates and method == "getupdates")

    def pick(self, method: str) -> str | None:
        """The fault for this call, if any."""
        if not self.applies_to(method):
            return None
        if self._scripted:
            return self._scripted.popleft()
        rates = (self.error_rate, self.slow_rate, self.drop_rate, self.retry_after_rate)
        if not any(rates):
            return None
        draw = self._rng.random()
        for kind, rate in zip(FAULT_KINDS, rates, strict=True):
            if draw < rate:
                return kind
            draw -= rate
        return None

    def error_status(self) -> int:
        return self._rng.choice(self.error_statuses)


@dataclass
class CallRecord:
    method: str
    chat_id: Any
    # "ok"; "error" (Telegram's 4xx answer), "not_found", "blocked", "rate_limited"; or a
    # fault: "error_5xx", "retry_after", "drop", "slow" (answered late but otherwise "ok")
    outcome: str
    status: int  # HTTP status answered (0 when the connection was dropped)
    at: float  # the sandbox's clock: time.time() unless given another
    description: str | None = None


class CallLog:
    """Every Bot API call the sandbox answered, plus counters by method and by outcome."""

    def __init__(self, maxlen: int = 100_000, clock: Callable[[], float] = time.time):
        self._clock = clock
        self.records: deque[CallRecord] = deque(maxlen=maxlen)
        self.by_method: Counter[str] = Counter()
        self.by_outcome: Counter[str] = Counter()

    def add(self, method: str, chat_id: Any, outcome: str, status: int,
            description: str | None = None) -> CallRecord:
        record = CallRecord(method, chat_id, outcome, status, self._clock(), description)
        self.records.append(record)
        self.by_method[method] += 1
        self.by_outcome[outcome] += 1
        return record

    def calls(self, method: str | None = None, outcome: str | None = None) -> list[CallRecord]:
        return [r for r in self.records
                if (method is None or r.method.lower() == method.lower())
                and (outcome is None or r.outcome == outcome)]

    def stats(self) -> dict[str, Any]:
        return {"calls": sum(self.by_method.values()), "by_method": dict(self.by_method),
                "by_outcome": dict(self.by_outcome)}
