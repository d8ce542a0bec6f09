"""Today's session and the "what comes next" line, built from the ladder (§2, §6)."""

import datetime as dt
from functools import cache, lru_cache

from protocols import weeks
from protocols.codes import HIGH_RISK_SITES, WEEKDAYS
from protocols.ladder import (
    CROSS_TRAIN_TEXT,
    LADDER,
    STRENGTH_MINUTES,
    is_running_stage,
    next_stage,
    strength_exercises,
)
from protocols.messages import REST_SESSION, plural
from protocols.models import EngineState, Profile, Session

# Day kinds the engine asks for: a loading session, a scheduled rest day (strength on strength
# days), a scale-back day (plain rest: bone pain or long soreness today), a stop.
LOAD, REST, RECOVER, STOP = "load", "rest", "recover", "stop"


# Sessions are frozen and the same for every runner at a stage and kind of day, so each one
# is built once: the stop and scale-back rest, P0, a rest day with or without strength, a
# ladder session with or without strength, and B/G runs by minutes and weekly total.
REST_DAY = Session(kind="rest", minutes=0, text=REST_SESSION)
WEEKLY_RUNS = 4096  # B/G sessions kept: (stage, minutes, weekly total, pre-injury volume)
_strength_days: dict[tuple, frozenset[int]] = {}


def strength_weekdays(profile: Profile) -> frozenset[int]:
    """The runner's strength days as weekday numbers (Mon = 0), worked out once per choice."""
    key = (profile.run_days, profile.strength_days)
    days = _strength_days.get(key)
    if days is None:
        days = _strength_days[key] = frozenset(WEEKDAYS.index(d) for d in profile.strength_weekdays)
    return days


def build_session(profile: Profile, s: EngineState, day: dt.date, kind: str) -> Session:
    stage = s.stage
    if kind == STOP:
        return REST_DAY
    if stage == "P0":
        return _p0_session()
    if kind == RECOVER:
        return REST_DAY
    strength_day = day.weekday() in strength_weekdays(profile)
    if kind == REST:
        return _rest_day(stage, strength_day)
    if stage in weeks.WEEKLY_STAGES:
        minutes = weeks.run_minutes(profile, s, day)
        total = weeks.week_total(s) if s.week_full else None
        return _weekly_run(stage, minutes, total, profile.pre_injury_weekly_minutes)
    return _ladder_session(stage, strength_day and LADDER[stage].kind == "walk")


@cache
def _p0_session() -> Session:
    spec = LADDER["P0"]
    return Session(kind="cross_train", minutes=spec.minutes, text=_cap(spec.structure) + ".",
                   surface=spec.surface, effort=spec.effort)  # fmt: skip


@cache
def _rest_day(stage: str, strength_day: bool) -> Session:
    """A scheduled rest day: strength on strength days, else easy cross-training."""
    if strength_day:
        exercises = strength_exercises(stage)
        return Session(
            kind="strength",
            minutes=STRENGTH_MINUTES,
            text="Strength, about 30 min: " + ", ".join(exercises) + ".",
            strength=exercises,
        )
    return Session(kind="rest", minutes=0, text=_cap(CROSS_TRAIN_TEXT) + ".")


@lru_cache(maxsize=WEEKLY_RUNS)
def _weekly_run(stage: str, minutes: int, total: int | None, pre: int) -> Session:
    spec = LADDER[stage]
    return Session(kind="run", minutes=minutes, run_minutes=minutes,
                   text=_cap(weeks.session_text(minutes, total, pre, stage)) + ".",
                   surface=spec.surface, effort=spec.effort)  # fmt: skip


@cache
def _ladder_session(stage: str, with_strength: bool) -> Session:
    """A loading session below B; a walk on a strength day carries the strength list too."""
    spec = LADDER[stage]
    text = f"{_cap(spec.structure)}. Surface: {spec.surface}. Effort: {spec.effort}."
    strength: tuple[str, ...] = ()
    if with_strength:
        strength = strength_exercises(stage)
        text += " Also strength today: " + ", ".join(strength) + "."
    return Session(
        kind=spec.kind,
        minutes=spec.minutes,
        run_minutes=spec.run_minutes,
        text=text,
        surface=spec.surface,
        effort=spec.effort,
        strength=strength,
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


STOPPED_STEP = (
    "Rest until your check-in is clear and your plan is resumed — by your coach, or by you "
    "after seeing your clinician if no coach is linked. It then restarts one stage below."
)
P0_UNCLEARED_STEP = (
    "When your clinician clears walking and you have two mornings in a row without rest pain "
    "or tenderness, walking starts (W1)."
)
P0_STEP = "Two check-ins in a row without rest pain or tenderness, then walking starts (W1)."
GRADUATED_STEP = (
    "You have graduated: keep weekly increases to 10% or less and strength twice a week."
)
STEPS = 4096  # "what comes next" lines kept, by the facts they say


def next_step(profile: Profile, s: EngineState, day: dt.date) -> str:
    """What has to happen to reach the next stage, in plain words (§6)."""
    stage = s.stage
    if s.stopped_at is not None:
        return STOPPED_STEP
    if stage == "P0":
        return P0_STEP if s.walking_cleared else P0_UNCLEARED_STEP
    if stage == "G":
        return GRADUATED_STEP
    if stage == "B":
        total = weeks.week_total(s) if s.week_full else None
        return _build_step(profile.pre_injury_weekly_minutes, total)
    # a session still being judged (today's, or the last one before a rest day) counts
    in_flight = s.pending is not None and (s.pending_clean or not s.pending_reported)
    return _ladder_step(stage, profile.has_alterg, profile.site in HIGH_RISK_SITES,
                        s.clean_count, in_flight, s.pending == day, s.running_cleared)  # fmt: skip


@lru_cache(maxsize=STEPS)
def _build_step(pre: int, total: int | None) -> str:
    goal = -(-pre * 8 // 10)
    now = f"This week {total} min in all. " if total else ""
    return (
        f"{now}Each green week adds up to 10%, toward your {pre} min before the injury; "
        f"two green weeks in a row with at least {goal} min, then you graduate (G)."
    )


@lru_cache(maxsize=STEPS)
def _ladder_step(stage: str, has_alterg: bool, high_risk: bool, clean_count: int,
                 in_flight: bool, judged_today: bool, running_cleared: bool) -> str:  # fmt: skip
    target = next_stage(stage, has_alterg)
    needed = LADDER[stage].clean_needed(high_risk)
    left = needed - clean_count - int(in_flight)
    which = "today's session" if judged_today else "your last session"
    if stage == "R1":
        step = f"A pain-free pass of the readiness tests, then {target}."
    elif in_flight and left > 0:
        step = f"Counting {which}: {plural(left, 'more clean session')} at {stage}, then {target}."
    elif in_flight:
        step = f"If {which} stays clean, you move up to {target} on the next loading day."
    elif left > 0:
        step = f"{plural(left, 'more clean session')} at {stage}, then {target}."
    else:
        step = f"Next loading day you move up to {target} if all stays clear."
    if target and is_running_stage(target) and not running_cleared:
        who = "your coach or clinician" if high_risk else "your clinician"
        step += f" Running needs clearance from {who} first."
    return step
