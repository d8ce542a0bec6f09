"""The coach's weekly digest: Monday morning in the coach's own zone, about the week just
ended (Monday to Sunday), per athlete — check-ins done of 7, stage at the start and end of
the week, alerts with their dates, the bone-pain trend, sleep and nutrition flags — with a
legend for the traffic lights and one squad chart (rendered when sent, dialogs/squad_chart.py).
"""

import asyncio
import base64
import datetime as dt
import statistics

from dialogs import coach_words as words
from dialogs.squad import LEGEND, light
from dialogs.squad_chart import squad_png
from dialogs.zones import zone
from protocols.nutrition import PROTEIN_FLOOR_G_PER_KG, calcium_floor_mg
from storage import enqueue, history, list_coaches
from storage.alerts import alerts_between
from storage.coaches import squad

DIGEST_AT = dt.time(8, 0)  # Monday morning, the coach's time
GRACE = dt.timedelta(hours=2)
MONDAY = 0
SLEEP_FLAG_HOURS = 7  # H4's threshold (PROTOCOL.md §4)
SHORT = {
    "RF1": "night pain", "RF2": "pain at rest", "RF3": "limp", "RF4": "tender spot",
    "RF5": "groin/hip pain", "RF6": "pain getting worse", "RF7": "pain in a session",
    "RF8": "swelling with pain", "RF9": "morning pain twice", "RED1": "missed periods",
    "RED2": "weight loss", "RED3": "injury type", "RED4": "low protein", "RED5": "low vitamin D",
}  # fmt: skip


def week_of(today: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and Sunday of the week before `today`'s week."""
    start = today - dt.timedelta(days=today.weekday() + 7)
    return start, start + dt.timedelta(days=6)


def digest_text(db, coach_id: int, today: dt.date, tz: str = "UTC") -> str | None:
    athletes = squad(db, coach_id)
    if not athletes:
        return None
    start, end = week_of(today)
    lines = [f"Weekly digest · {words.day(start)} – {words.day(end)}", LEGEND]
    for ref, runner in athletes:
        lines += ["", *athlete_lines(db, coach_id, ref, runner, start, end, today, tz)]
    lines += ["", "Tap /athletes for cards; the chart shows bone pain and running minutes over 4 weeks."]
    return "\n".join(lines)


def athlete_lines(db, coach_id: int, ref: int, runner, start: dt.date, end: dt.date,
                  today: dt.date, tz: str) -> list[str]:  # fmt: skip
    who = words.name(runner)
    lines = [f"#{ref} {light(db, coach_id, runner, today)} {words.label(runner)}"]
    days = history(db, runner.user_id, limit=60)
    week = [(day.checkin, day.decision) for day in days if start <= day.date <= end]
    before = [day.decision for day in days if day.date < start]
    lines.append(f"• Check-ins: {len(week)} of 7")
    if not week and not before:
        lines.append(f"• {who} has not checked in yet.")
        return lines
    first = before[-1] if before else week[0][1]
    last = week[-1][1] if week else first
    began = first.stage if before else (week[0][1].stage_before)
    ended = f"stopped at {last.stage}" if last.action == "stop" else last.stage
    lines.append(f"• Stage: {began} → {ended} ({words.stage_words(last.stage)}){stops_note([d for _, d in week], before)}")
    lines.append("• Alerts: " + alerts_line(db, coach_id, runner.user_id, start, end, tz))
    lines.append("• Bone pain: " + pain_line([c for c, _ in week]))
    flags = flag_line(runner, [c for c, _ in week], last)
    lines.append("• Sleep and food: " + (flags or "no flags"))
    return lines


def stops_note(week, before) -> str:
    """"; stopped Wed 4 Mar at W3, back on the plan Fri 6 Mar" for the week's stops."""
    notes = []
    previous = before[-1] if before else None
    for d in week:
        was_stopped = previous is not None and previous.action == "stop"
        if d.action == "stop" and not was_stopped:
            notes.append(f"stopped {d.date:%a} {words.day(d.date)} at {d.stage}")
        elif was_stopped and d.action != "stop":
            notes.append(f"back on the plan {d.date:%a} {words.day(d.date)}")
        previous = d
    return "; " + ", ".join(notes) if notes else ""


def alerts_line(db, coach_id: int, runner_id: int, start: dt.date, end: dt.date, tz: str) -> str:
    z = zone(tz)
    since = dt.datetime.combine(start, dt.time(0), tzinfo=z)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=z)
    raised = alerts_between(db, runner_id, coach_id, since, until)
    if not raised:
        return "none"
    parts = []
    for alert in raised:
        local = alert.created_at.astimezone(z).date()
        what = ", ".join(SHORT.get(r, r) for r in alert.rules)
        parts.append(f"{alert.kind} {local:%a} {words.day(local)} ({what})")
    return "; ".join(parts)


