"""The clock of `stridecoach try`: the bot's injectable clock (the one the end-to-end tests
use, `build_application(clock=...)`), standing still while people type and moved by the
try commands `/tomorrow`, `/at HH:MM`, `/days N`, `/wait 2h` and `/clock DATE TIME`.

Moving it forward runs the minute tick for every skipped minute (`bot.scheduler.run_tick`),
so reminders, nudges, strength pings, alert re-sends, the Sunday summary and the Monday
digest happen at the minute they would. The clock is kept next to the database between
sessions: a bot whose data already reaches next week never finds itself back in the past.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = dt.timedelta(minutes=1)
DURATION = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
HHMM = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)$")


class ClockError(ValueError):
    """A clock command that cannot be done; the message says what is valid."""


class TryClock:
    """A UTC moment that moves only when told (callable: what the bot calls "now")."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start.astimezone(dt.UTC).replace(second=0, microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def minutes_until(self, target: dt.datetime) -> list[dt.datetime]:
        """Each minute after now up to `target`, the moments the minute tick runs at."""
        moments, at = [], self.now + MINUTE
        while at <= target:
            moments.append(at)
            at += MINUTE
        return moments


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show(moment: dt.datetime, tz: str | None) -> str:
    """ "Tue 03 Mar 2026 07:00 CET": a moment as the person whose zone it is reads it."""
    local = moment.astimezone(zone_of(tz))
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "UTC")


def duration(text: str) -> dt.timedelta:
    """ "2h", "90m", "1d 2h", "45 min" → a positive timedelta."""
    match = DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise ClockError("Give a duration such as 30m, 2h or 1d 6h.")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    delta = dt.timedelta(days=days, hours=hours, minutes=minutes)
    if delta <= dt.timedelta(0):
        raise ClockError("The duration must be more than zero.")
    return delta


def wall_time(text: str) -> dt.time:
    match = HHMM.match(text.strip())
    if not match:
        raise ClockError(f"{text.strip() or 'That'} is not a time: give HH:MM, e.g. 07:00.")
    return dt.time(int(match.group(1)), int(match.group(2)))


def next_at(now: dt.datetime, text: str, tz: str | None) -> dt.datetime:
    """The next moment (after now) when it is `text` ("07:00") on the wall clock of `tz`."""
    at, zone = wall_time(text), zone_of(tz)
    day = now.astimezone(zone).date()
    for offset in range(3):
        local = dt.datetime.combine(day + dt.timedelta(days=offset), at, tzinfo=zone)
        moment = local.astimezone(dt.UTC)
        if moment > now:
            return moment
    raise AssertionError("a wall time recurs within three days")


def parse_moment(text: str, tz: str | None) -> dt.datetime:
    """ "2026-03-02 06:30" (in `tz`) or an ISO moment with an offset → UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise ClockError(
            f"{text.strip()!r} is not a date and time; give e.g. 2026-03-02 06:30."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_of(tz))
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0)


def clock_file(db: str) -> Path:
    return Path(db + ".clock")


def saved(db: str) -> dt.datetime | None:
    """The clock a previous session left next to `db`, if any."""
    try:
        return dt.datetime.fromisoformat(clock_file(db).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def save(db: str, moment: dt.datetime) -> None:
    clock_file(db).write_text(moment.isoformat() + "\n", encoding="utf-8")
