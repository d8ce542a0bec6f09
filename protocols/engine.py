"""decide(): one check-in in, one decision out — docs/PROTOCOL.md §4 in priority order, §7 timing.

Pure: the same profile, history, check-in and events always give the same decision. The
state carried between days lives in `Decision.state` (an `EngineState`, copied each day and
mutated by the helpers below, validated once when the `Decision` is made); `history` supplies the few recent
check-ins that rules look back on (RF6, RF9, H4, RED4).
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from protocols import rules, weeks
from protocols.codes import HIGH_RISK_SITES, Phase
from protocols.ladder import (
    DAILY,
    LADDER,
    PROTOCOL_VERSION,
    WEEKLY_PLAN,
    drop,
    is_running_stage,
    next_stage,
    previous_stage,
)
from protocols.messages import REASONS, RESUMED, headline
from protocols.models import Checkin, Decision, EngineState, Event, Profile
from protocols.nutrition import feedback
from protocols.rules import DAY, Context, Day, bone_green
from protocols.sessions import LOAD, RECOVER, REST, STOP, build_session, next_step

REVIEW_EVERY = dt.timedelta(days=14)  # §5: a review at most once per reason per 14 days
WEIGHT_WINDOW = dt.timedelta(days=30)  # RED2
# Holds that stop an advance and make a B week non-green; H6 is the scheduled rest day and
# H7/H8 gate or constrain the plan without making the week non-green (§7).
WEEK_BREAKING_HOLDS = frozenset({"H1", "H3", "H4", "H5", "H9"})


def initial_state(profile: Profile, day: dt.date) -> EngineState:
    """The state before the first check-in.

    A start stage past P0 without `walking_cleared` starts at P0 (conservative reading: the
    clinician sets weight-bearing, docs/PROTOCOL.md preamble); a start stage past W6 without
    `running_cleared` starts at W6 and holds (H7, §7 Timing).
    """
    stage = profile.start_stage
    clamped = None
    if stage != "P0" and not profile.walking_cleared:
        clamped, stage = stage, "P0"
    elif is_running_stage(stage) and not profile.running_cleared:
        clamped, stage = stage, "W6"
    s = EngineState(
        stage=stage,
        stage_entered=day,
        clamped_from=clamped,
        walking_cleared=profile.walking_cleared,
        running_cleared=profile.running_cleared,
        weights=((profile.start_date, profile.weight_kg),),
        weight_kg=profile.weight_kg,
    )
    if LADDER[stage].phase in (Phase.CONTINUOUS, Phase.BUILD, Phase.GRADUATED):
        s.c1_started = day  # unknown: count the 8 weeks from today (conservative)
    if stage in weeks.WEEKLY_STAGES:
        weeks.enter_build(profile, s, day)
    return s


def decide(
    profile: Profile,
    history: Sequence[Day],
    checkin: Checkin,
    events: Iterable[Event] = (),
) -> Decision:
    """Today's decision for a check-in, given the earlier days and the events since then."""
    today = checkin.date
    prev = history[-1] if history else None
    if prev is not None and today <= prev.date:
        raise ValueError(f"check-in {today} is not after the last one ({prev.date})")
    state = prev.decision.state if prev else initial_state(profile, today)
    s = state.copy()  # the working state; the stored one is never mutated
    events = sorted(events, key=lambda e: e.date)
    profile = _apply_events(profile, s, events, today)
    gap = (today - prev.date).days - 1 if prev else 0
    session_applies = prev is not None and gap == 0 and prev.decision.session.loading
    missed = gap - _paused_days(s, events, prev.date, today) if prev else 0
    weight = _record_reports(s, checkin)
    _judge_pending(s, checkin, session_applies)
    zero_week = _roll_weeks(profile, s, prev, today)
    ctx = Context(profile, checkin, s, history, session_applies, missed)
    stage_before = s.stage
    if s.stopped_at is not None:
        day = _while_stopped(profile, s, ctx)
    else:
        day = _active(profile, s, ctx, zero_week)
    action, fired, kind_of_day = day
    reviews_fired = _reviews(ctx, weight)
    due = _reviews_due(s, reviews_fired, today)
    session = build_session(profile, s, today, kind_of_day)
    if session.loading:
        s.set(pending=today, pending_clean=False, pending_reported=False, last_loading=today)
        if s.stage in weeks.WEEKLY_STAGES and session.run_minutes:
            s.week_run_minutes += session.run_minutes
    all_rules = (*fired, *reviews_fired)
    reasons = tuple(REASONS[r] for r in all_rules)
    if state.stopped_at is not None and action == "regress":
        reasons = (RESUMED, *reasons)
    # §8: `urgent` only on a day a red flag fires (a new urgent alert); other stop days are
    # null, or `review` on a day a review is sent
    red_today = any(r.startswith("RF") for r in fired)
    escalation = "urgent" if red_today else ("review" if due else None)
    return Decision(
        date=today,
        action=action,
        stage_before=stage_before,
        stage=s.stage,
        session=session,
        rules=all_rules,
        reasons=reasons,
        escalation=escalation,
        reviews=due,
        alert=red_today,
        headline=headline(action, s.stage, not session.loading),
        next_step=next_step(profile, s, today),
        nutrition=feedback(profile, checkin, weight),
        protocol_version=PROTOCOL_VERSION,
        state=s,  # validated here, once (EngineState's revalidate_instances)
    )


