"""Red flags RF1–RF9 (docs/PROTOCOL.md §4, §7): each stops with an urgent alert where it
fires, and narrowly does not where it should not; which of them apply in P0.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""

import pytest

from tests.protocols.helpers import (
    HIGH_RISK,
    P0_UNCLEARED,
    after_walk,
    assert_stop,
    day,
    green,
    greens,
    last,
    profile,
    run,
)

# --- Red flags RF1–RF9: stop, urgent (§4) ---------------------------------------------------

# One firing scenario per red flag: (rule, profile, check-ins).
RED_FLAG_SCENARIOS = {
    "RF1 night pain": ("RF1", profile(start_stage="W3"), [green(0), green(1, night_pain=True)]),
    "RF2 rest pain": ("RF2", profile(start_stage="W3"), [green(0), green(1, pain_rest=1)]),
    "RF3 limp": ("RF3", profile(start_stage="W3"), [green(0), green(1, limp=True)]),
    "RF4 tenderness": ("RF4", profile(start_stage="W3"), [green(0), green(1, tenderness=True)]),
    "RF5 hip/groin pain": (
        "RF5",
        profile(start_stage="W3"),
        [green(0), green(1, hip_groin_pain=True)],
    ),
    "RF6 two pain scale-backs": (
        "RF6",
        profile(start_stage="W1"),
        [*greens(0, 1), green(2, pain_morning=1), *greens(3, 7), green(8, pain_session=3)],
    ),
    "RF6 rest pain rising (P0)": (
        "RF6",
        profile(**P0_UNCLEARED),
        [
            green(0, pain_rest=1),
            green(1, pain_rest=1),
            green(2, pain_rest=1),
            green(3, pain_rest=3),
        ],
    ),
    "RF7 session pain, high-risk site": (
        "RF7",
        profile(start_stage="W3", site=HIGH_RISK),
        [green(0), green(1, pain_session=1)],
    ),
    "RF8 swelling with pain": (
        "RF8",
        profile(start_stage="W3"),
        [green(0), green(1, swelling=True, pain_session=1)],
    ),
    "RF9 morning pain twice": (
        "RF9",
        profile(start_stage="W3"),
        [green(0), green(1, pain_morning=1), green(2, pain_morning=1)],
    ),
}


@pytest.mark.parametrize("name", RED_FLAG_SCENARIOS)
def test_every_red_flag_stops_with_urgent_escalation_alert_and_no_loading(name):
    rule, prof, checkins = RED_FLAG_SCENARIOS[name]
    assert_stop(last(prof, checkins), rule)


def test_rf1_night_pain_fires_after_a_walk():
    d = after_walk(night_pain=True)
    assert_stop(d, "RF1")
    assert d.rules == ("RF1",)


def test_rf2_rest_pain_1_fires_without_rf6_when_previous_checkins_were_0():
    d = after_walk(pain_rest=1)
    assert_stop(d, "RF2")
    assert d.rules == ("RF2",)  # 1 is not 2 above the mean (0): no RF6


def test_rf3_limp_fires_after_a_walk():
    assert after_walk(limp=True).rules == ("RF3",)


def test_rf4_tenderness_fires_after_a_walk():
    assert after_walk(tenderness=True).rules == ("RF4",)


def test_rf5_hip_groin_pain_fires_after_a_walk():
    assert after_walk(hip_groin_pain=True).rules == ("RF5",)


def test_rf5_hip_groin_pain_also_fires_in_p0():
    d = last(profile(**P0_UNCLEARED), [green(0), green(1, hip_groin_pain=True)])
    assert_stop(d, "RF5")
    assert d.stage == "P0"


def test_rf5_does_not_fire_for_pain_at_the_bone_without_hip_or_groin_pain_in_p0():
    d = last(profile(**P0_UNCLEARED), [green(0), green(1, pain_rest=1, tenderness=True)])
    assert d.action == "continue"
    assert "RF5" not in d.rules


FROM_W1 = {
    "RF1": dict(night_pain=True),
    "RF2": dict(pain_rest=1),
    "RF3": dict(limp=True),
    "RF4": dict(tenderness=True),
}
P0_IGNORED = {
    "RF2": dict(pain_rest=1),
    "RF3": dict(limp=True),
    "RF4": dict(tenderness=True),
}


@pytest.mark.parametrize("rule", FROM_W1)
def test_rf1_to_rf4_already_fire_at_w1_on_its_first_day(rule):
    d = run(profile(start_stage="W1"), [green(0, **FROM_W1[rule])])[0]
    assert_stop(d, rule)
    assert d.stage == "W1"


@pytest.mark.parametrize("rule", P0_IGNORED)
def test_rf2_to_rf4_do_not_fire_in_p0(rule):
    # §4 with §8: "in P0 only RF1, RF5 and RF6 apply (pain at rest is expected there)"
    d = last(profile(**P0_UNCLEARED), [green(0), green(1, **P0_IGNORED[rule])])
    assert d.action == "continue"
    assert d.rules == ()
    assert d.escalation is None


def test_rf8_and_rf9_do_not_fire_in_p0_and_neither_do_scale_backs():
    checkins = [green(0, pain_morning=1), green(1, pain_morning=1, swelling=True)]
    d = last(profile(**P0_UNCLEARED), checkins)
    assert d.action != "stop"
    assert not {"RF8", "RF9", "SB2"} & set(d.rules)


def test_rf6_fires_on_a_second_pain_scale_back_six_days_after_the_first():
    rule, prof, checkins = RED_FLAG_SCENARIOS["RF6 two pain scale-backs"]
    ds = run(prof, checkins)
    assert ds[2].action == "regress" and ds[2].rules == ("SB2",)
    assert ds[-1].date - ds[2].date == day(6) - day(0)
    assert_stop(ds[-1], "RF6")
    assert "SB1" in ds[-1].rules  # every fired rule is listed


def test_rf6_does_not_fire_when_the_earlier_pain_scale_back_was_seven_days_before():
    checkins = [*greens(0, 1), green(2, pain_morning=1), *greens(3, 8), green(9, pain_morning=1)]
    d = last(profile(start_stage="W1"), checkins)
    assert d.action == "regress"
    assert d.rules == ("SB2",)
    assert d.escalation is None


def test_rf6_does_not_count_a_soreness_scale_back_sb3_as_a_pain_scale_back():
    checkins = [*greens(0, 1), green(2, soreness_hours=30), *greens(3, 7), green(8, pain_morning=1)]
    ds = run(profile(start_stage="W1"), checkins)
    assert ds[2].rules == ("SB3",)
    assert ds[-1].action == "regress"
    assert ds[-1].rules == ("SB2",)


def test_rf6_fires_when_rest_pain_is_2_above_the_mean_of_the_previous_three_checkins():
    _, prof, checkins = RED_FLAG_SCENARIOS["RF6 rest pain rising (P0)"]
    d = last(prof, checkins)
    assert_stop(d, "RF6")
    assert d.rules == ("RF6",)


def test_rf6_does_not_fire_when_rest_pain_is_only_1_above_the_mean():
    checkins = [
        green(0, pain_rest=1),
        green(1, pain_rest=1),
        green(2, pain_rest=1),
        green(3, pain_rest=2),
    ]
    d = last(profile(**P0_UNCLEARED), checkins)
    assert d.action == "continue"
    assert "RF6" not in d.rules


def test_rf6_mean_uses_only_the_previous_three_checkins():
    # mean of the previous three is 1 (the 5 four days back does not count): 3 fires
    pains = [5, 1, 1, 1, 3]
    checkins = [green(n, pain_rest=p) for n, p in enumerate(pains)]
    assert_stop(last(profile(**P0_UNCLEARED), checkins), "RF6")


def test_rf6_rest_pain_2_after_pain_free_days_fires_with_rf2_at_a_walk_stage():
    d = after_walk(pain_rest=2)
    assert_stop(d, "RF6")
    assert set(d.rules) == {"RF2", "RF6"}


def test_rf7_fires_for_session_pain_1_at_a_high_risk_site():
    d = last(profile(start_stage="W3", site=HIGH_RISK), [green(0), green(1, pain_session=1)])
    assert_stop(d, "RF7")
    assert "H1" not in d.rules  # H1 is for low-risk sites only


def test_rf7_does_not_fire_for_the_same_pain_at_a_low_risk_site_which_gives_h1():
    d = after_walk(pain_session=1)
    assert d.action == "repeat"
    assert d.rules == ("H1",)


def test_rf7_does_not_fire_for_session_pain_reported_after_a_rest_day():
    # day 1 is RW1's rest day: day 2's session fields are ignored (§7 Fields)
    checkins = [green(0), green(1), green(2, pain_session=1)]
    d = last(profile(start_stage="RW1", site=HIGH_RISK), checkins)
    assert d.action == "continue"
    assert "RF7" not in d.rules


def test_rf8_fires_for_swelling_with_session_pain_and_lists_h1_too():
    d = after_walk(swelling=True, pain_session=1)
    assert_stop(d, "RF8")
    assert set(d.rules) == {"RF8", "H1"}
    assert "H3" not in d.rules


def test_rf8_fires_for_swelling_with_morning_pain():
    d = after_walk(swelling=True, pain_morning=1)
    assert_stop(d, "RF8")
    assert set(d.rules) == {"RF8", "SB2"}


def test_rf8_does_not_fire_for_swelling_without_pain_which_gives_h3():
    d = after_walk(swelling=True)
    assert d.action == "repeat"
    assert d.rules == ("H3",)


def test_rf9_fires_for_morning_bone_pain_two_mornings_in_a_row():
    _, prof, checkins = RED_FLAG_SCENARIOS["RF9 morning pain twice"]
    ds = run(prof, checkins)
    assert ds[1].action == "regress" and ds[1].rules == ("SB2",)
    assert_stop(ds[2], "RF9")


def test_rf9_does_not_fire_when_a_pain_free_morning_lies_between():
    checkins = [green(0), green(1, pain_morning=1), green(2), green(3, pain_morning=1)]
    d = last(profile(start_stage="W3"), checkins)
    assert "RF9" not in d.rules
    assert "RF6" in d.rules  # two pain scale-backs within 7 days still stop
