"""The outbox sender's limits in one value: its pace, its concurrency and how long and how
often a row is tried (bot/outbox.py's delivery rules), with the derived figures the parts of
the sender share."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from storage import OutboxMessage, Priority

JITTER = 0.1


@dataclass(frozen=True, slots=True)
class OutboxLimits:
    """`rate_per_s`: messages a second overall, evenly spaced. `per_chat_interval_s`: from the
    end of one request to a chat to the start of the next. `max_concurrency`: requests in
    flight at most. `idle_poll_s`: how often to look for rows whose `not_before` arrived
    (`wake()` covers new rows). `max_attempts`: claims before a failure is final.
    `backoff_base_s`/`backoff_max_s`: retry delays. `max_age_s`: how long a row may wait
    (`urgent_max_age_s` for rows of at least `urgent_priority`). `seed`: for the jitter."""

    rate_per_s: float = 25
    per_chat_interval_s: float = 1.0
    max_concurrency: int = 16
    idle_poll_s: float = 0.5
    max_attempts: int = 8
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300
    max_age_s: float = 12 * 3600
    urgent_max_age_s: float = 1800
    urgent_priority: int = Priority.URGENT
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.max_concurrency < 1 or self.max_attempts < 1:
            raise ValueError("rate_per_s, max_concurrency and max_attempts must be positive")

    @property
    def chat_interval(self) -> float:
        return max(0.0, self.per_chat_interval_s)

    @property
    def window(self) -> int:
        """Rows claimed but not yet finished, at most (about a second of sending)."""
        return max(2 * self.max_concurrency, math.ceil(self.rate_per_s))

    @property
    def hold_grace(self) -> float:
        """How long past its retry time a row holds its chat's later rows back."""
        return max(1.0, 4 * self.idle_poll_s)

    def age_limit(self, message: OutboxMessage) -> float:
        if message.priority >= self.urgent_priority:
            return min(self.max_age_s, self.urgent_max_age_s)
        return self.max_age_s

    def backoff(self, attempts: int, rng: random.Random) -> float:
        """`backoff_base_s * 2**(attempts-1)`, ±10 % jitter, at most `backoff_max_s`."""
        delay = self.backoff_base_s * 2 ** max(0, attempts - 1)
        delay *= 1 + rng.uniform(-JITTER, JITTER)
        return max(0.0, min(self.backoff_max_s, delay))
