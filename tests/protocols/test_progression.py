"""Advancing (docs/PROTOCOL.md §2, §4, §7): clean-session counts, R1 retries, the P0 exit,
and the priority of the rule groups and the action each decides.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""

import pytest

from tests.protocols.helpers import (
    HIGH_RISK,
    P0_UNCLEARED,
    after_walk,
    event,
    green,
    greens,
    last,
    profile,
    run,
)

# --- ADV and clean-session counts (§2, §4, §7 Clean) ----------------------------------------


def test_adv_advances_when_the_stage_has_its_clean_sessions():
    ds = run(profile(start_stage="RW1"), greens(0, 4))
    assert (ds[4].action, ds[4].stage_before, ds[4].stage) == ("advance", "RW1", "RW2")
    assert ds[4].rules == ("ADV",)
    assert ds[4].session.kind == "run_walk"  # advances happen on a loading day's morning


def test_adv_does_not_advance_one_clean_session_short():
    ds = run(profile(start_stage="RW1"), greens(0, 3))
    assert [d.action for d in ds] == ["continue"] * 4
    assert ds[2].session.loading and ds[2].stage == "RW1"


@pytest.mark.parametrize(
    "site, stage, has_alterg, advance_day",
    [
        ("tibia_posteromedial", "W1", False, 1),  # 1 clean per W stage, daily
        (HIGH_RISK, "W1", False, 3),  # 3 at high-risk sites
        ("tibia_posteromedial", "A50", True, 4),  # 2, every other day
        (HIGH_RISK, "A50", True, 6),  # 3
        ("tibia_posteromedial", "RW1", False, 4),  # 2
        (HIGH_RISK, "RW1", False, 6),  # 3
        ("tibia_posteromedial", "C1", False, 6),  # 3
        (HIGH_RISK, "C1", False, 6),  # 3 at any site
    ],
)
def test_clean_session_counts_per_stage(site, stage, has_alterg, advance_day):
    prof = profile(site=site, start_stage=stage, has_alterg=has_alterg)
    ds = run(prof, greens(0, advance_day))
    assert [d.action for d in ds[:-1]] == ["continue"] * advance_day
    assert ds[-1].action == "advance"
    assert ds[-1].stage_before == stage


def test_a_session_without_a_checkin_the_next_day_is_not_clean():
    ds = run(profile(start_stage="W2"), [green(0), green(2), green(3)])
    assert ds[1].action == "continue" and ds[1].stage == "W2"
    assert ds[2].action == "advance"


def test_sleep_calcium_and_protein_never_make_a_session_unclean():
    checkin = green(1, sleep_hours=4, calcium_mg=0, protein_g=10)
    d = last(profile(start_stage="W2"), [green(0), checkin])
    assert d.action == "advance"


def test_a_non_green_checkin_on_the_rest_day_makes_the_session_unclean():
    # RW1 session on day 0; day 1 (rest) has swelling: day 0's session does not count
    ds = run(profile(start_stage="RW1"), [green(0), green(1, swelling=True), *greens(2, 6)])
    assert ds[1].rules == ("H3", "H6")
    assert ds[4].action == "continue"  # only 1 clean session by day 4
    assert ds[6].action == "advance"


def test_r1_clean_pass_moves_to_the_next_stage_the_next_morning():
    ds = run(profile(start_stage="R1"), greens(0, 1))
    assert ds[0].session.kind == "readiness"
    assert (ds[1].action, ds[1].stage) == ("advance", "RW1")
    assert ds[1].session.kind == "run_walk"


@pytest.mark.parametrize("failure", [dict(pain_session=1), dict(session_done="partial")])
def test_r1_failed_attempt_is_retried_no_sooner_than_two_days_later(failure):
    ds = run(profile(start_stage="R1"), [green(0), green(1, **failure), *greens(2, 3)])
    assert ds[1].action == "repeat" and ds[1].stage == "R1"
    assert not ds[1].session.loading  # not the next day
    assert ds[2].session.kind == "readiness"  # two days after the failed attempt
    assert (ds[3].action, ds[3].stage) == ("advance", "RW1")


def test_r1_with_alterg_access_goes_on_to_a50():
    d = last(profile(start_stage="R1", has_alterg=True), greens(0, 1))
    assert (d.action, d.stage) == ("advance", "A50")


# --- P0 exit (§2, §7 P0) ----------------------------------------------------------------------


def test_p0_is_left_with_walking_cleared_and_two_consecutive_clear_checkins():
    # the clearance arrives on day 2; the check-ins before it count
    ds = run(profile(**P0_UNCLEARED), greens(0, 2), [event(2, "walking_cleared")])
    assert [d.action for d in ds[:2]] == ["continue", "continue"]
    assert all(d.session.kind == "cross_train" for d in ds[:2])
    assert (ds[2].action, ds[2].stage, ds[2].rules) == ("advance", "W1", ("ADV",))
    assert ds[2].session.kind == "walk"


def test_p0_is_not_left_without_walking_cleared():
    ds = run(profile(**P0_UNCLEARED), greens(0, 5))
    assert all(d.stage == "P0" and d.action == "continue" for d in ds)


def test_p0_is_not_left_after_a_single_clear_checkin():
    d = run(profile(start_stage="P0"), greens(0, 0))[0]
    assert (d.action, d.stage) == ("continue", "P0")


def test_p0_exit_needs_the_previous_checkin_without_tenderness():
    checkins = [green(0), green(1, tenderness=True), *greens(2, 3)]
    ds = run(profile(**P0_UNCLEARED), checkins, [event(0, "walking_cleared")])
    assert ds[2].action == "continue" and ds[2].stage == "P0"
    assert (ds[3].action, ds[3].stage) == ("advance", "W1")


def test_p0_exit_needs_the_previous_checkin_without_rest_pain():
    checkins = [green(0), green(1, pain_rest=1), *greens(2, 3)]
    ds = run(profile(**P0_UNCLEARED), checkins, [event(0, "walking_cleared")])
    assert ds[2].stage == "P0"
    assert ds[3].stage == "W1"


def test_p0_exit_needs_consecutive_checkins_not_separated_by_a_missed_day():
    ds = run(profile(**P0_UNCLEARED), [green(0), green(2), green(3)], [event(0, "walking_cleared")])
    assert ds[1].stage == "P0"
    assert ds[2].stage == "W1"


# --- Priority and the action of each group (§4, §7 Actions) -----------------------------------


def short_nights_then(**signal):
    """W3, two short nights, then day 2 with a short night and `signal` (H4 holds on day 2)."""
    return [green(0, sleep_hours=6), green(1, sleep_hours=6), green(2, sleep_hours=6, **signal)]


def test_red_flag_beats_scale_back_and_hold_and_every_fired_rule_is_listed():
    checkins = short_nights_then(limp=True, soreness_hours=30, session_done="partial")
    d = last(profile(start_stage="W3"), checkins)
    assert d.action == "stop"
    assert set(d.rules) == {"RF3", "SB3", "H4", "H5"}
    assert d.escalation == "urgent"


def test_scale_back_beats_hold_and_every_fired_rule_is_listed():
    checkins = short_nights_then(soreness_hours=30, session_done="partial")
    d = last(profile(start_stage="W3"), checkins)
    assert d.action == "regress"
    assert set(d.rules) == {"SB3", "H4", "H5"}
    assert d.escalation is None


def test_hold_beats_a_due_advance_and_every_holding_rule_is_listed():
    checkins = short_nights_then(pain_session=2, session_done="partial")
    d = last(profile(start_stage="W3"), checkins, [event(2, "hold")])
    assert d.action == "repeat"
    assert d.stage == d.stage_before
    assert set(d.rules) == {"H1", "H4", "H5", "H9"}
    assert d.escalation is None


@pytest.mark.parametrize(
    "signal, action, rules",
    [
        (dict(limp=True), "stop", ("RF3",)),  # red flag
        (dict(pain_morning=1), "regress", ("SB2",)),  # scale-back
        (dict(session_done="partial"), "repeat", ("H5",)),  # hold
        (dict(), "advance", ("ADV",)),  # advance
    ],
)
def test_each_group_decides_its_action(signal, action, rules):
    d = after_walk(**signal)
    assert (d.action, d.rules) == (action, rules)
    assert d.escalation == ("urgent" if action == "stop" else None)


def test_continue_when_no_rule_fires_and_no_advance_is_due():
    d = run(profile(start_stage="W3"), greens(0, 0))[0]
    assert (d.action, d.rules, d.escalation) == ("continue", (), None)
    assert d.session.kind == "walk"
