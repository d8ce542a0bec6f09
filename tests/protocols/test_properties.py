"""Property tests of the progression engine: stages, signals, rest days, clearance (§2, §4, §7).

Hypothesis scenarios from `strategies.py`; the weekly properties of B and G are in
test_weekly_properties.py, escalation, stops and purity in test_stop_properties.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

import pytest
from hypothesis import example, given

from protocols import Checkin, Decision, Profile, Scenario
from protocols.codes import RUNNING_KINDS
from protocols.ladder import LADDER, path_for
from tests.protocols.strategies import (
    ANY,
    DAY,
    EVERY_OTHER_DAY_PHASES,
    HIGH_RISK,
    HOLD_RULES,
    PROPERTY,
    RUN_KINDS,
    _green,
    describe,
    floor_index,
    run,
    running_cleared_on,
    signals_today,
)

# hundreds of simulated plans per property: tens of seconds in all (the rule tests,
# test_red_flags.py to test_build_weeks.py, are the fast check of every rule)
pytestmark = pytest.mark.slow


# --- 1. stage changes ------------------------------------------------------------------------


@PROPERTY
@given(ANY)
def test_one_stage_per_decision(scenario: Scenario) -> None:
    """Advance is +1 on the runner's path; resume after a stop is exactly one below; SB4 may
    drop ⌊days/5⌋ stages (never below the previous phase's first stage); all else ≤ 1."""
    decisions = run(scenario)
    has_alterg = scenario.profile.has_alterg
    path = path_for(has_alterg)
    paused = any(e.type == "pause" for e in scenario.events)
    for k, d in enumerate(decisions):
        why = partial(describe, scenario, decisions, k)  # built only when an assert fails
        prev = decisions[k - 1] if k else None
        assert d.stage_before in path and d.stage in path, why()
        if prev is not None:
            assert d.stage_before == prev.stage, why()
        before, after = path.index(d.stage_before), path.index(d.stage)
        gap = (d.date - prev.date).days - 1 if prev else 0
        if d.action == "advance":
            assert after == before + 1, why()
        elif d.action in ("continue", "repeat", "stop"):
            assert after == before, why()
        elif prev is not None and prev.action == "stop":  # resume: one stage below
            assert after == max(before - 1, 0), why()
        elif "SB4" in d.rules:
            room = before - floor_index(d.stage_before, has_alterg)  # never below the floor
            assert 1 <= before - after <= max(gap // 5, 1), why()
            if not paused:  # paused days never count as missed: then fewer may drop
                assert before - after == min(max(gap // 5, 1), room), why()
        else:  # SB1–SB3: one stage down; in B they do not leave B (§7 C to B)
            assert d.action == "regress", why()
            assert before - after == (0 if d.stage_before == "B" else 1), why()
        if d.action == "regress":
            assert after >= floor_index(d.stage_before, has_alterg) or after == before - 1, why()


# --- 2. no advance on a red or amber signal --------------------------------------------------


def _advances_with_signals(scenario: Scenario, decisions: Sequence[Decision], from_w1: bool):
    for k, d in enumerate(decisions):
        if d.action != "advance" or (from_w1 and d.stage_before == "P0"):
            continue
        prev = decisions[k - 1] if k else None
        session_fields = prev is not None and prev.date == d.date - DAY and prev.session.loading
        found = signals_today(scenario.checkins[k], session_fields)
        holds = HOLD_RULES.intersection(d.rules)
        if found or holds:
            return k, found, sorted(holds)
    return None


def _p0_exit_with(**signal) -> Scenario:
    """Walking cleared, a green morning in P0, then a morning with one non-green signal."""
    start = dt.date(2026, 1, 5)
    profile = Profile(site="tibia_posteromedial", weight_kg=60, pre_injury_weekly_minutes=150,
                      start_date=start, walking_cleared=True)  # fmt: skip
    checkins = [Checkin(**_green(start, 0)), Checkin(**{**_green(start + DAY, 1), **signal})]
    return Scenario(profile=profile, checkins=checkins)


@example(_p0_exit_with(night_pain=True))  # P0 -> W1 with these advanced before 3318073
@example(_p0_exit_with(limp=True))
@example(_p0_exit_with(pain_morning=2))
@example(_p0_exit_with(swelling=True))
@PROPERTY
@given(ANY)
def test_no_advance_on_red_or_amber_signal(scenario: Scenario) -> None:
    """No advance (P0 -> W1 included) on a morning with a red or amber progression signal
    or with a hold rule listed; sleep, calcium and protein alone never block (§7 Clean)."""
    decisions = run(scenario)
    for k, d in enumerate(decisions):
        if d.action != "advance":
            continue
        prev = decisions[k - 1] if k else None
        session_fields = prev is not None and prev.date == d.date - DAY and prev.session.loading
        found = signals_today(scenario.checkins[k], session_fields, d.stage_before == "P0")
        holds = sorted(HOLD_RULES.intersection(d.rules))
        assert not found and not holds, f"{found} {holds}\n" + describe(scenario, decisions, k)


# --- 3. rest day between running sessions in A, RW, C -----------------------------------------


@PROPERTY
@given(ANY)
def test_no_running_on_consecutive_days_in_a_rw_c(scenario: Scenario) -> None:
    decisions = run(scenario)
    for k in range(1, len(decisions)):
        a, b = decisions[k - 1], decisions[k]
        if b.date != a.date + DAY:
            continue
        in_a_rw_c = any(LADDER[d.stage].phase in EVERY_OTHER_DAY_PHASES for d in (a, b))
        both_run = a.session.kind in RUN_KINDS and b.session.kind in RUN_KINDS
        assert not (in_a_rw_c and both_run), describe(scenario, decisions, k)


# --- 4. running clearance ------------------------------------------------------------------


def _check_clearance(scenario: Scenario) -> None:
    decisions = run(scenario)
    for k, d in enumerate(decisions):
        if d.session.kind in RUNNING_KINDS:
            assert running_cleared_on(scenario, d.date), describe(scenario, decisions, k)


@PROPERTY
@given(ANY)
def test_no_running_session_without_clearance(scenario: Scenario) -> None:
    _check_clearance(scenario)


@PROPERTY
@given(HIGH_RISK)
def test_no_running_session_without_clearance_high_risk(scenario: Scenario) -> None:
    _check_clearance(scenario)
