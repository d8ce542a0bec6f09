"""Who takes part in the resilience workload (tests/resilience/workload.py): the check-in runners'
plans and what the form stores for their answers, the reminder runners and the coach, seeded
straight into the database before the bot's first start."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import checkin as checkin_form
from dialogs.forms import FormContext
from protocols import Profile
from storage import (
    link_coach,
    migrate,
    open_db,
    set_checkin_time,
    set_nudge_hours,
    update_profile,
    upsert_coach,
    upsert_runner,
)
from storage.coaches import squad
from tests.e2e.harness import GREEN

TOKEN = "123456:RESILIENCE"
ROOT = Path(__file__).resolve().parents[2]
COACH_ID, COACH_NAME = 9_500, "Kay"
CHECKIN_FIRST = 20_000
REMINDER_FIRST = 500_000
OUTBOX_CONCURRENCY = 16  # OutboxSender's max_concurrency: requests in flight at most

ORDER = tuple(q.id for q in checkin_form.QUESTIONS)  # the check-in's questions, in order
MORNING = "Good morning"
ALREADY = "You have already checked in today"
SEEN_NOTICE = f"Your coach {COACH_NAME} has seen your alert"
HOLD_NOTICE = f"{COACH_NAME} is keeping your plan on hold"
SEEN_TOAST = "seen"  # "Marked as seen; …" or "Already marked as seen."
FAULT_OUTCOMES = ("error_5xx", "slow", "drop", "retry_after")  # what the sandbox injects
THINK = (0.1, 0.6)  # seconds a person takes to answer a question


def midday_zone(now: dt.datetime) -> str:
    """An IANA zone (Etc/GMT±N) where it is about 13:00 at `now`."""
    offset = (13 - now.astimezone(dt.UTC).hour) % 24
    if offset > 12:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


@dataclass
class Plan:
    """A check-in runner and what they will answer (a button label, or "type:…" to type it)."""

    user_id: int
    name: str
    answers: dict[str, str]
    red: bool
    coached: bool
    female: bool
    weekly: bool  # onboarded 10 days ago: the weekly weight question is asked


def make_plans(count: int, red_every: int, rng: random.Random) -> list[Plan]:
    plans = []
    for i in range(count):
        red = i % red_every == 0
        answers = dict(GREEN)
        answers.update(
            night_pain="Yes" if red else "No",
            pain_morning=rng.choice(("0", "1")),
            sleep_hours=rng.choice(("7", "8", "9+", "type:7h30")),
            calcium_mg=rng.choice(("2", "3", "5+", "type:1200 mg")),
            protein_g=rng.choice(("3", "4", "type:100 g")),
            weight_kg=rng.choice(("Skip", "type:61 kg")),
        )
        # any bone sign not green: "Something's not right", then one by one
        bones_green = all(answers[f] == GREEN[f] for f in BONE_FIELDS)
        answers["bones"] = GREEN["bones"] if bones_green else "Something's not right"
        uid = CHECKIN_FIRST + i
        plans.append(Plan(uid, f"R{uid}", answers, red, coached=red or i % 4 != 3,
                          female=i % 2 == 0, weekly=i % 3 != 1))  # fmt: skip
    return plans


BONE_FIELDS = ("pain_rest", "night_pain", "pain_morning", "tenderness", "swelling", "limp",
               "hip_groin_pain")  # fmt: skip


def expected_value(plan: Plan, name: str) -> Any:
    """What the form stores for the runner's answer to `name` (the form's own parser)."""
    if name in BONE_FIELDS and plan.answers["bones"] == GREEN["bones"]:
        return expected_green(name)  # recorded green by "All clear"
    text = plan.answers[name].removeprefix("type:")
    ctx = FormContext(
        plan.user_id, plan.user_id, plan.name, dt.date.today(), dt.datetime.now(dt.UTC)
    )
    return checkin_form.FORM.question(name).read(text, ctx)


def expected_green(name: str) -> Any:
    ctx = FormContext(0, 0, "", dt.date.today(), dt.datetime.now(dt.UTC))
    return checkin_form.FORM.question(name).read(GREEN[name], ctx)


def stored_values(values: dict, answers: dict) -> dict:
    """A stored check-in (or draft) as the form's question ids: "bones" and "session" are
    one answer each for several fields."""
    out = dict(values)
    if "bones" not in out and all(k in values for k in BONE_FIELDS):
        out["bones"] = all(values[k] == expected_green(k) for k in BONE_FIELDS)
    done = values.get("session_done")
    if "session" not in out and done is not None:
        pain = values.get("pain_session")
        out["session"] = "none" if done == "none" else f"{done}:{'0' if pain == 0 else '?'}"
    return out


def profile(start: dt.date, sex: str) -> Profile:
    return Profile(site="fibula", sex=sex, weight_kg=60, pre_injury_weekly_minutes=180,
                   walking_cleared=True, start_stage="W1", start_date=start)  # fmt: skip


def seed(path: str, zone: str, plans: list[Plan], waves: dict[int, list[int]]) -> dict[int, int]:
    """The coach, the check-in runners (reminders 4 h away, no nudge) and the reminder runners
    (due `minutes` from now, per wave); returns the coach's athlete numbers by runner id."""
    db = open_db(path)
    migrate(db)
    now = dt.datetime.now(ZoneInfo(zone))
    later = f"{now + dt.timedelta(hours=4):%H:%M}"
    with db.atomic():
        upsert_coach(db, COACH_ID, COACH_ID, COACH_NAME, tz=zone)
        for plan in plans:
            upsert_runner(db, plan.user_id, plan.user_id, plan.name, tz=zone)
            start = now.date() - dt.timedelta(days=10 if plan.weekly else 3)
            update_profile(db, plan.user_id, profile(start, "female" if plan.female else "male"))
            set_checkin_time(db, plan.user_id, later)
            set_nudge_hours(db, plan.user_id, None)
            if plan.coached:
                link_coach(db, COACH_ID, plan.user_id)
        for minutes, uids in waves.items():
            at = f"{now + dt.timedelta(minutes=minutes):%H:%M}"
            for uid in uids:
                upsert_runner(db, uid, uid, f"M{uid}", tz=zone)
                update_profile(db, uid, profile(now.date() - dt.timedelta(days=3), "male"))
                set_checkin_time(db, uid, at)
                set_nudge_hours(db, uid, None)
    numbers = {r.user_id: n for n, r in squad(db, COACH_ID)}
    db.conn.close()
    return numbers
