"""Every rule of docs/PROTOCOL.md §4–§5, one function per rule ID, with its source.

Each function answers "does this rule hold today?" from a `Context`; the engine
(`protocols.engine`) decides which groups apply and what action follows.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from protocols.codes import HIGH_RISK_SITES, TRABECULAR_SITES
from protocols.models import Checkin, Decision, EngineState, Profile

DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Day:
    """One day of history: the check-in and the decision it produced."""

    checkin: Checkin
    decision: Decision

    @property
    def date(self) -> dt.date:
        return self.checkin.date


@dataclass(slots=True)
class Context:
    """What the rules read for one check-in (made by `context()`; rules never change it)."""

    profile: Profile
    checkin: Checkin
    state: EngineState  # today's working state (the engine mutates it after the rules read it)
    history: Sequence[Day]
    session_applies: bool  # yesterday had a loading session, so the session fields count
    gap: int  # days without a check-in just before today
    high_risk: bool  # the site is high risk (§1)
    pain_session: int  # session pain when the session fields count, else 0
    yesterday: Checkin | None  # the check-in of the day before today, if there was one
    day_before: Checkin | None  # and of the day before that


def context(
    profile: Profile,
    checkin: Checkin,
    state: EngineState,
    history: Sequence[Day],
    session_applies: bool,
    gap: int,
) -> Context:
    """The Context of a check-in, with the look-backs the rules share worked out once."""
    today = checkin.date.toordinal()
    yesterday = day_before = None
    if history:
        last = history[-1].checkin
        back = today - last.date.toordinal()
        if back == 1:
            yesterday = last
            if len(history) > 1:
                earlier = history[-2].checkin
                if earlier.date.toordinal() == today - 2:
                    day_before = earlier
        elif back == 2:
            day_before = last
    pain = checkin.pain_session if session_applies and checkin.pain_session is not None else 0
    return Context(
        profile, checkin, state, history, session_applies, gap,
        profile.site in HIGH_RISK_SITES, pain, yesterday, day_before,
    )  # fmt: skip


def bone_green(c: Checkin) -> bool:
    """The daily bone signals of a clean session (§7 Clean): all green."""
    return (
        c.pain_rest == 0
        and not c.night_pain
        and c.pain_morning == 0
        and c.soreness_hours < 24
        and not (c.tenderness or c.swelling or c.limp or c.hip_groin_pain)
    )


def p0_clear(c: Checkin) -> bool:
    """A check-in that lets P0 end (§7 P0, §8): no rest pain, tenderness, night pain,
    morning pain or limp; soreness plays no part in P0."""
    return (
        c.pain_rest == 0
        and not c.tenderness
        and not c.night_pain
        and c.pain_morning == 0
        and not c.limp
    )


def any_bone_pain(ctx: Context) -> bool:
    return ctx.checkin.pain_rest > 0 or ctx.checkin.pain_morning > 0 or ctx.pain_session > 0


# --- Red flags: action stop, urgent escalation (§4) ---------------------------------------


def rf1(ctx: Context) -> bool:
    """RF1 bone pain that wakes you or keeps you up at night [S8, S15]."""
    return ctx.checkin.night_pain


def rf2(ctx: Context) -> bool:
    """RF2 bone pain at rest or while walking around [S1, S8, S9]."""
    return ctx.checkin.pain_rest > 0


def rf3(ctx: Context) -> bool:
    """RF3 limp or altered gait [S8, S13]."""
    return ctx.checkin.limp


def rf4(ctx: Context) -> bool:
    """RF4 focal bone tenderness has come back [S9, S16]."""
    return ctx.checkin.tenderness


def rf5(ctx: Context) -> bool:
    """RF5 groin or anterior-hip pain with weight-bearing: same-day review [S17]."""
    return ctx.checkin.hip_groin_pain


def rf6(ctx: Context, pain_scale_back_today: bool) -> bool:
    """RF6 pain keeps getting worse [S8, S12].

    §7: a pain scale-back (SB1/SB2) fires today and another fired in the previous 6 days, or
    `pain_rest` is 2 or more above the mean of the previous three check-ins. Conservative
    reading: with fewer than three earlier check-ins the mean of those there are is used.
    """
    if pain_scale_back_today:
        since = ctx.checkin.date - 6 * DAY
        for day in reversed(ctx.history):
            if day.date < since:
                break
            if "SB1" in day.decision.rules or "SB2" in day.decision.rules:
                return True
    pain_rest = ctx.checkin.pain_rest
    earlier = ctx.history[-3:]
    if pain_rest < 2 or not earlier:
        return False  # a mean of pains is never below 0
    total = 0
    for day in earlier:
        total += day.checkin.pain_rest
    return pain_rest >= total / len(earlier) + 2


def rf7(ctx: Context) -> bool:
    """RF7 any bone pain during a session at a high-risk site [§1, S2, S9]."""
    return ctx.high_risk and ctx.pain_session > 0


def rf8(ctx: Context) -> bool:
    """RF8 new swelling together with any bone pain (rest, morning or session) [S13]."""
    return ctx.checkin.swelling and any_bone_pain(ctx)


def rf9(ctx: Context) -> bool:
    """RF9 bone pain on waking two mornings in a row [product, from S8].

    "In a row" needs yesterday's check-in: a missing day breaks the run.
    """
    yesterday = ctx.yesterday
    return ctx.checkin.pain_morning > 0 and yesterday is not None and yesterday.pain_morning > 0


# --- Scale-backs: action regress (§4) ------------------------------------------------------


def sb1(ctx: Context) -> bool:
    """SB1 bone pain ≥ 3/10 during the session: next session one stage down [S8, S6]."""
    return ctx.pain_session >= 3


def sb2(ctx: Context) -> bool:
    """SB2 bone pain on waking [S8]."""
    return ctx.checkin.pain_morning > 0


def sb3(ctx: Context) -> bool:
    """SB3 soreness lasting 24 hours or more [A2; S8]; at most once per loading session (§7)."""
    last = ctx.state.last_loading
    return ctx.checkin.soreness_hours >= 24 and last is not None and ctx.state.sb3_session != last


def sb4(ctx: Context) -> int:
    """SB4 missed days: one stage down for every 5 days in a row with no check-in [S6]."""
    return ctx.gap // 5


# --- Holds: action repeat (§4) -------------------------------------------------------------


def h1(ctx: Context) -> bool:
    """H1 brief bone pain 1–2/10 during the session, low-risk sites only [S7].

    "Not building" cannot be judged from one answer; any 1–2 holds (conservative).
    """
    return not ctx.high_risk and 1 <= ctx.pain_session <= 2


def h3(ctx: Context) -> bool:
    """H3 new swelling without bone pain [S13]."""
    return ctx.checkin.swelling and not any_bone_pain(ctx)


def h4(ctx: Context) -> bool:
    """H4 under 7 hours of sleep on each of the last 3 nights [S14, product].

    The three nights are today's and the two previous days' check-ins; a night not reported
    does not count as short.
    """
    for c in (ctx.checkin, ctx.yesterday, ctx.day_before):
        if c is None or c.sleep_hours is None or not c.sleep_hours < 7:
            return False
    return True


def h5(ctx: Context) -> bool:
    """H5 the last session was partial or skipped (null counts as not done, §7)."""
    return ctx.session_applies and ctx.checkin.session_done != "full"


def h9(ctx: Context) -> bool:
    """H9 coach hold: repeat until the coach resumes (§7)."""
    return ctx.state.coach_hold


# --- Reviews: energy availability, never blocks (§5) ---------------------------------------


def red1(ctx: Context) -> bool:
    """RED1 three or more missed menstrual cycles in a row, or no period by age 15 [S10, S11]."""
    p = ctx.profile
    no_period_by_15 = p.periods_started is False and p.age is not None and p.age >= 15
    return (ctx.state.missed_cycles or 0) >= 3 or no_period_by_15


def red2(ctx: Context, weight_kg: float) -> bool:
    """RED2 weight loss of 5 % or more in 30 days, or BMI 17.5 or less [S11].

    Loss is measured from the highest weight reported in the last 30 days (the profile's
    weight counts while it is that recent); BMI only when `height_cm` is known (§7).
    """
    weights = ctx.state.weights
    heaviest = max(kg for _, kg in weights) if weights else weight_kg
    if weight_kg <= heaviest * 0.95:
        return True
    height = ctx.profile.height_cm
    return height is not None and weight_kg / (height / 100) ** 2 <= 17.5


def red3(ctx: Context) -> bool:
    """RED3 trabecular-site BSI or 2+ BSIs in two years [S10].

    `previous_bsi_count_2y` counts earlier injuries, so 1 or more plus this one makes 2+.
    """
    return ctx.profile.site in TRABECULAR_SITES or ctx.profile.previous_bsi_count_2y >= 1


def red4(ctx: Context, weight_kg: float) -> bool:
    """RED4 protein under 1.2 g/kg on average over the last 7 check-ins [S18].

    Needs 7 check-ins with protein reported (§7); the last 7 such check-ins are used.
    """
    values = [] if ctx.checkin.protein_g is None else [ctx.checkin.protein_g]
    for day in reversed(ctx.history):
        if len(values) == 7:
            break
        if day.checkin.protein_g is not None:
            values.append(day.checkin.protein_g)
    return len(values) == 7 and sum(values) / 7 / weight_kg < 1.2


def red5(ctx: Context) -> bool:
    """RED5 vitamin D (25(OH)D) under 30 ng/mL [S20]; the latest value reported counts."""
    return ctx.state.vitamin_d_ng_ml is not None and ctx.state.vitamin_d_ng_ml < 30