# --- steps of a day ------------------------------------------------------------------------


def _apply_events(profile: Profile, s: EngineState, events: Iterable[Event], today: dt.date) -> Profile:
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
    if (s.walking_cleared, s.running_cleared) != (profile.walking_cleared, profile.running_cleared):
        s.walking_cleared |= profile.walking_cleared
        s.running_cleared |= profile.running_cleared
        profile = profile.model_copy(
            update={"walking_cleared": s.walking_cleared, "running_cleared": s.running_cleared}
        )
    return profile


def _paused_days(s: EngineState, events: list[Event], prev: dt.date, today: dt.date) -> int:
    """Days without a check-in since `prev` that fell inside a pause: never missed (SB4)."""
    spans, start = [], s.paused_from
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


def _record_reports(s: EngineState, checkin: Checkin) -> float:
    """Keep the weekly answers (weight, cycles, vitamin D); return today's body weight."""
    today = checkin.date
    weights = tuple(w for w in s.weights if today - w[0] <= WEIGHT_WINDOW)
    if checkin.weight_kg is not None:
        weights = (*weights, (today, checkin.weight_kg))
    if weights != s.weights:
        s.weights = weights
    if checkin.missed_cycles is not None:
        s.missed_cycles = checkin.missed_cycles
    if checkin.vitamin_d_ng_ml is not None:
        s.vitamin_d_ng_ml = checkin.vitamin_d_ng_ml
    if checkin.weight_kg is not None:
        s.weight_kg = checkin.weight_kg
    return s.weight_kg


def _judge_pending(s: EngineState, checkin: Checkin, session_applies: bool) -> None:
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
        s.set(pending_clean=clean, pending_reported=True)
    elif not s.pending_reported:
        s.set(pending_clean=False, pending_reported=True)  # no check-in the next day
    elif s.pending_clean and not bone_green(checkin):
        s.pending_clean = False
    if not s.pending_clean and s.week_monday is not None and pending >= s.week_monday:
        s.week_green = False


def _roll_weeks(profile: Profile, s: EngineState, prev: Day | None, today: dt.date) -> bool:
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


def _loading_today(profile: Profile, s: EngineState, today: dt.date) -> bool:
    """Whether today is a loading day at the current stage (§2 frequency, H6)."""
    stage = s.stage
    spec = LADDER[stage]
    yesterday = s.last_loading == today - DAY
    if spec.frequency == DAILY:
        return stage != "P0"
    if spec.frequency == WEEKLY_PLAN:
        before_mark = s.c1_started is None or weeks.monday(today) < s.c1_started + weeks.EIGHT_WEEKS
        return weeks.is_run_day(profile, s, today) and not (yesterday and before_mark)
    return not yesterday  # A, RW, C every other day; R1 retried no sooner than 2 days later


