"""decide(): one check-in in, one decision out — docs/PROTOCOL.md §4 in priority order, §7 timing.

Pure: the same profile, history, check-in and events always give the same decision. The
state carried between days lives in `Decision.state` (an `EngineState`, copied each day and
mutated by the helpers, validated once when the `Decision` is made); `history` supplies the
few recent check-ins that rules look back on (RF6, RF9, H4, RED4). The steps of a day live in
`bookkeeping` (events, reports, the last session, weeks, reviews due), `groups` (which rules
fire), `progression` (a day that is not stopped) and `stops` (a stopped day).
"""

import datetime as dt
import operator
from collections.abc import Iterable, Sequence

from protocols import groups, weeks
from protocols.bookkeeping import (
    apply_events,
    judge_pending,
    paused_days,
    record_reports,
    reviews_due,
    roll_weeks,
)
from protocols.codes import RED_FLAGS, Phase
from protocols.ladder import LADDER, PROTOCOL_VERSION, is_running_stage
from protocols.messages import REASONS, RESUMED, headline
from protocols.models import Checkin, Decision, EngineState, Event, Profile
from protocols.nutrition import feedback
from protocols.progression import active_day
from protocols.rules import Day, context
from protocols.sessions import build_session, next_step
from protocols.stops import while_stopped

RED_FLAG_IDS = frozenset(RED_FLAGS)
_date = operator.attrgetter("date")


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
    events = sorted(events, key=_date)
    if history:
        prev = history[-1]
        prev_date = prev.checkin.date
        if today <= prev_date:
            raise ValueError(f"check-in {today} is not after the last one ({prev_date})")
        state = prev.decision.state
        s = state.copy()  # the working state; the stored one is never mutated
        profile = apply_events(profile, s, events, today)
        gap = (today - prev_date).days - 1
        session_applies = gap == 0 and prev.decision.session.loading
        missed = gap - paused_days(s, events, prev_date, today)
    else:
        prev = None
        state = initial_state(profile, today)
        s = state.copy()
        profile = apply_events(profile, s, events, today)
        session_applies, missed = False, 0
    weight = record_reports(s, checkin)
    judge_pending(s, checkin, session_applies)
    zero_week = roll_weeks(profile, s, prev, today)
    ctx = context(profile, checkin, s, history, session_applies, missed)
    stage_before = s.stage
    if s.stopped_at is not None:
        action, fired, kind_of_day = while_stopped(profile, s, ctx)
    else:
        action, fired, kind_of_day = active_day(profile, s, ctx, zero_week)
    reviews_fired = groups.reviews(ctx, weight)
    due = reviews_due(s, reviews_fired, today) if reviews_fired else ()
    session = build_session(profile, s, today, kind_of_day)
    loading = session.loading
    if loading:
        s.pending, s.pending_clean, s.pending_reported, s.last_loading = today, False, False, today
        if s.stage in weeks.WEEKLY_STAGES and session.run_minutes:
            s.week_run_minutes += session.run_minutes
    all_rules = (*fired, *reviews_fired)
    reasons = tuple([REASONS[r] for r in all_rules])
    if state.stopped_at is not None and action == "regress":
        reasons = (RESUMED, *reasons)
    # §8: `urgent` only on a day a red flag fires (a new urgent alert); other stop days are
    # null, or `review` on a day a review is sent
    red_today = not RED_FLAG_IDS.isdisjoint(fired)
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
        headline=headline(action, s.stage, not loading),
        next_step=next_step(profile, s, today),
        nutrition=feedback(profile, checkin, weight),
        protocol_version=PROTOCOL_VERSION,
        state=s,  # validated here, once (EngineState's revalidate_instances)
    )
