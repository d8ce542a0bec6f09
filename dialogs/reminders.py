"""Reminders as rows (docs/DESIGN.md decision 3): who is due, in their own zone, exactly once.

`tick(db, now)` runs once a minute on the database thread (the bot: `tick_batch`, a batch of
runners per call). For each runner it works out the due moments of today's (and
yesterday's, for late hours) reminders from their local wall time, and for each one due
within the grace window it claims the `(runner, kind, local date)` key and queues the
message in the outbox in one transaction: a reminder is never claimed without its message,
nor queued twice. A reminder more than the grace window late (after downtime) is skipped
rather than sent at night.

Wall times that do not exist (the spring DST gap) fall one hour later; wall times that occur
twice (autumn) use the first occurrence — and the unique key makes either happen once.
"""

import datetime as dt
import functools
import logging

from dialogs.callbacks import SNOOZE_HOURS, CheckinOffer, Snooze, build
from dialogs.summary import weekly_summary
from dialogs.zones import zone
from protocols.codes import WEEKDAYS
from protocols.ladder import strength_exercises
from storage import (
    Priority,
    Schedule,
    claim_reminder,
    claimed_since,
    decision_on,
    enqueue,
    get_runner,
    history,
    latest_decision,
    reminder_schedules,
    set_snoozed_until,
)

log = logging.getLogger(__name__)
GRACE = dt.timedelta(hours=2)
SUMMARY_AT = "18:00"  # Sunday evening, the runner's time
SUNDAY = 6
CHECKIN_KEYBOARD = [[["Check in now", build(CheckinOffer("start"))]],
                    [[f"Snooze {h} h", build(Snooze(h))] for h in SNOOZE_HOURS]]  # fmt: skip
# Runners per database call: at 100,000 runners one call for everyone held the database
# thread (and so every runner's answer) for ~3 s a minute; a batch of 200 takes ~15 ms (up to
# ~0.2 s when catching up after downtime, benchmarks/startup.py).
BATCH = 200
PRIORITY = {"checkin": Priority.REMINDER, "nudge": Priority.REMINDER, "snooze": Priority.REMINDER,
            "strength": Priority.ROUTINE, "summary": Priority.ROUTINE}


@functools.lru_cache(maxsize=65536)  # 2 days × 12 zones × every minute of a day fit
def _due(day: dt.date, hhmm: str, tz: str) -> dt.datetime:
    """The UTC moment of a local wall time "HH:MM" on a local date (fold=0 for gaps and
    overlaps). Runners share zones and times: a tick computes each combination once."""
    hour, minute = hhmm.split(":")
    at = dt.time(int(hour), int(minute))
    return dt.datetime.combine(day, at, tzinfo=zone(tz)).astimezone(dt.UTC)


@functools.lru_cache(maxsize=1024)
def _local_date(now: dt.datetime, tz: str) -> dt.date:
    return now.astimezone(zone(tz)).date()


def due_moments(schedule: Schedule, day: dt.date) -> list[tuple[str, dt.datetime]]:
    """Every reminder of a local date with its UTC due moment."""
    checkin_at = _due(day, schedule.checkin_time, schedule.tz)
    moments = [("checkin", checkin_at)]
    if schedule.nudge_hours:
        moments.append(("nudge", checkin_at + dt.timedelta(hours=schedule.nudge_hours)))
    if WEEKDAYS[day.weekday()] in schedule.strength_days:
        moments.append(("strength", checkin_at))
    if day.weekday() == SUNDAY:
        moments.append(("summary", _due(day, SUMMARY_AT, schedule.tz)))
    return moments


def tick(db, now: dt.datetime, grace: dt.timedelta = GRACE) -> int:
    """Queue every reminder due now (within `grace`); returns how many messages were queued.
    All runners in one go; the bot runs `tick_batch` one database call at a time instead."""
    queued, after = 0, 0
    while after is not None:
        count, after = tick_batch(db, now, grace, after)
        queued += count
    return queued


