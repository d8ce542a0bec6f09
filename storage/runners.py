"""Runners: their row (chat, profile, reminder settings) and who is due for reminders.

The profile is stored whole as `Profile.model_dump_json()`; `site` and `strength_days`
are copied from it for queries, so change strength days through `update_profile`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from protocols.models import Profile
from storage.db import parse_utc, point_read, utc_iso

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True, slots=True)
class RunnerRow:
    """A runner as stored; `profile` is None until onboarding is done."""

    user_id: int
    chat_id: int
    first_name: str | None
    profile: Profile | None
    tz: str
    checkin_time: str  # "HH:MM" in the runner's zone
    nudge_hours: int | None  # None = no nudge after a missed check-in
    strength_days: tuple[str, ...]
    active: bool  # False once the runner blocked the bot
    paused: bool
    snoozed_until: dt.datetime | None
    onboarded_at: str | None
    created_at: str

    @property
    def onboarded(self) -> bool:
        return self.profile is not None


def runner_from_row(r: dict) -> RunnerRow:
    """A `runners` row (as a dict) as a RunnerRow."""
    return RunnerRow(
        user_id=r["user_id"],
        chat_id=r["chat_id"],
        first_name=r["first_name"],
        profile=Profile.model_validate_json(r["profile"]) if r["profile"] else None,
        tz=r["tz"],
        checkin_time=r["checkin_time"],
        nudge_hours=r["nudge_hours"],
        strength_days=tuple(json.loads(r["strength_days"])) if r["strength_days"] else (),
        active=bool(r["active"]),
        paused=bool(r["paused"]),
        snoozed_until=parse_utc(r["snoozed_until"]),
        onboarded_at=r["onboarded_at"],
        created_at=r["created_at"],
    )


def upsert_runner(
    db: Database, user_id: int, chat_id: int, first_name: str | None = None, tz: str = "UTC"
) -> RunnerRow:
    """Create the runner, or refresh chat_id and first_name of an existing one.

    `tz` is only used on creation (change it with `set_tz`); `active` is left as it is
    (call `set_active(db, id, True)` when a runner who had blocked the bot writes again).
    """
    check_tz(tz)
    now = utc_iso()
    db.execute(
        """INSERT INTO runners (user_id, chat_id, first_name, tz, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET
             chat_id = excluded.chat_id, first_name = excluded.first_name,
             updated_at = excluded.updated_at""",
        [user_id, chat_id, first_name, tz, now, now],
    )
    runner = get_runner(db, user_id)
    assert runner is not None
    return runner


@point_read
def get_runner(db: Database, user_id: int) -> RunnerRow | None:
    rows = list(db.query("SELECT * FROM runners WHERE user_id = ?", [user_id]))
    return runner_from_row(rows[0]) if rows else None


@point_read
def runner_tz(db: Database, user_id: int) -> str | None:
    """The runner's time zone (None if unknown): what every update needs, without the
    profile's parsing."""
    row = db.execute("SELECT tz FROM runners WHERE user_id = ?", [user_id]).fetchone()
    return row[0] if row else None


def list_runners(db: Database, *, active_only: bool = False) -> list[RunnerRow]:
    """All runners (or only those who have not blocked the bot), by user id."""
    where = "WHERE active = 1" if active_only else ""
    return [runner_from_row(r) for r in db.query(f"SELECT * FROM runners {where} ORDER BY user_id")]


def reminder_candidates(db: Database) -> list[RunnerRow]:
    """Onboarded runners who get reminders: active and not paused (snoozes and local
    times are for the caller, who knows the clock and each runner's zone)."""
    rows = db.query(
        """SELECT * FROM runners
           WHERE active = 1 AND paused = 0 AND profile IS NOT NULL
           ORDER BY user_id"""
    )
    return [runner_from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the reminder tick needs of a runner, without parsing the whole profile."""

    user_id: int
    chat_id: int
    tz: str
    checkin_time: str
    nudge_hours: int | None
    strength_days: tuple[str, ...]
    snoozed_until: dt.datetime | None


def reminder_schedules(db: Database, after: int = 0, limit: int = -1) -> list[Schedule]:
    """Schedules of the runners who get reminders (onboarded, active, not paused), by user
    id: those after `after`, at most `limit` (-1: all)."""
    rows = db.execute(
        """SELECT user_id, chat_id, tz, checkin_time, nudge_hours, strength_days, snoozed_until
           FROM runners WHERE active = 1 AND paused = 0 AND profile IS NOT NULL
             AND user_id > ? ORDER BY user_id LIMIT ?""",
        [after, limit],
    ).fetchall()
    return [
        Schedule(uid, chat, tz, at, nudge, tuple(json.loads(days)) if days else (),
                 parse_utc(snoozed))  # fmt: skip
        for uid, chat, tz, at, nudge, days, snoozed in rows
    ]


def update_profile(db: Database, user_id: int, profile: Profile) -> None:
    """Store the profile (onboarding done, or a clearance/setting changed it)."""
    now = utc_iso()
    _update(
        db,
        user_id,
        "profile = ?, site = ?, strength_days = ?, onboarded_at = coalesce(onboarded_at, ?)",
        [profile.model_dump_json(), str(profile.site), json.dumps(profile.strength_weekdays), now],
    )


def set_active(db: Database, user_id: int, active: bool) -> None:
    """False when Telegram says the runner blocked the bot; True when they are back."""
    _update(db, user_id, "active = ?", [int(active)])


def set_paused(db: Database, user_id: int, paused: bool) -> None:
    _update(db, user_id, "paused = ?", [int(paused)])


def set_tz(db: Database, user_id: int, tz: str) -> None:
    """`tz` must be an IANA zone name such as "Europe/Paris"."""
    check_tz(tz)
    _update(db, user_id, "tz = ?", [tz])


def set_checkin_time(db: Database, user_id: int, checkin_time: str) -> None:
    """`checkin_time` is local "HH:MM", 24-hour."""
    if not _HHMM.fullmatch(checkin_time):
        raise ValueError(f"checkin_time must be HH:MM, got {checkin_time!r}")
    _update(db, user_id, "checkin_time = ?", [checkin_time])


def set_nudge_hours(db: Database, user_id: int, hours: int | None) -> None:
    """Hours after the check-in time to nudge; None turns the nudge off."""
    if hours is not None and not 1 <= hours <= 12:
        raise ValueError("nudge_hours must be 1–12 or None")
    _update(db, user_id, "nudge_hours = ?", [hours])


def set_snoozed_until(db: Database, user_id: int, until: dt.datetime | None) -> None:
    """No reminders before `until` (aware datetime); None ends the snooze."""
    _update(db, user_id, "snoozed_until = ?", [None if until is None else utc_iso(until)])


def check_tz(tz: str) -> None:
    """Raise ValueError unless `tz` is a known IANA zone name."""
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError) as e:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown time zone {tz!r}") from e


def _update(db: Database, user_id: int, assignments: str, params: list) -> None:
    cur = db.execute(
        f"UPDATE runners SET {assignments}, updated_at = ? WHERE user_id = ?",
        [*params, utc_iso(), user_id],
    )
    if cur.rowcount != 1:
        raise LookupError(f"no runner {user_id}")
