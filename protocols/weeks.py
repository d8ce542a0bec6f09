"""The weekly logic of `B` and `G` (docs/PROTOCOL.md §2 Build, §7 "C to B" and "Graduation").

Functions work on the engine's working `EngineState` (`s`), which the engine owns.
"""

import datetime as dt
from functools import cache

from protocols.codes import WEEKDAYS
from protocols.ladder import HARD_SURFACE_SHARE
from protocols.models import EngineState, Profile, Week

C6_MINUTES = 45
EIGHT_WEEKS = dt.timedelta(weeks=8)  # no consecutive run days before this, then a 4th day [S8]
GRADUATION_SHARE = 0.8  # ≥ 80 % of pre-injury volume after 2 green weeks [S13: 75–80 %]
WEEKLY_RISE = 1.10  # 10 % rule [S8, S12, A1]
STRIDES_SHARE = 0.6  # strides and hills only from 50–60 % of pre-injury: the stricter 60 % [S13]
WEEKLY_STAGES = ("B", "G")


def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def run_days(profile: Profile, c1_started: dt.date | None, week: dt.date) -> tuple[int, ...]:
    """The week's run days as weekday numbers (Mon = 0), per §7.

    Before 8 weeks after C1 began, no two consecutive days (Sunday→Monday counts) and at
    most 3: scanning Monday→Sunday, a day next to one already kept is dropped (the later one).
    The whole week must lie past the mark for a 4th day (conservative); never more than 4.
    """
    began = c1_started or week
    return _run_days(profile.run_days, week >= began + EIGHT_WEEKS)


@cache
def _run_days(chosen: tuple[str, ...], past_mark: bool) -> tuple[int, ...]:
    wanted = [WEEKDAYS.index(d) for d in chosen]
    if past_mark:
        return tuple(wanted[:4])
    kept: list[int] = []
    for day in wanted:
        near = {(day - 1) % 7, (day + 1) % 7}
        if len(kept) < 3 and not near.intersection(kept):
            kept.append(day)
    return tuple(kept)


def is_run_day(profile: Profile, s: EngineState, d: dt.date) -> bool:
    return d.weekday() in run_days(profile, s.c1_started, monday(d))


def first_total(profile: Profile, s: EngineState, d: dt.date) -> int:
    """The first full B week: C6's 45 min × run days, never above pre-injury volume."""
    n = len(run_days(profile, s.c1_started, monday(d)))
    return min(C6_MINUTES * n, profile.pre_injury_weekly_minutes)


def enter_build(profile: Profile, s: EngineState, d: dt.date) -> None:
    """Start B on day d: the rest of this week runs at C6 length (§7)."""
    s.b_steps = (first_total(profile, s, d),)
    start_week(s, d, full=d.weekday() == 0)


def start_week(s: EngineState, d: dt.date, full: bool) -> None:
    s.week_monday = monday(d)
    s.week_full = full
    s.week_green = True
    s.week_run_minutes = 0
    s.week_capped = False


def step_back(s: EngineState) -> None:
    """SB1–SB3 in B: the total goes back one step — the previous week's total — from now on
    and for next week (§7). A step back never raises the plan: after an H8 cap the previous
    step can be larger than this week's capped total, so the smallest of the two applies,
    and never more than the previous full week actually ran."""
    steps = s.b_steps
    if len(steps) > 1:
        back = min(steps[-2], steps[-1])
        weeks = s.closed_weeks
        if weeks and weeks[-1].full and weeks[-1].run_minutes:
            back = min(back, weeks[-1].run_minutes)
        s.b_steps = (*steps[:-2], back)
    s.week_green = False


def roll_week(profile: Profile, s: EngineState, d: dt.date) -> bool:
    """Close the week(s) ended before day d and plan the new one.

    Returns True when the closed week was spent in B/G with no running prescribed at all:
    H8 then has nothing to grow from, and the engine treats it as missed days (SB4).
    """
    if s.week_monday is None or monday(d) == s.week_monday:
        return False
    closed = Week(
        monday=s.week_monday,
        full=s.week_full,
        green=s.week_green,
        run_minutes=s.week_run_minutes,
    )
    weeks = [*s.closed_weeks, closed]
    if monday(d) - s.week_monday > dt.timedelta(days=7):
        # a whole week without check-ins in between: nothing run, not green
        weeks.append(Week(monday=monday(d) - dt.timedelta(days=7), full=closed.full,
                          green=False, run_minutes=0))  # fmt: skip
    s.closed_weeks = tuple(weeks[-2:])
    last = s.closed_weeks[-1]
    start_week(s, d, full=True)
    steps = s.b_steps
    if last.full and last.green:
        # each green week: +10 %, rounded down, up to the pre-injury volume (§7). A green week
        # ran every planned session, so the rise is taken on what was run: with the split
        # rounded down, this keeps every week within 10 % of the one before.
        rise = min(int(last.run_minutes * WEEKLY_RISE), profile.pre_injury_weekly_minutes)
        steps = (*steps, rise)
    elif last.full:
        # H8: a week's running never exceeds the previous full week's by more than 10 %; it
        # binds after a week with missed run days (§4 H8, strict reading)
        cap = int(last.run_minutes * WEEKLY_RISE)
        if cap == 0:
            s.b_steps = steps
            return True
        if steps[-1] > cap:
            steps = (*steps[:-1], cap)
            s.week_capped = True
    s.b_steps = steps
    return False


def week_total(s: EngineState) -> int:
    return s.b_steps[-1]


def run_minutes(profile: Profile, s: EngineState, d: dt.date) -> int:
    """Minutes of today's B/G run: the week's total split evenly (rounded down), or C6's
    length in the week B began."""
    if not s.week_full:
        return C6_MINUTES
    n = len(run_days(profile, s.c1_started, monday(d)))
    return week_total(s) // n


def is_first_run_day(profile: Profile, s: EngineState, d: dt.date) -> bool:
    days = run_days(profile, s.c1_started, monday(d))
    return bool(days) and d.weekday() == days[0]


def graduation_due(profile: Profile, s: EngineState, d: dt.date) -> bool:
    """B → G on the first run day of a week after two green weeks spent entirely in B, the
    later one at ≥ 80 % of pre-injury volume (§7 Graduation)."""
    weeks = s.closed_weeks
    if len(weeks) < 2 or not is_first_run_day(profile, s, d):
        return False
    if not all(w.full and w.green for w in weeks):
        return False
    return weeks[-1].run_minutes >= GRADUATION_SHARE * profile.pre_injury_weekly_minutes


def session_text(minutes: int, total: int | None, pre: int, stage: str) -> str:
    """A B/G run in words; `total` is the week's plan once a full week is planned."""
    parts = [f"easy run, {minutes} min, conversational pace"]
    if total is not None:
        parts.append(f"this week {total} min in all")
    if total is not None and total >= STRIDES_SHARE * pre:
        parts.append("strides or gentle hills allowed once a week")
    else:
        parts.append("no strides or hills yet")
    parts.append(f"hard surfaces at most {HARD_SURFACE_SHARE:.0%} of the week")
    if stage == "G":
        parts.append("keep weekly increases to 10% or less and strength twice a week")
    return "; ".join(parts)
