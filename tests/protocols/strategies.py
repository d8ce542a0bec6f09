"""Strategies and helpers of the engine's property tests (docs/PROTOCOL.md §2, §4, §7).

Random but valid scenarios: a profile, 1–120 days of check-ins (mostly green, with red and
amber signals at a tunable rate, and missed days), random coach events. A second strategy,
"mostly green, long" (100–200 days, at least 90 % green, few gaps), gets runners to `B` and
`G` so the weekly properties are not vacuous (`test_long_green_runs_reach_b`). The properties
are in test_properties.py, test_weekly_properties.py and test_stop_properties.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import hypothesis
from hypothesis import HealthCheck, event, settings, target
from hypothesis import strategies as st

from protocols import Checkin, Decision, Event, Profile, Scenario, simulate
from protocols.codes import HIGH_RISK_SITES, STAGES, WEEKDAYS, Phase, Site
from protocols.ladder import LADDER, path_for

DAY = dt.timedelta(days=1)
FIRST_DATE = dt.date(2024, 1, 1)
HOLD_RULES = frozenset({"H1", "H3", "H4", "H5", "H7", "H8", "H9"})
RUN_KINDS = frozenset({"alterg", "run_walk", "run"})  # property 3: running kinds of A/RW/C
EVERY_OTHER_DAY_PHASES = frozenset({Phase.ALTERG, Phase.RUN_WALK, Phase.CONTINUOUS})
# the coach's events of the brief, then the runner's /pause and /resume (engine 320abb0)
EVENT_TYPES = ("walking_cleared", "running_cleared", "resume", "hold", "pause", "unpause")

# Non-green things a check-in can carry, mildest first (hypothesis shrinks towards the start).
SIGNALS = (
    "sleep_short",  # < 7 h: only H4 after three nights, never unclean (§7)
    "sleep_missing",
    "calcium_low",
    "protein_low",
    "weight",
    "missed_cycles",
    "vitamin_d",
    "session_partial",  # H5
    "session_none",  # H5
    "session_null",  # H5 (§7: null after a loading day counts as not done)
    "pain_session_null",
    "pain_session_low",  # H1, or RF7 at a high-risk site
    "swelling",  # H3, or RF8 with bone pain
    "soreness",  # SB3
    "pain_morning",  # SB2 (RF9 twice in a row)
    "pain_session_high",  # SB1
    "pain_rest",  # RF2
    "night_pain",  # RF1
    "tenderness",  # RF4
    "limp",  # RF3
    "hip_groin_pain",  # RF5
)

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    # no explain phase: tracing 200-day runs makes a failure take minutes to report
    phases=[p for p in hypothesis.Phase if p is not hypothesis.Phase.explain],
    suppress_health_check=[HealthCheck.too_slow],
)
FEW = settings(PROPERTY, max_examples=30)


# --- strategies ------------------------------------------------------------------------------


def _weekdays() -> st.SearchStrategy[tuple[str, ...]]:
    chosen = st.sets(st.sampled_from(WEEKDAYS), min_size=1, max_size=7)
    return chosen.map(lambda days: tuple(sorted(days, key=WEEKDAYS.index)))


@st.composite
def profiles(
    draw,
    sites: st.SearchStrategy = st.sampled_from(list(Site)),  # noqa: B008
    walking_cleared: st.SearchStrategy[bool] = st.booleans(),  # noqa: B008
) -> Profile:
    has_alterg = draw(st.booleans())
    return Profile(
        site=draw(sites),
        sex=draw(st.sampled_from([None, "female", "male", "other"])),
        age=draw(st.none() | st.integers(14, 70)),
        weight_kg=draw(st.integers(45, 100)),
        height_cm=draw(st.none() | st.integers(150, 195)),
        pre_injury_weekly_minutes=draw(st.integers(30, 600)),
        has_alterg=has_alterg,
        walking_cleared=draw(walking_cleared),
        running_cleared=draw(st.booleans()),
        # consistent with has_alterg: a stage on the runner's own path
        start_stage=draw(st.just("P0") | st.sampled_from(path_for(has_alterg))),
        start_date=FIRST_DATE + DAY * draw(st.integers(0, 3 * 365)),
        run_days=draw(st.just(("mon", "wed", "fri")) | _weekdays()),
        strength_days=draw(st.none() | _weekdays()),
        previous_bsi_count_2y=draw(st.integers(0, 3)),
        periods_started=draw(st.sampled_from([None, True, False])),
    )


def _green(date: dt.date, i: int) -> dict:
    """A green check-in; sleep 7–9 h, calcium and protein vary without costing entropy."""
    return dict(
        date=date,
        pain_rest=0,
        night_pain=False,
        pain_session=0,
        pain_morning=0,
        soreness_hours=(i * 7) % 24,
        tenderness=False,
        swelling=False,
        limp=False,
        hip_groin_pain=False,
        session_done="full",
        sleep_hours=(7, 7.5, 8, 8.5, 9)[i % 5],
        calcium_mg=600 + (i * 97) % 900,
        protein_g=60 + (i * 13) % 80,
    )


def _apply_signal(draw, fields: dict, signal: str) -> None:
    if signal == "sleep_short":
        fields["sleep_hours"] = draw(st.integers(10, 13)) / 2  # 5–6.5 h
    elif signal == "sleep_missing":
        fields["sleep_hours"] = None
    elif signal == "calcium_low":
        fields["calcium_mg"] = draw(st.integers(0, 900))
    elif signal == "protein_low":
        fields["protein_g"] = draw(st.integers(20, 80))
    elif signal == "weight":
        fields["weight_kg"] = draw(st.integers(40, 100))
    elif signal == "missed_cycles":
        fields["missed_cycles"] = draw(st.integers(0, 6))
    elif signal == "vitamin_d":
        fields["vitamin_d_ng_ml"] = draw(st.integers(10, 60))
    elif signal == "session_partial":
        fields["session_done"] = "partial"
    elif signal == "session_none":
        fields["session_done"] = "none"
    elif signal == "session_null":
        fields["session_done"] = None
    elif signal == "pain_session_null":
        fields["pain_session"] = None
    elif signal == "pain_session_low":
        fields["pain_session"] = draw(st.integers(1, 2))
    elif signal == "pain_session_high":
        fields["pain_session"] = draw(st.integers(3, 10))
    elif signal == "soreness":
        fields["soreness_hours"] = draw(st.integers(24, 72))
    elif signal in ("pain_morning", "pain_rest"):
        fields[signal] = draw(st.integers(1, 10))
    else:  # the red booleans
        fields[signal] = True


@st.composite
def checkin_series(
    draw, start: dt.date, min_days: int, max_days: int, max_signal_pct: int, max_gap_pct: int,
    max_gap: int,
) -> list[Checkin]:  # fmt: skip
    """`n` check-ins from `start`; each day is non-green with probability ~signal_pct and is
    followed by a gap of 1..max_gap missed days with probability ~gap_pct. Integers shrink
    towards 0, so failures shrink towards green days without gaps."""
    n = draw(st.integers(min_days, max_days))
    signal_pct = draw(st.integers(0, max_signal_pct))
    gap_pct = draw(st.integers(0, max_gap_pct))
    noisy_left = n * max_signal_pct // 100  # a hard cap: at least (100 - max_signal_pct) % green
    out = []
    date = start
    for i in range(n):
        fields = _green(date, i)
        if draw(st.integers(0, 99)) >= 100 - signal_pct and noisy_left:
            noisy_left -= 1
            for _ in range(draw(st.integers(1, 3))):
                _apply_signal(draw, fields, draw(st.sampled_from(SIGNALS)))
        out.append(Checkin(**fields))
        date += DAY
        if draw(st.integers(0, 99)) >= 100 - gap_pct:
            date += DAY * draw(st.integers(1, max_gap))
    return out


@st.composite
def scenarios(
    draw,
    sites: st.SearchStrategy = st.sampled_from(list(Site)),  # noqa: B008
    max_signal_pct: int = 40,
    max_gap_pct: int = 15,
) -> Scenario:
    """General scenarios: 1–120 days, random signals, gaps and coach events."""
    profile = draw(profiles(sites=sites))
    start = profile.start_date + DAY * draw(st.integers(0, 3))
    checkins = draw(checkin_series(start, 1, 120, max_signal_pct, max_gap_pct, max_gap=11))
    span = (checkins[-1].date - profile.start_date).days
    raw = draw(st.lists(st.tuples(st.integers(0, span), st.sampled_from(EVENT_TYPES)), max_size=8))
    events = [Event(date=profile.start_date + DAY * k, type=t) for k, t in raw]
    return Scenario(profile=profile, events=events, checkins=checkins)


@st.composite
def green_runs(
    draw,
    sites: st.SearchStrategy = st.sampled_from(list(Site)),  # noqa: B008
    max_gap_pct: int = 3,
) -> Scenario:
    """Mostly green and long: 100–200 days, ≥ 90 % green, few gaps; clearances come early and
    the coach resumes the plan every few days, so stops do not freeze a run."""
    profile = draw(profiles(sites=sites, walking_cleared=st.booleans() | st.just(True)))
    start = profile.start_date
    checkins = draw(checkin_series(start, 100, 200, 10, max_gap_pct, max_gap=3))
    span = (checkins[-1].date - start).days
    events = [
        Event(date=start + DAY * draw(st.integers(0, 5)), type="walking_cleared"),
        Event(date=start + DAY * draw(st.integers(0, 40)), type="running_cleared"),
    ]
    k = draw(st.integers(0, 10))
    while k <= span:
        events.append(Event(date=start + DAY * k, type="resume"))
        k += draw(st.integers(3, 15))
    for _ in range(draw(st.integers(0, 2))):
        events.append(Event(date=start + DAY * draw(st.integers(0, span)), type="hold"))
    return Scenario(profile=profile, events=events, checkins=checkins)


def any_scenarios(**kw) -> st.SearchStrategy[Scenario]:
    gap = kw.pop("max_gap_pct", None)
    general = scenarios(**kw) if gap is None else scenarios(max_gap_pct=gap, **kw)
    long = green_runs(**kw) if gap is None else green_runs(max_gap_pct=gap, **kw)
    return st.one_of(general, long)


ANY = any_scenarios()
HIGH_RISK = any_scenarios(sites=st.sampled_from(sorted(HIGH_RISK_SITES)))
DAILY = any_scenarios(max_gap_pct=0)


# --- helpers ---------------------------------------------------------------------------------


def run(scenario: Scenario) -> list[Decision]:
    decisions = simulate(scenario)
    assert len(decisions) == len(scenario.checkins)
    reached = max(STAGES.index(d.stage) for d in decisions)
    target(float(reached), label="highest stage reached")
    for code in ("R1", "B", "G"):
        if reached >= STAGES.index(code):
            event(f"reached {code}")
    if reached >= STAGES.index("B") and scenario.profile.start_stage == "P0":
        event("climbed from P0 to B")
    if any(d.action == "stop" for d in decisions):
        event("a stop")
    return decisions


def phases(has_alterg: bool) -> list[Phase]:
    out: list[Phase] = []
    for code in path_for(has_alterg):
        if LADDER[code].phase not in out:
            out.append(LADDER[code].phase)
    return out


def floor_index(stage: str, has_alterg: bool) -> int:
    """Index on the runner's path of the first stage of the previous phase (§4 SB floor)."""
    path = path_for(has_alterg)
    order = phases(has_alterg)
    k = order.index(LADDER[stage].phase)
    floor_phase = order[max(k - 1, 0)]
    return next(i for i, code in enumerate(path) if LADDER[code].phase is floor_phase)