def pain_line(checkins) -> str:
    """The week's bone pain: the peak, where it ended, and a trend word."""
    daily = [(c.date, max(c.pain_rest, c.pain_morning, c.pain_session or 0)) for c in checkins]
    if not daily:
        return "no check-ins"
    nights = [c.date for c in checkins if c.night_pain]  # pain with no number: never "none"
    night = ("night pain " + ", ".join(f"{d:%a} {words.day(d)}" for d in nights)) if nights else ""
    if not any(p for _, p in daily):
        return f"no 0–10 pain reported; {night}" if night else "none all week"
    peak_day, peak = max(daily, key=lambda dp: (dp[1], -dp[0].toordinal()))
    half = len(daily) // 2
    trend = "steady"
    if half:
        early = statistics.mean(p for _, p in daily[:half])
        late = statistics.mean(p for _, p in daily[half:])
        trend = "easing" if late < early - 0.5 else ("rising" if late > early + 0.5 else "steady")
    return (f"peak {peak}/10 on {peak_day:%a} {words.day(peak_day)}, {daily[-1][1]}/10 at the last "
            f"check-in — {trend}" + (f"; {night}" if night else ""))  # fmt: skip


def flag_line(runner, checkins, last) -> str:
    profile = runner.profile
    weight = last.state.weight_kg or (profile.weight_kg if profile else None)
    short_sleep = sum(1 for c in checkins if c.sleep_hours is not None and c.sleep_hours < SLEEP_FLAG_HOURS)
    low_protein = sum(1 for c in checkins if c.protein_g is not None and weight
                      and c.protein_g / weight < PROTEIN_FLOOR_G_PER_KG)  # fmt: skip
    floor = calcium_floor_mg(profile.age, profile.sex) if profile else 1000
    low_calcium = sum(1 for c in checkins if c.calcium_mg is not None and c.calcium_mg < floor)
    flags = []
    if short_sleep:
        flags.append(f"under {SLEEP_FLAG_HOURS} h sleep on {short_sleep} night{'s' if short_sleep > 1 else ''}")
    if low_protein:
        flags.append(f"protein under {PROTEIN_FLOOR_G_PER_KG:g} g/kg on {low_protein} day{'s' if low_protein > 1 else ''}")
    if low_calcium:
        flags.append(f"calcium under {floor} mg on {low_calcium} day{'s' if low_calcium > 1 else ''}")
    return "; ".join(flags)


def tick(db, now: dt.datetime) -> int:
    """Queue the digests due now; the dedupe key makes each happen once per coach and Monday."""
    queued = 0
    for coach in list_coaches(db):
        local = now.astimezone(zone(coach.tz))
        due = dt.datetime.combine(local.date(), DIGEST_AT, tzinfo=zone(coach.tz))
        if local.weekday() != MONDAY or not due <= local < due + GRACE:
            continue
        key = f"digest:{coach.user_id}:{local.date().isoformat()}"
        text = digest_text(db, coach.user_id, local.date(), coach.tz)
        if text is None:
            continue
        about = [runner.user_id for _, runner in squad(db, coach.user_id)]  # it names them
        payload = {"text": text, "squad_chart": {"coach_id": coach.user_id, "end": week_of(local.date())[1].isoformat()}}
        if enqueue(db, coach.chat_id, "digest", payload, key, about=about) is not None:
            queued += 1
    return queued


async def chart_payload(store, payload: dict) -> dict:
    """Outbox hook: {"squad_chart": {"coach_id", "end"}} becomes the squad PNG at send time."""
    spec = payload["squad_chart"]
    athletes = await store.run(squad_days, spec["coach_id"])
    png = await asyncio.to_thread(squad_png, athletes, dt.date.fromisoformat(spec["end"]))
    rest = {k: v for k, v in payload.items() if k != "squad_chart"}
    return {**rest, "photo_b64": base64.b64encode(png).decode()}


def squad_days(db, coach_id: int) -> list:
    return [(f"#{ref} {words.label(runner)}", history(db, runner.user_id, limit=35))
            for ref, runner in squad(db, coach_id)]  # fmt: skip
