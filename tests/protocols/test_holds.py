"""Holds H1–H9 (docs/PROTOCOL.md §4, §7): each repeats the stage where it fires and not
where it narrowly does not; the coach hold, the clearance gate and B's 10 % cap.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""

import pytest

from protocols import LADDER
from tests.protocols.helpers import (
    HIGH_RISK,
    P0_UNCLEARED,
    after_walk,
    by_date,
    day,
    event,
    green,
    greens,
    last,
    profile,
    run,
)

# --- Holds: repeat (§4, §7) -------------------------------------------------------------------


@pytest.mark.parametrize("pain", [1, 2])
def test_h1_session_pain_1_or_2_at_a_low_risk_site_holds(pain):
    d = after_walk(pain_session=pain)
    assert d.action == "repeat"
    assert d.stage == "W3"
    assert d.rules == ("H1",)
    assert d.escalation is None


def test_h1_does_not_fire_at_a_high_risk_site_where_the_same_pain_is_rf7():
    d = last(profile(start_stage="W3", site=HIGH_RISK), [green(0), green(1, pain_session=2)])
    assert "H1" not in d.rules
    assert d.action == "stop"


def test_h3_swelling_without_pain_holds():
    d = after_walk(swelling=True)
    assert (d.action, d.stage, d.rules) == ("repeat", "W3", ("H3",))


def test_h3_applies_in_p0():
    d = last(profile(**P0_UNCLEARED), [green(0), green(1, swelling=True)])
    assert (d.action, d.rules) == ("repeat", ("H3",))


def test_h3_does_not_fire_for_swelling_with_pain_which_is_rf8():
    assert "H3" not in after_walk(swelling=True, pain_morning=1).rules


def test_h4_under_7_hours_sleep_on_3_nights_holds():
    ds = run(profile(start_stage="W3"), greens(0, 2, sleep_hours=6.9))
    assert ds[1].action == "advance"  # two short nights: no hold yet
    assert ds[2].action == "repeat"
    assert ds[2].rules == ("H4",)


def test_h4_does_not_fire_after_only_2_short_nights():
    ds = run(profile(start_stage="W3"), [green(0), *greens(1, 2, sleep_hours=6.9)])
    assert ds[2].action == "advance"
    assert "H4" not in ds[2].rules


def test_h4_does_not_fire_for_exactly_7_hours():
    d = last(profile(start_stage="W3"), greens(0, 2, sleep_hours=7.0))
    assert d.action == "advance"


def test_h4_applies_in_p0():
    d = last(profile(**P0_UNCLEARED), greens(0, 2, sleep_hours=6.5))
    assert (d.action, d.rules) == ("repeat", ("H4",))


@pytest.mark.parametrize("done", ["partial", "none", None])
def test_h5_partial_none_or_null_after_a_loading_day_holds(done):
    d = after_walk(session_done=done)
    assert d.action == "repeat"
    assert d.stage == "W3"
    assert d.rules == ("H5",)


def test_h5_does_not_fire_for_null_session_done_after_a_rest_day():
    d = last(profile(start_stage="RW1"), [green(0), green(1), green(2, session_done=None)])
    assert "H5" not in d.rules
    assert d.action == "continue"


def test_h5_does_not_fire_for_a_full_session():
    d = after_walk(session_done="full")
    assert d.action == "advance"


def test_h6_rest_day_between_run_walk_sessions_is_continue_with_h6():
    ds = run(profile(start_stage="RW1"), greens(0, 2))
    assert ds[0].session.kind == "run_walk" and ds[0].rules == ()
    assert ds[1].action == "continue"
    assert ds[1].rules == ("H6",)
    assert not ds[1].session.loading
    assert ds[2].session.kind == "run_walk"
    assert "H6" not in ds[2].rules


@pytest.mark.parametrize("stage", ["A50", "RW3", "C2"])
def test_h6_no_run_type_stage_on_two_consecutive_days(stage):
    ds = run(profile(start_stage=stage, has_alterg=True), greens(0, 13))
    loading = [d.session.loading for d in ds]
    assert not any(a and b for a, b in zip(loading, loading[1:], strict=False))
    assert all("H6" in d.rules for d in ds if not d.session.loading)


def test_h6_does_not_fire_at_daily_walk_stages():
    ds = run(profile(start_stage="W1", running_cleared=False), greens(0, 8))
    assert all(d.session.kind == "walk" for d in ds)
    assert all("H6" not in d.rules for d in ds)


def test_h7_holds_at_w6_when_running_is_not_cleared():
    d = last(profile(start_stage="W6", running_cleared=False), greens(0, 1))
    assert (d.action, d.stage, d.rules) == ("repeat", "W6", ("H7",))


def test_h7_does_not_fire_at_w6_when_running_is_cleared():
    d = last(profile(start_stage="W6"), greens(0, 1))
    assert (d.action, d.stage, d.rules) == ("advance", "R1", ("ADV",))


def test_h7_does_not_fire_from_w5_to_w6_without_running_clearance():
    d = last(profile(start_stage="W5", running_cleared=False), greens(0, 1))
    assert (d.action, d.stage, d.rules) == ("advance", "W6", ("ADV",))


def test_h7_clearance_event_dated_on_a_checkin_day_applies_before_that_days_decision():
    prof = profile(start_stage="W6", running_cleared=False)
    ds = run(prof, greens(0, 2), [event(2, "running_cleared")])
    assert ds[1].rules == ("H7",)
    assert (ds[2].action, ds[2].stage) == ("advance", "R1")


def test_h7_start_stage_beyond_w6_without_running_clearance_starts_at_w6_and_holds():
    ds = run(profile(start_stage="RW3", running_cleared=False), greens(0, 1))
    for d in ds:
        assert d.stage == "W6"
        assert d.action == "repeat"
        assert "H7" in d.rules
        assert d.session.kind == "walk"


def test_h7_start_stage_beyond_w6_with_running_clearance_starts_there():
    d = run(profile(start_stage="RW3"), greens(0, 0))[0]
    assert d.stage == "RW3"
    assert "H7" not in d.rules


def test_h8_after_a_b_week_with_a_missed_run_day_next_week_is_capped_at_10_percent():
    # Week 1 (from Mon 2026-03-02): no check-in on Wednesday, so 2 × 45 = 90 min were run.
    checkins = [green(0), green(1), *greens(3, 13)]
    ds = by_date(run(profile(start_stage="B"), checkins))
    week2_runs = [ds[day(n)] for n in (7, 9, 11)]  # Mon, Wed, Fri
    for d in week2_runs:
        assert d.action == "repeat"
        assert d.rules == ("H8",)
        assert d.session.run_minutes == int(90 * 1.1) // 3  # 99 min over 3 run days
    assert sum(d.session.run_minutes for d in week2_runs) <= 90 * 1.1


def test_h8_does_not_fire_after_a_b_week_with_a_partial_session():
    # the week is not green (H5) and repeats its total, but it ran all 135 min: no cap
    checkins = [green(0), green(1, session_done="partial"), *greens(2, 13)]
    ds = by_date(run(profile(start_stage="B"), checkins))
    assert ds[day(1)].rules == ("H5", "H6")
    for n in (7, 9, 11):
        assert "H8" not in ds[day(n)].rules
        assert ds[day(n)].session.run_minutes == 45


def test_h8_each_c_stage_is_at_most_10_percent_longer_than_the_one_before():
    stages = ["RW8", "C1", "C2", "C3", "C4", "C5", "C6"]
    minutes = [LADDER[s].run_minutes for s in stages]
    assert minutes[1:] == [30, 33, 36, 39, 42, 45]
    for before, after in zip(minutes, minutes[1:], strict=False):
        assert after <= before * 1.1


def test_h9_coach_hold_repeats_until_resume_while_sessions_continue():
    ds = run(profile(start_stage="W2"), greens(0, 5), [event(1, "hold"), event(4, "resume")])
    assert ds[0].action == "continue" and "H9" not in ds[0].rules
    for d in ds[1:4]:
        assert (d.action, d.stage, d.rules) == ("repeat", "W2", ("H9",))
        assert d.session.kind == "walk"
        assert d.escalation is None
    # sessions counted during the hold: the advance happens on the resume day
    assert (ds[4].action, ds[4].stage, ds[4].rules) == ("advance", "W3", ("ADV",))


def test_h9_hold_in_run_walk_keeps_rest_days_and_lists_h6_too():
    ds = run(profile(start_stage="RW2"), greens(0, 6), [event(1, "hold"), event(6, "resume")])
    assert ds[1].rules == ("H9", "H6")
    assert ds[4].rules == ("H9",) and ds[4].session.kind == "run_walk"  # count was due
    assert (ds[6].action, ds[6].stage) == ("advance", "RW3")
