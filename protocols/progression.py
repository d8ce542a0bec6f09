"""A day that is not stopped: scale back, hold, advance or continue (docs/PROTOCOL.md §4, §7).

`active_day` applies the rule groups in priority order and moves the working state along
the ladder; `enter`, `loading_today` and `scale_back` are the moves it (and a resume) makes.
"""

import datetime as dt

from protocols import groups, rules, weeks
from protocols.ladder import DAILY, LADDER, WEEKLY_PLAN, drop, is_running_stage, next_stage
from protocols.models import EngineState, Profile
from protocols.rules import DAY, Context
from protocols.sessions import LOAD, RECOVER, REST, STOP

# Holds that stop an advance and make a B week non-green; H6 is the scheduled rest day and
# H7/H8 gate or constrain the plan without making the week non-green (§7).
WEEK_BREAKING_HOLDS = frozenset({"H1", "H3", "H4", "H5", "H9"})

def loading_today(profile: Profile, s: EngineState, today: dt.date) -> bool:
    """Whether today is a loading day at the current stage (§2 frequency, H6)."""
    stage = s.stage
    frequency = LADDER[stage].frequency
    if frequency == DAILY:
        return stage != "P0"
    yesterday = s.last_loading == today - DAY
    if frequency == WEEKLY_PLAN:
        before_mark = s.c1_started is None or weeks.monday(today) < s.c1_started + weeks.EIGHT_WEEKS
        return weeks.is_run_day(profile, s, today) and not (yesterday and before_mark)
    return not yesterday  # A, RW, C every other day; R1 retried no sooner than 2 days later


def enter(profile: Profile, s: EngineState, stage: str, today: dt.date, *, reset_build: bool) -> None:
    """Move to `stage`: counts reset (§7 Clean), B/G bookkeeping kept in step."""
    old = s.stage
    s.set(stage=stage, stage_entered=today, clean_count=0, pending=None, pending_clean=False)
    if stage == "C1" and old != "C1":
        s.c1_started = today
    if stage in weeks.WEEKLY_STAGES:
        if old not in weeks.WEEKLY_STAGES or reset_build:
            if s.c1_started is None:
                s.c1_started = today
            weeks.enter_build(profile, s, today)
    else:
        s.set(week_monday=None, b_steps=(), closed_weeks=())


def active_day(
    profile: Profile, s: EngineState, ctx: Context, zero_week: bool
) -> tuple[str, tuple[str, ...], str]:
    stage = s.stage
    today = ctx.checkin.date
    in_p0 = stage == "P0"
    scale_backs: list[str] = []
    missed_drop = 0
    if not in_p0:
        scale_backs += groups.pain_scale_backs(ctx)
    reds = groups.red_flags(ctx, stage, pain_scale_back_today=bool(scale_backs))
    if not in_p0:
        if rules.sb3(ctx):
            scale_backs.append("SB3")
        missed_drop = max(rules.sb4(ctx), 1 if zero_week else 0)
        if missed_drop:
            scale_backs.append("SB4")
    holds = groups.holds(ctx, stage)
    if reds:
        s.set(stopped_at=stage, resume_pending=False, clean_count=0, pending=None)
        s.set(week_monday=None)
        return "stop", (*reds, *scale_backs, *holds), STOP
    if scale_backs:
        if "SB3" in scale_backs:
            s.sb3_session = s.last_loading
        scale_back(profile, s, scale_backs, missed_drop, today)
        if set(scale_backs) - {"SB4"}:
            return "regress", (*scale_backs, *holds), RECOVER
        return "regress", (*scale_backs, *holds), LOAD if loading_today(profile, s, today) else REST

    loading = loading_today(profile, s, today)
    if s.pending is not None and (loading or stage == "R1"):
        if s.pending_clean:
            s.clean_count += 1
        s.pending = None
    due = advance_due(profile, s, ctx, loading)
    target = next_stage(stage, profile.has_alterg) if due else None
    if due and target is not None and is_running_stage(target) and not s.running_cleared:
        holds.append("H7")  # clearance gate (§1, A2 "clearance first")
    elif s.clamped_from is not None and not s.running_cleared and stage == "W6":
        holds.append("H7")
    if s.clamped_from is not None and s.running_cleared:
        s.clamped_from = None
    if stage in weeks.WEEKLY_STAGES and loading and s.week_capped:
        holds.append("H8")
    if stage in weeks.WEEKLY_STAGES and WEEK_BREAKING_HOLDS.intersection(holds):
        s.week_green = False
    if holds:
        if not loading and LADDER[stage].frequency != DAILY:
            holds.append("H6")
        return "repeat", tuple(holds), LOAD if loading else REST
    if due and target is not None:
        enter(profile, s, target, today, reset_build=False)
        if target in weeks.WEEKLY_STAGES and not loading_today(profile, s, today):
            return "advance", ("ADV",), REST
        return "advance", ("ADV",), LOAD
    if not loading and stage != "P0":
        return "continue", ("H6",), REST
    return "continue", (), LOAD if loading else REST


def advance_due(profile: Profile, s: EngineState, ctx: Context, loading: bool) -> bool:
    stage = s.stage
    if stage == "P0":
        # §7 P0 (§8: version 2 adds night pain, morning pain and limp and drops soreness):
        # walking_cleared, and today's and the previous day's check-ins both clear (check-ins
        # before the clearance count). Swelling today holds (H3) and hip/groin pain stops (RF5)
        # before this is asked.
        yesterday = ctx.yesterday
        return (
            s.walking_cleared
            and yesterday is not None
            and rules.p0_clear(ctx.checkin)
            and rules.p0_clear(yesterday)
        )
    if stage == "B":
        return loading and weeks.graduation_due(profile, s, ctx.checkin.date)
    if stage == "G":
        return False
    needed = LADDER[stage].clean_needed(ctx.high_risk)
    if stage == "R1":
        # after a clean R1 the next stage starts the next morning (§7 Timing)
        return s.clean_count >= needed
    return loading and s.clean_count >= needed


def scale_back(profile: Profile, s: EngineState, fired: list[str], missed_drop: int, today: dt.date) -> None:
    """SB1–SB4 (§4, §7): one stage down, ⌊days/5⌋ for SB4, the larger drop wins."""
    stage = s.stage
    pain_or_soreness = bool(set(fired) - {"SB4"})
    steps = max(1 if pain_or_soreness else 0, missed_drop)
    if stage == "B" and not missed_drop:
        weeks.step_back(s)  # SB1–SB3 do not leave B (§7 C to B)
        s.set(clean_count=0, pending=None)
        return
    if stage == "G" and not missed_drop:
        weeks.step_back(s)  # one stage down is B, one weekly step back
        enter(profile, s, "B", today, reset_build=False)
        s.week_green = False
        return
    enter(profile, s, drop(stage, steps, profile.has_alterg), today, reset_build=True)