def _enter(profile: Profile, s: EngineState, stage: str, today: dt.date, *, reset_build: bool) -> None:
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


def _while_stopped(profile: Profile, s: EngineState, ctx: Context) -> tuple[str, tuple[str, ...], str]:
    """Stopped: rest each day until a resume and a fully green check-in (§7 Stop and resume).

    §8 (version 2): while stopped, SB1–SB3 and every red flag are still evaluated and listed
    (the stage never changes); an SB1/SB2 on a stop day counts for RF6 later, because RF6
    reads the rules listed in history. A red flag cancels any resume that arrived before it,
    one dated on the red flag's own day included (events apply before the day's decision).
    """
    stopped = s.stopped_at
    # §7 P0: in P0 only RF1, RF5, RF6, H3 and H4 apply, so a stop at P0 evaluates no scale-back
    scale_backs = [] if stopped == "P0" else _pain_scale_backs(ctx)
    reds = _red_flags(ctx, stopped, pain_scale_back_today=bool(scale_backs))
    if stopped != "P0" and rules.sb3(ctx):
        scale_backs.append("SB3")
        s.sb3_session = s.last_loading  # SB3 fires at most once per loading session
    if reds:
        s.resume_pending = False  # §8: only a resume dated after the last red flag lifts it
        return "stop", (*reds, *scale_backs), STOP
    # "fully green": every bone-site field green; sleep, calcium and protein do not count.
    # Soreness is not among the exclusions, so ≥ 24 h soreness keeps the stop (bone_green).
    if s.resume_pending and bone_green(ctx.checkin):
        target = previous_stage(stopped, profile.has_alterg)
        s.set(stopped_at=None, resume_pending=False)
        s.stage = stopped
        _enter(profile, s, target, ctx.checkin.date, reset_build=True)
        return "regress", (), LOAD if _loading_today(profile, s, ctx.checkin.date) else REST
    return "stop", tuple(scale_backs), STOP


def _pain_scale_backs(ctx: Context) -> list[str]:
    """SB1 and SB2, the pain scale-backs that RF6 counts (§7 RF6)."""
    return [rid for rid, fired in (("SB1", rules.sb1(ctx)), ("SB2", rules.sb2(ctx))) if fired]


def _red_flags(ctx: Context, stage: str, pain_scale_back_today: bool) -> tuple[str, ...]:
    """RF1–RF9 from W1 on; in P0 only RF1, RF5 and RF6 (§4; §8: RF1 applies in P0 too)."""
    if stage == "P0":
        checks = (
            ("RF1", rules.rf1(ctx)),
            ("RF5", rules.rf5(ctx)),
            ("RF6", rules.rf6(ctx, pain_scale_back_today)),
        )
    else:
        checks = (
            ("RF1", rules.rf1(ctx)),
            ("RF2", rules.rf2(ctx)),
            ("RF3", rules.rf3(ctx)),
            ("RF4", rules.rf4(ctx)),
            ("RF5", rules.rf5(ctx)),
            ("RF6", rules.rf6(ctx, pain_scale_back_today)),
            ("RF7", rules.rf7(ctx)),
            ("RF8", rules.rf8(ctx)),
            ("RF9", rules.rf9(ctx)),
        )
    return tuple(rid for rid, fired in checks if fired)


def _holds(ctx: Context, stage: str) -> list[str]:
    """H1, H3, H4, H5, H9; in P0 only H3 and H4 (§7 P0) and a coach hold."""
    checks = (
        ("H1", stage != "P0" and rules.h1(ctx)),
        ("H3", rules.h3(ctx)),
        ("H4", rules.h4(ctx)),
        ("H5", stage != "P0" and rules.h5(ctx)),
        ("H9", rules.h9(ctx)),
    )
    return [rid for rid, fired in checks if fired]


