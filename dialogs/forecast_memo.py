"""A memo of the milestone forecast's tails (dialogs/standing.py), so that a runner whose
plan goes as forecast pays for two weeks of the forecast at a check-in, not for all of it.

The forecast steps the engine through green days. The engine is pure and is given only the
last `HISTORY` days, so once a forecast has stepped `HISTORY` days everything the rest of it
reads is fixed by: the profile, those `HISTORY` simulated days, the day and the events still
to come. Two forecasts that meet the same key go on identically. A key
is a digest (blake2b) of all of that, the days and events as their models' JSON; a `Tail` is
what the forecast that stored it saw from the key's day on.

Tomorrow's forecast of a runner whose day went as forecast meets the key today's forecast
stored for its own fifteenth day: it steps `HISTORY` days, checks the key, and takes the rest.
A day that went otherwise (a partial session, soreness, a coach's hold) gives another key and
the whole forecast is stepped, as without the memo. Exactness is tested against the forecast
without the memo (tests/progress/test_forecast_memo.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from protocols import Day, Event

MEMO_SIZE = 50_000  # two keys per forecast: a day of 25,000 runners; ~25 MB full (tracemalloc)


@dataclass(frozen=True, slots=True)
class Tail:
    """What a forecast saw from its key's day on: the milestones not reached the day before
    (`sought`), the first day each was reached from then on, the last day it stepped, and why
    it ended there ("found": every milestone it sought was reached; "stop"; "horizon")."""

    sought: tuple[str, ...]
    reached: dict[str, dt.date]
    end: dt.date
    why: str

    def resolve(self, ahead: Sequence[str], found: dict[str, dt.date],
                horizon_end: dt.date) -> dict[str, dt.date] | None:  # fmt: skip
        """The milestones of `ahead` not in `found` as a forecast ending at `horizon_end`
        would find them from the key's day on; None when this tail cannot tell (it ended
        before that forecast would, with a milestone still unreached)."""
        rest: dict[str, dt.date] = {}
        for code in ahead:
            if code in found:
                continue
            if code not in self.sought:
                return None
            day = self.reached.get(code)
            if day is not None:
                if day <= horizon_end:
                    rest[code] = day
                continue
            if self.why != "stop" and self.end < horizon_end:
                return None
        return dict(sorted(rest.items(), key=lambda item: (item[1], ahead.index(item[0]))))

    def after(self, day: dt.date) -> Tail:
        """The tail seen from the next day. A milestone reached on `day` itself is left out:
        any forecast meeting the next day's key stepped `day`, the same, and found it then."""
        later = {c: d for c, d in self.reached.items() if d > day}
        sought = tuple(c for c in self.sought if c not in self.reached or c in later)
        return Tail(sought, later, self.end, self.why)


def day_digest(day: Day) -> bytes:
    text = day.checkin.model_dump_json() + day.decision.model_dump_json()
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def window_key(profile_json: str, day: dt.date, window: Sequence[bytes],
               events: Iterable[Event]) -> bytes:
    """Everything the forecast reads from `day` on; `window` the digests of the days before
    (the milestones still unreached follow from the last of them)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(profile_json.encode())
    h.update(("|" + day.isoformat() + "|").encode())
    for digest in window:
        h.update(digest)
    for event in events:
        h.update(event.model_dump_json().encode())
    return h.digest()


class TailMemo:
    """Tails by key, least recently used dropped first; safe across threads."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._tails: OrderedDict[bytes, Tail] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> Tail | None:
        with self._lock:
            tail = self._tails.get(key)
            if tail is None:
                self.misses += 1
            else:
                self.hits += 1
                self._tails.move_to_end(key)
            return tail

    def put(self, key: bytes, tail: Tail) -> None:
        with self._lock:
            self._tails[key] = tail
            self._tails.move_to_end(key)
            while len(self._tails) > self.size:
                self._tails.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tails)
