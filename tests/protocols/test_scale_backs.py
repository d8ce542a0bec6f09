"""Scale-backs SB1–SB4 (docs/PROTOCOL.md §4, §7): one scenario where each fires and one
where it narrowly does not; SB4's drops and floor.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""


from tests.protocols.helpers import (
    P0_UNCLEARED,
    after_walk,
    green,
    greens,
    last,
    profile,
    run,
)

# --- Scale-backs SB1–SB4: regress, no escalation (§4, §7) -----------------------------------


def test_sb1_session_pain_3_regresses_one_stage_and_rests_today():
    d = after_walk(pain_session=3)
    assert d.action == "regress"
    assert (d.stage_before, d.stage) == ("W3", "W2")
    assert d.rules == ("SB1",)
    assert d.escalation is None
    assert not d.session.loading  # "stop that session, next session one stage down"


def test_sb1_does_not_fire_for_session_pain_2_which_holds_with_h1():
    d = after_walk(pain_session=2)
    assert d.action == "repeat"
    assert d.rules == ("H1",)


def test_sb1_ignores_session_pain_reported_after_a_non_loading_day():
    d = last(profile(start_stage="RW1"), [green(0), green(1), green(2, pain_session=5)])
    assert "SB1" not in d.rules
    assert d.action == "continue"


def test_sb2_morning_bone_pain_regresses_one_stage():
    d = after_walk(pain_morning=1)
    assert d.action == "regress"
    assert (d.stage_before, d.stage) == ("W3", "W2")
    assert d.rules == ("SB2",)
    assert d.escalation is None


def test_sb2_does_not_fire_in_p0():
    d = last(profile(**P0_UNCLEARED), [green(0), green(1, pain_morning=1)])
    assert d.action == "continue"
    assert d.rules == ()


def test_sb3_soreness_24_hours_regresses_one_stage():
    d = after_walk(soreness_hours=24)
    assert d.action == "regress"
    assert (d.stage_before, d.stage) == ("W3", "W2")
    assert d.rules == ("SB3",)
    assert d.escalation is None


def test_sb3_does_not_fire_for_soreness_of_23_5_hours():
    d = after_walk(soreness_hours=23.5)
    assert d.action == "advance"
    assert d.rules == ("ADV",)


def test_sb3_fires_at_most_once_per_loading_session():
    # day 1: SB3 for day 0's walk; day 1 is a rest day, so day 2's soreness is still day
    # 0's session: no second SB3. Day 2 has a walk again, so day 3's soreness is new: SB3.
    checkins = [green(0), *greens(1, 3, soreness_hours=30)]
    ds = run(profile(start_stage="W3"), checkins)
    assert ds[1].rules == ("SB3",) and ds[1].stage == "W2"
    assert "SB3" not in ds[2].rules
    assert ds[2].action == "continue" and ds[2].stage == "W2"
    assert ds[2].session.loading
    assert ds[3].rules == ("SB3",) and ds[3].stage == "W1"


def test_sb4_five_days_without_a_checkin_drops_one_stage():
    d = last(profile(start_stage="W3"), [green(0), green(6)])  # days 1–5 missing
    assert d.action == "regress"
    assert (d.stage_before, d.stage) == ("W3", "W2")
    assert d.rules == ("SB4",)
    assert d.escalation is None


def test_sb4_does_not_fire_after_four_days_without_a_checkin():
    d = last(profile(start_stage="W3"), [green(0), green(5)])  # days 1–4 missing
    assert d.action == "continue"
    assert d.stage == "W3"
    assert "SB4" not in d.rules


def test_sb4_drops_floor_of_days_over_5_stages():
    ten = last(profile(start_stage="W3"), [green(0), green(11)])  # 10 days missing
    nine = last(profile(start_stage="W3"), [green(0), green(10)])  # 9 days missing
    assert (ten.stage, ten.rules) == ("W1", ("SB4",))
    assert (nine.stage, nine.rules) == ("W2", ("SB4",))


def test_sb4_never_drops_below_the_first_stage_of_the_previous_phase():
    # RW2 minus 3 stages would be W6; the previous phase (Ready) starts at R1
    d = last(profile(start_stage="RW2"), [green(0), green(16)])  # 15 days missing
    assert d.action == "regress"
    assert d.stage == "R1"


def test_sb4_with_another_scale_back_the_same_day_takes_the_larger_drop():
    d = last(profile(start_stage="W3"), [green(0), green(11, pain_morning=1)])
    assert d.action == "regress"
    assert d.stage == "W1"  # SB4's two stages, not SB2's one
    assert set(d.rules) == {"SB2", "SB4"}
