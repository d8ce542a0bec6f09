"""Property tests of escalation, stop and resume, purity and validation (§4, §7, §8).

Hypothesis scenarios from `strategies.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols import Day, Decision, Scenario, decide, simulate
from protocols.codes import RULE_IDS
from tests.protocols.strategies import (
    ANY,
    FEW,
    PROPERTY,
    describe,
    run,
    signals_today,
)

# hundreds of simulated plans per property: tens of seconds in all (the rule tests,
# test_red_flags.py to test_build_weeks.py, are the fast check of every rule)
pytestmark = pytest.mark.slow


# --- 6. escalation ------------------------------------------------------------------------


@PROPERTY
@given(ANY)
def test_urgent_exactly_on_the_days_a_red_flag_fires(scenario: Scenario) -> None:
    """§8: `urgent` (and a new alert) only on a day a red flag fires; every red flag stops;
    other stop days are null or review."""
    decisions = run(scenario)
    for k, d in enumerate(decisions):
        red = any(r.startswith("RF") for r in d.rules)
        assert (d.escalation == "urgent") == red == d.alert, describe(scenario, decisions, k)
        if red:
            assert d.action == "stop", describe(scenario, decisions, k)


# --- 6b. stop and resume (§7 Stop and resume, §8) ---------------------------------------------


def _stops(decisions: Sequence[Decision]):
    """(index of the day a stop began, index of the day it ended or None) for every stop."""
    out, start = [], None
    for k, d in enumerate(decisions):
        if d.action == "stop" and start is None:
            start = k
        elif d.action != "stop" and start is not None:
            out.append((start, k))
            start = None
    if start is not None:
        out.append((start, None))
    return out


@PROPERTY
@given(ANY)
def test_while_stopped_the_stage_never_changes_and_sessions_never_load(scenario: Scenario) -> None:
    decisions = run(scenario)
    for begin, end in _stops(decisions):
        stopped = decisions[begin].stage_before
        for k in range(begin, end if end is not None else len(decisions)):
            d = decisions[k]
            assert (d.stage_before, d.stage) == (stopped, stopped), describe(scenario, decisions, k)
            assert not d.session.loading, describe(scenario, decisions, k)


@PROPERTY
@given(ANY)
def test_a_stop_ends_only_with_a_resume_after_the_last_red_flag_on_a_green_day(
    scenario: Scenario,
) -> None:
    """A resume older than (or dated on) the last red flag never lifts a stop, and the day it
    lifts has no red or amber bone sign (§7 Stop and resume, §8)."""
    decisions = run(scenario)
    resumes = sorted(e.date for e in scenario.events if e.type == "resume")
    for begin, end in _stops(decisions):
        if end is None:
            continue
        last_red = max(
            decisions[k].date
            for k in range(begin, end)
            if any(r.startswith("RF") for r in decisions[k].rules)
        )
        lifted = decisions[end]
        why = describe(scenario, decisions, end)
        assert lifted.action == "regress", why
        assert any(last_red < r <= lifted.date for r in resumes), why
        assert not signals_today(scenario.checkins[end], False), why


# --- 7. determinism and purity ---------------------------------------------------------------


@FEW
@given(ANY)
def test_same_input_same_output(scenario: Scenario) -> None:
    first = [d.model_dump() for d in simulate(scenario)]
    again = Scenario.model_validate(scenario.model_dump())
    assert [d.model_dump() for d in simulate(again)] == first
    assert [d.model_dump() for d in simulate(scenario)] == first


@FEW
@given(ANY, st.data())
def test_decide_is_pure(scenario: Scenario, data) -> None:
    decisions = simulate(scenario)
    k = data.draw(st.integers(0, len(decisions) - 1), label="day index")
    checkin = scenario.checkins[k]
    prev_date = scenario.checkins[k - 1].date if k else None
    todays = [
        e for e in sorted(scenario.events, key=lambda e: e.date)
        if e.date <= checkin.date and (prev_date is None or e.date > prev_date)
    ]  # fmt: skip
    cleared = {e.type for e in scenario.events if e.date <= checkin.date}
    profile = scenario.profile.model_copy(
        update={t: True for t in ("walking_cleared", "running_cleared") if t in cleared}
    )
    history = [Day(c, d) for c, d in zip(scenario.checkins[:k], decisions[:k], strict=True)]
    snapshot = (
        profile.model_dump(),
        [(day.checkin.model_dump(), day.decision.model_dump()) for day in history],
        checkin.model_dump(),
        [e.model_dump() for e in todays],
    )
    history_copy, todays_copy = list(history), list(todays)
    one = decide(profile, history, checkin, todays)
    two = decide(profile, history, checkin, todays)
    assert one.model_dump() == two.model_dump() == decisions[k].model_dump()
    assert history == history_copy and todays == todays_copy
    assert all(a is b for a, b in zip(history, history_copy, strict=True))
    assert snapshot == (
        profile.model_dump(),
        [(day.checkin.model_dump(), day.decision.model_dump()) for day in history],
        checkin.model_dump(),
        [e.model_dump() for e in todays],
    )
    # a deep copy of the inputs gives the same decision: nothing hides in object identity
    again = decide(copy.deepcopy(profile), copy.deepcopy(history), copy.deepcopy(checkin),
                   copy.deepcopy(todays))  # fmt: skip
    assert again.model_dump() == one.model_dump()


# --- 8. decisions validate ------------------------------------------------------------------


@PROPERTY
@given(ANY)
def test_decisions_validate_and_name_known_rules(scenario: Scenario) -> None:
    decisions = run(scenario)
    for k, d in enumerate(decisions):
        dumped = d.model_dump()
        assert Decision.model_validate(dumped).model_dump() == dumped, f"day #{k}: {d.date}"
        assert Decision.model_validate_json(d.model_dump_json()).model_dump() == dumped
        assert set(d.rules) <= set(RULE_IDS), describe(scenario, decisions, k)
