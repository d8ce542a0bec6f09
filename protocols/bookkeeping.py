"""The state's bookkeeping around a day's rules (docs/PROTOCOL.md §5, §7 Timing and Clean).

Before the rules: coach events, pauses, the weekly reports, whether the last loading
session stayed clean, and the B/G week roll. After them: which reviews are sent today.
Each function mutates the engine's working `EngineState` (`s`).
"""

import datetime as dt
from collections.abc import Iterable

from protocols import weeks
from protocols.models import Checkin, EngineState, Event, Profile
from protocols.rules import DAY, Day, bone_green

REVIEW_EVERY = dt.timedelta(days=14)  # §5: a review at most once per reason per 14 days
WEIGHT_WINDOW = dt.timedelta(days=30)  # RED2


def apply_events(profile: Profile, s: EngineState, events: Iterable[Event], today: dt.date) -> Profile:
    """Coach events dated up to today apply before today's decision (§7 Timing)."""
    for event in events:
        if event.date > today:
            raise ValueError(f"event {event.type} on {event.date} is after the check-in {today}")
        if event.type == "walking_cleared":
            s.walking_cleared = True
        elif event.type == "running_cleared":
            s.running_cleared = True
        elif event.type == "hold":
            s.coach_hold = True  # H9
            # Conservative reading: "Keep on hold" after a resume while stopped is the coach's
            # latest word, so the stop stays until another resume.
            s.resume_pending = False
        elif event.type == "resume":
            s.coach_hold = False
            if s.stopped_at is not None:
                s.resume_pending = True
    # clearances stay once given (§7 Stop and resume)
    if s.walking_cleared != profile.walking_cleared or s.running_cleared != profile.running_cleared:
        s.walking_cleared |= profile.walking_cleared
        s.running_cleared |= profile.running_cleared
        profile = profile.model_copy(
            update={"walking_cleared": s.walking_cleared, "running_cleared": s.running_cleared}
        )
    return profile


def paused_days(s: EngineState, events: list[Event], prev: dt.date, today: dt.date) -> int:
    """Days without a check-in since `prev` that fell inside a pause: never missed (SB4)."""
    start = s.paused_from
    if start is None and not events:
        return 0  # no pause: the usual day
    spans = []
    for event in events:
        if event.type == "pause" and start is None:
            start = event.date
        elif event.type == "unpause" and start is not None:
            spans.append((start, event.date))
            start = None
    s.paused_from = start
    if start is not None:
        spans.append((start, today))
    days = (prev + DAY * k for k in range(1, (today - prev).days))
    return sum(1 for d in days if any(a <= d < b for a, b in spans))


def record_reports(s: EngineState, checkin: Checkin) -> float:
    """Keep the weekly answers (weight, cycles, vitamin D); return today's body weight."""
    today = checkin.date
    kg = checkin.weight_kg
    weights = s.weights
    if weights:
        weights = tuple(w for w in weights if today - w[0] <= WEIGHT_WINDOW)
    if kg is not None:
        weights = (*weights, (today, kg))
        s.weight_kg = kg
    if weights != s.weights:
        s.weights = weights
    if checkin.missed_cycles is not None:
        s.missed_cycles = checkin.missed_cycles
    if checkin.vitamin_d_ng_ml is not None:
        s.vitamin_d_ng_ml = checkin.vitamin_d_ng_ml
    return s.weight_kg


def judge_pending(s: EngineState, checkin: Checkin, session_applies: bool) -> None:
    """Update whether the last loading session is still clean (§7 Clean)."""
    pending = s.pending
    if pending is None:
        return
    if pending == checkin.date - DAY:
        clean = (
            session_applies
            and checkin.session_done == "full"
            and checkin.pain_session == 0
            and bone_green(checkin)
        )
        s.pending_clean = clean
        s.pending_reported = True
    elif not s.pending_reported:
        s.pending_clean = False  # no check-in the next day
        s.pending_reported = True
    elif s.pending_clean and not bone_green(checkin):
        s.pending_clean = False
    if not s.pending_clean and s.week_monday is not None and pending >= s.week_monday:
        s.week_green = False


def roll_weeks(profile: Profile, s: EngineState, prev: Day | None, today: dt.date) -> bool:
    """B/G weeks: missed run days make a week non-green; a new week gets its total."""
    if s.stage not in weeks.WEEKLY_STAGES or s.stopped_at is not None or prev is None:
        return False
    missed = [prev.date + DAY * k for k in range(1, (today - prev.date).days)]
    for d in missed:
        if weeks.monday(d) == s.week_monday and weeks.is_run_day(profile, s, d):
            s.week_green = False
    zero_week = weeks.roll_week(profile, s, today)
    for d in missed:
        if weeks.monday(d) == s.week_monday and weeks.is_run_day(profile, s, d):
            s.week_green = False
    return zero_week


def reviews_due(s: EngineState, fired: tuple[str, ...], today: dt.date) -> tuple[str, ...]:
    """Reviews to send today: once per reason per 14 days; RED3 once, at onboarding (§1)."""
    if not fired:
        return ()
    sent = dict(s.reviews_sent)
    due = []
    for rid in fired:
        last = sent.get(rid)
        if last is None or (rid != "RED3" and today - last >= REVIEW_EVERY):
            due.append(rid)
            sent[rid] = today
    if due:
        s.reviews_sent = tuple(sorted(sent.items()))
    return tuple(due)
