"""The coach's weekly digest: Monday morning in the coach's own zone, one line per athlete."""

import datetime as dt

from dialogs.alerts import runner_label
from dialogs.coach import light
from dialogs.zones import zone
from storage import athletes_of, enqueue, latest_decision, list_coaches

DIGEST_AT = dt.time(8, 0)  # Monday morning, the coach's time
GRACE = dt.timedelta(hours=2)
MONDAY = 0


def digest_text(db, coach_id: int, today: dt.date) -> str | None:
    athletes = athletes_of(db, coach_id)
    if not athletes:
        return None
    lines = ["Your athletes this week:"]
    for n, runner in enumerate(athletes, 1):
        latest = latest_decision(db, runner.user_id)
        where = f"{latest.stage}, last check-in {latest.date:%b %d}" if latest else "no check-in yet"
        lines.append(f"{n}. {light(db, coach_id, runner, today)} {runner_label(runner)} — {where}")
    lines.append("/athlete <n> for details.")
    return "\n".join(lines)


def tick(db, now: dt.datetime) -> int:
    """Queue the digests due now; the dedupe key makes each happen once per coach and Monday."""
    queued = 0
    for coach in list_coaches(db):
        local = now.astimezone(zone(coach.tz))
        due = dt.datetime.combine(local.date(), DIGEST_AT, tzinfo=zone(coach.tz))
        if local.weekday() != MONDAY or not due <= local < due + GRACE:
            continue
        key = f"digest:{coach.user_id}:{local.date().isoformat()}"
        text = digest_text(db, coach.user_id, local.date())
        about = [runner.user_id for runner in athletes_of(db, coach.user_id)]  # it names them
        if text and enqueue(db, coach.chat_id, "digest", {"text": text}, key, about=about) is not None:
            queued += 1
    return queued
