"""Small builders for progression-engine tests: green check-ins, profiles, replays.

Dates are real calendar dates: day 0 is Monday 2026-03-02, so B's Monday–Sunday weeks
line up with `day(0)`, `day(7)`, `day(14)`, ...
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from protocols import Checkin, Day, Decision, Event, Profile, Scenario, decide, simulate

START = dt.date(2026, 3, 2)  # a Monday
WEIGHT_KG = 60.0
LOW_RISK = "tibia_posteromedial"  # low risk, not trabecular (no RED3)
HIGH_RISK = "tibia_anterior"  # high risk, not trabecular (no RED3)


def day(n: int) -> dt.date:
    """The date `n` days after START (day 0 is Monday 2026-03-02)."""
    return START + dt.timedelta(days=n)


def profile(**overrides) -> Profile:
    """A low-risk runner, cleared to walk and run, starting at W1 on day 0.

    Override anything, e.g. `profile(site=HIGH_RISK, start_stage="RW1")`.
    """
    fields = dict(
        site=LOW_RISK,
        sex="female",
        age=30,
        weight_kg=WEIGHT_KG,
        pre_injury_weekly_minutes=200,
        walking_cleared=True,
        running_cleared=True,
        start_stage="W1",
        start_date=START,
    )
    fields.update(overrides)
    return Profile(**fields)


def green(date: dt.date | int, **overrides) -> Checkin:
    """A check-in with every signal green (§3); `date` may be a day number."""
    if isinstance(date, int):
        date = day(date)
    fields = dict(
        date=date,
        pain_rest=0,
        night_pain=False,
        pain_session=0,
        pain_morning=0,
        soreness_hours=0,
        tenderness=False,
        swelling=False,
        limp=False,
        hip_groin_pain=False,
        session_done="full",
        sleep_hours=8.5,
        calcium_mg=1200,
        protein_g=1.8 * WEIGHT_KG,
    )
    fields.update(overrides)
    return Checkin(**fields)


def greens(first: int, last: int, **overrides) -> list[Checkin]:
    """Green check-ins for day numbers first..last inclusive."""
    return [green(n, **overrides) for n in range(first, last + 1)]


def event(date: dt.date | int, type_: str) -> Event:
    if isinstance(date, int):
        date = day(date)
    return Event(date=date, type=type_)


def run(prof: Profile, checkins: Sequence[Checkin], events: Iterable[Event] = ()) -> list[Decision]:
    """Replay check-ins and events through simulate(); one decision per check-in."""
    return simulate(Scenario(profile=prof, checkins=list(checkins), events=list(events)))


def by_date(decisions: Sequence[Decision]) -> dict[dt.date, Decision]:
    return {d.date: d for d in decisions}


def climb(prof: Profile, stage: str, first: int = 0, limit: int = 200) -> list[Checkin]:
    """Green check-ins, one a day from day `first`, up to the first day whose decision
    reaches `stage`. Append more check-ins and pass the list to `run`."""
    history: list[Day] = []
    checkins: list[Checkin] = []
    for n in range(first, first + limit):
        c = green(n)
        d = decide(prof, history, c)
        history.append(Day(c, d))
        checkins.append(c)
        if d.stage == stage:
            return checkins
    raise AssertionError(f"{stage} not reached in {limit} green days")


# --- shared by the rule tests (test_red_flags.py … test_build_weeks.py) ---------------------

P0_UNCLEARED = dict(start_stage="P0", walking_cleared=False)


def last(prof, checkins, events=()):
    """The decision for the last check-in."""
    return run(prof, checkins, events)[-1]


def after_walk(**signal):
    """Day 1's decision at W3 after a walk on day 0, with `signal` in day 1's check-in."""
    return last(profile(start_stage="W3"), [green(0), green(1, **signal)])


def assert_stop(d, rule):
    assert d.action == "stop"
    assert rule in d.rules
    assert d.escalation == "urgent"
    assert d.alert is True
    assert not d.session.loading  # rest or pain-free cross-training
    assert d.stage == d.stage_before
    assert "clinician" in d.headline