def tick_batch(db, now: dt.datetime, grace: dt.timedelta = GRACE, after: int = 0,
               size: int = BATCH) -> tuple[int, int | None]:  # fmt: skip
    """`tick` for the next `size` runners with user ids above `after`: (messages queued, the
    last id done, or None when no runner is left)."""
    schedules = reminder_schedules(db, after, size)
    if not schedules:
        return 0, None
    # local dates run from UTC−12 to UTC+14: two days back covers "yesterday" everywhere
    claimed = claimed_since(db, now.date() - dt.timedelta(days=2), schedules[0].user_id,
                            schedules[-1].user_id)  # fmt: skip
    queued = 0
    for schedule in schedules:
        try:
            queued += _runner_tick(db, schedule, now, grace, claimed)
        except Exception:  # one runner's bad data never stops the others' reminders
            log.exception("reminder tick failed for runner %s", schedule.user_id)
    return queued, (schedules[-1].user_id if len(schedules) == size else None)


def _runner_tick(db, schedule: Schedule, now: dt.datetime, grace: dt.timedelta,
                 claimed: set[tuple[int, str, str]]) -> int:  # fmt: skip
    today = _local_date(now, schedule.tz)
    queued = 0
    for day in (today - dt.timedelta(days=1), today):
        due = [
            kind
            for kind, at in due_moments(schedule, day)
            if at <= now < at + grace and (schedule.user_id, kind, day.isoformat()) not in claimed
        ]
        if due:
            queued += _send_due(db, schedule, day, due)
    if schedule.snoozed_until is not None and schedule.snoozed_until <= now:
        with db.atomic():
            set_snoozed_until(db, schedule.user_id, None)
            if decision_on(db, schedule.user_id, today) is None:
                queued += _queue(db, schedule, "snooze", today, checkin_text(first=False))
    return queued


def _send_due(db, schedule: Schedule, day: dt.date, due: list[str]) -> int:
    checked_in = decision_on(db, schedule.user_id, day) is not None
    latest = latest_decision(db, schedule.user_id)
    stopped = latest is not None and latest.action == "stop"
    queued = 0
    strength = None
    if "strength" in due and not stopped:
        stage = latest.stage if latest else get_runner(db, schedule.user_id).profile.start_stage
        strength = strength_exercises(stage)
    with db.atomic():
        if "checkin" in due and not checked_in and claim_reminder(db, schedule.user_id, "checkin", day):
            text = checkin_text(first=True, strength=strength)
            if strength is not None:
                claim_reminder(db, schedule.user_id, "strength", day)  # said in the same message
                strength = None
            queued += _queue(db, schedule, "checkin", day, text)
        if "nudge" in due and not checked_in and claim_reminder(db, schedule.user_id, "nudge", day):
            queued += _queue(db, schedule, "nudge", day, checkin_text(first=False))
        if strength is not None and claim_reminder(db, schedule.user_id, "strength", day):
            queued += _queue(db, schedule, "strength", day, strength_text(strength), keyboard=None)
        if "summary" in due and claim_reminder(db, schedule.user_id, "summary", day):
            runner = get_runner(db, schedule.user_id)
            days = history(db, schedule.user_id, limit=14)
            text = weekly_summary(runner.profile, days, day)
            queued += _queue(db, schedule, "summary", day, text, keyboard=None,
                             chart={"runner_id": schedule.user_id, "weeks": 8})  # fmt: skip
    return queued


def _queue(db, schedule: Schedule, kind: str, day: dt.date, text: str,
           keyboard=CHECKIN_KEYBOARD, chart: dict | None = None) -> int:  # fmt: skip
    key = f"{kind}:{schedule.user_id}:{day.isoformat()}"
    if kind == "snooze":
        key = None  # a runner may snooze more than once a day
    payload = {"text": text, "keyboard": keyboard}
    if chart is not None:
        payload["chart"] = chart  # rendered when sent (the outbox's prepare hook)
    row = enqueue(db, schedule.chat_id, kind, payload, key, runner_id=schedule.user_id,
                  priority=PRIORITY[kind])  # fmt: skip
    return 1 if row is not None else 0


def checkin_text(first: bool, strength: tuple[str, ...] | None = None) -> str:
    text = (
        "Good morning! Time for your one-minute check-in."
        if first
        else "A gentle reminder: today's check-in is still open — it takes about a minute."
    )
    if strength:
        text += "\n\nIt is also a strength day: " + ", ".join(strength) + "."
    return text


def strength_text(exercises: tuple[str, ...]) -> str:
    return (
        "Strength day today (about 30 min): " + ", ".join(exercises) + ". Do it only if "
        "today's plan allows — your check-in reply says so."
    )