def running_cleared_on(scenario: Scenario, day: dt.date) -> bool:
    return scenario.profile.running_cleared or any(
        e.type == "running_cleared" and e.date <= day for e in scenario.events
    )


def signals_today(checkin: Checkin, session_fields_count: bool, in_p0: bool = False) -> list[str]:
    """Red or amber progression signals of a check-in (§3, §7 Clean); never sleep or food.

    In P0 soreness plays no part (§7 P0, protocol version 2 §8): it is not a bone sign there.
    """
    out = []
    if checkin.pain_rest > 0:
        out.append("pain_rest")
    if checkin.night_pain:
        out.append("night_pain")
    if checkin.pain_morning > 0:
        out.append("pain_morning")
    if checkin.soreness_hours >= 24 and not in_p0:
        out.append("soreness")
    for name in ("tenderness", "swelling", "limp", "hip_groin_pain"):
        if getattr(checkin, name):
            out.append(name)
    if session_fields_count:
        if checkin.pain_session is not None and checkin.pain_session > 0:
            out.append("pain_session")
        if checkin.session_done != "full":
            out.append("session_done")
    return out


def describe(
    scenario: Scenario, decisions: Sequence[Decision], around: int, before: int = 8
) -> str:
    """A compact trace of the days up to `around` for assertion messages."""
    lines = [f"profile={scenario.profile.model_dump(mode='json', exclude_defaults=True)}"]
    lines.append(f"events={[(e.date.isoformat(), e.type) for e in scenario.events]}")
    lo, hi = max(around - before, 0), around + 2
    for c, d in list(zip(scenario.checkins, decisions, strict=True))[lo:hi]:
        lines.append(
            f"{d.date} {d.date:%a} {d.action:8} {d.stage_before:>4}->{d.stage:<4} "
            f"{d.session.kind}/{d.session.run_minutes} {','.join(d.rules)} | "
            f"{c.model_dump(mode='json', exclude={'date'}, exclude_defaults=True)}"
        )
    return "\n".join(lines)