def _active(
    profile: Profile, s: EngineState, ctx: Context, zero_week: bool
) -> tuple[str, tuple[str, ...], str]:
    stage = s.stage
    today = ctx.checkin.date
    in_p0 = stage == "P0"
    scale_backs: list[str] = []
    missed_drop = 0
    if not in_p0:
        scale_backs += _pain_scale_backs(ctx)
    reds = _red_flags(ctx, stage, pain_scale_back_today=bool(scale_backs))
    if not in_p0:
        if rules.sb3(ctx):
            scale_backs.append("SB3")
        missed_drop = max(rules.sb4(ctx), 1 if zero_week else 0)
        if missed_drop:
            scale_backs.append("SB4")
    holds = _holds(ctx, stage)
    if reds:
        s.set(stopped_at=stage, resume_pending=False, clean_count=0, pending=None)
        s.set(week_monday=None)
        return "stop", (*reds, *scale_backs, *holds), STOP
    if scale_backs:
        if "SB3" in scale_backs:
            s.sb3_session = s.last_loading
        _scale_back(profile, s, scale_backs, missed_drop, today)
        if set(scale_backs) - {"SB4"}:
            return "regress", (*scale_backs, *holds), RECOVER
        return "regress", (*scale_backs, *holds), LOAD if _loading_today(profile, s, today) else REST

    loading = _loading_today(profile, s, today)
    if s.pending is not None and (loading or stage == "R1"):
        if s.pending_clean:
            s.clean_count += 1
        s.pending = None
    due = _advance_due(profile, s, ctx, loading)
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
        _enter(profile, s, target, today, reset_build=False)
        if target in weeks.WEEKLY_STAGES and not _loading_today(profile, s, today):
            return "advance", ("ADV",), REST
        return "advance", ("ADV",), LOAD
    if not loading and stage != "P0":
        return "continue", ("H6",), REST
    return "continue", (), LOAD if loading else REST


def _advance_due(profile: Profile, s: EngineState, ctx: Context, loading: bool) -> bool:
    stage = s.stage
    if stage == "P0":
        # §7 P0 (§8: version 2 adds night pain, morning pain and limp and drops soreness):
        # walking_cleared, and today's and the previous day's check-ins both clear (check-ins
        # before the clearance count). Swelling today holds (H3) and hip/groin pain stops (RF5)
        # before this is asked.
        yesterday = ctx.previous(1)
        return (
            s.walking_cleared
            and yesterday is not None
            and all(rules.p0_clear(c) for c in (ctx.checkin, yesterday))
        )
    if stage == "B":
        return loading and weeks.graduation_due(profile, s, ctx.checkin.date)
    if stage == "G":
        return False
    needed = LADDER[stage].clean_needed(profile.site in HIGH_RISK_SITES)
    if stage == "R1":
        # after a clean R1 the next stage starts the next morning (§7 Timing)
        return s.clean_count >= needed
    return loading and s.clean_count >= needed


def _scale_back(profile: Profile, s: EngineState, fired: list[str], missed_drop: int, today: dt.date) -> None:
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
        _enter(profile, s, "B", today, reset_build=False)
        s.week_green = False
        return
    _enter(profile, s, drop(stage, steps, profile.has_alterg), today, reset_build=True)


def _reviews(ctx: Context, weight: float) -> tuple[str, ...]:
    """RED1–RED5 (§5): listed on every day they hold."""
    checks = (
        ("RED1", rules.red1(ctx)),
        ("RED2", rules.red2(ctx, weight)),
        ("RED3", rules.red3(ctx)),
        ("RED4", rules.red4(ctx, weight)),
        ("RED5", rules.red5(ctx)),
    )
    return tuple(rid for rid, fired in checks if fired)


def _reviews_due(s: EngineState, fired: tuple[str, ...], today: dt.date) -> tuple[str, ...]:
    """Reviews to send today: once per reason per 14 days; RED3 once, at onboarding (§1)."""
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
