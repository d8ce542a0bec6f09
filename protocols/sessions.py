"""Today's session and the "what comes next" line, built from the ladder (§2, §6)."""

import datetime as dt

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


def _is_strength_day(profile: Profile, day: dt.date) -> bool:
    return WEEKDAYS[day.weekday()] in profile.strength_weekdays


def build_session(profile: Profile, s: EngineState, day: dt.date, kind: str) -> Session:
    stage = s.stage
    if kind == STOP:
        return Session(kind="rest", minutes=0, text=REST_SESSION)
    spec = LADDER[stage]
    if stage == "P0":
        return Session(kind="cross_train", minutes=spec.minutes, text=_cap(spec.structure) + ".",
                       surface=spec.surface, effort=spec.effort)  # fmt: skip
    if kind == RECOVER:
        return Session(kind="rest", minutes=0, text=REST_SESSION)
    if kind == REST:
        if _is_strength_day(profile, day):
            exercises = strength_exercises(stage)
            return Session(
                kind="strength",
                minutes=STRENGTH_MINUTES,
                text="Strength, about 30 min: " + ", ".join(exercises) + ".",
                strength=exercises,
            )
        return Session(kind="rest", minutes=0, text=_cap(CROSS_TRAIN_TEXT) + ".")
    if stage in weeks.WEEKLY_STAGES:
        minutes = weeks.run_minutes(profile, s, day)
        return Session(kind="run", minutes=minutes, run_minutes=minutes,
                       text=_cap(weeks.session_text(profile, s, minutes, stage)) + ".",
                       surface=spec.surface, effort=spec.effort)  # fmt: skip
    text = f"{_cap(spec.structure)}. Surface: {spec.surface}. Effort: {spec.effort}."
    strength: tuple[str, ...] = ()
    if spec.kind == "walk" and _is_strength_day(profile, day):
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


def next_step(profile: Profile, s: EngineState, day: dt.date) -> str:
    """What has to happen to reach the next stage, in plain words (§6)."""
    stage = s.stage
    if s.stopped_at is not None:
        return (
            "Rest until your check-in is clear and your plan is resumed — by your coach, or "
            "by you after seeing your clinician if no coach is linked. It then restarts one "
            "stage below."
        )
    if stage == "P0":
        if not s.walking_cleared:
            return (
                "When your clinician clears walking and you have two mornings in a row "
                "without rest pain or tenderness, walking starts (W1)."
            )
        return "Two check-ins in a row without rest pain or tenderness, then walking starts (W1)."
    if stage == "G":
        return "You have graduated: keep weekly increases to 10% or less and strength twice a week."
    if stage == "B":
        pre = profile.pre_injury_weekly_minutes
        goal = -(-pre * 8 // 10)
        total = weeks.week_total(s) if s.week_full else None
        now = f"This week {total} min in all. " if total else ""
        return (
            f"{now}Each green week adds up to 10%, toward your {pre} min before the injury; "
            f"two green weeks in a row with at least {goal} min, then you graduate (G)."
        )
    target = next_stage(stage, profile.has_alterg)
    needed = LADDER[stage].clean_needed(profile.site in HIGH_RISK_SITES)
    # a session still being judged (today's, or the last one before a rest day) counts
    in_flight = s.pending is not None and (s.pending_clean or not s.pending_reported)
    left = needed - s.clean_count - int(in_flight)
    which = "today's session" if s.pending == day else "your last session"
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
    if target and is_running_stage(target) and not s.running_cleared:
        who = (
            "your coach or clinician" if profile.site in HIGH_RISK_SITES else "your clinician"
        )
        step += f" Running needs clearance from {who} first."
    return step
