"""Builders for the progress tests: example scenarios replayed into history, green days.

Day 0 is Monday 2026-03-02, as in the example scenarios.
"""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from protocols import Checkin, Day, Event, Profile, Scenario, decide

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
START = dt.date(2026, 3, 2)  # a Monday


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def profile(**changes) -> Profile:
    fields = dict(
        site="tibia_posteromedial",
        sex="female",
        age=30,
        weight_kg=60,
        pre_injury_weekly_minutes=200,
        walking_cleared=True,
        running_cleared=True,
        start_stage="W1",
        start_date=START,
    )
    return Profile(**{**fields, **changes})


def green(date: dt.date | int, **changes) -> Checkin:
    if isinstance(date, int):
        date = day(date)
    fields = dict(
        date=date, pain_rest=0, night_pain=False, pain_session=0, pain_morning=0,
        soreness_hours=0, tenderness=False, swelling=False, limp=False, hip_groin_pain=False,
        session_done="full", sleep_hours=8.5, calcium_mg=1200, protein_g=110,
    )  # fmt: skip
    return Checkin(**{**fields, **changes})


def replay(prof: Profile, checkins: Sequence[Checkin], events: Iterable[Event] = ()) -> list[Day]:
    """History as the bot stores it: each day's events applied before its decision."""
    waiting = sorted(events, key=lambda e: e.date)
    days: list[Day] = []
    for c in checkins:
        todays = [e for e in waiting if e.date <= c.date]
        waiting = [e for e in waiting if e.date > c.date]
        days.append(Day(c, decide(prof, days, c, todays)))
    return days


@cache
def scenario(name: str) -> tuple[Profile, tuple[Day, ...]]:
    sc = Scenario.model_validate(json.loads((SCENARIOS / f"{name}.json").read_text()))
    return sc.profile, tuple(replay(sc.profile, sc.checkins, sc.events))


def until(days: Sequence[Day], last: dt.date) -> list[Day]:
    return [x for x in days if x.date <= last]
