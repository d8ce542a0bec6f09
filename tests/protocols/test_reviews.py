"""Reviews RED1–RED5 (docs/PROTOCOL.md §5, §7 REDs): each fires or narrowly does not; the
14-day cadence; reviews never block and urgent outranks them.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""

import pytest

from tests.protocols.helpers import (
    P0_UNCLEARED,
    green,
    greens,
    last,
    profile,
    run,
)

# --- RED1–RED5: review escalations, never blocks (§5, §7 REDs) ------------------------------


def p0_review(prof_overrides=None, **checkin):
    prof = profile(**P0_UNCLEARED, **(prof_overrides or {}))
    return last(prof, [green(0, **checkin)])


def assert_review(d, rule):
    assert rule in d.rules
    assert d.reviews == (rule,)
    assert d.escalation == "review"
    assert d.action == "continue"  # never blocks


def assert_no_review(d, rule):
    assert rule not in d.rules
    assert d.escalation is None


def test_red1_fires_for_3_missed_cycles():
    assert_review(p0_review(missed_cycles=3), "RED1")


def test_red1_does_not_fire_for_2_missed_cycles():
    assert_no_review(p0_review(missed_cycles=2), "RED1")


def test_red1_fires_for_no_period_by_age_15():
    assert_review(p0_review(dict(age=15, periods_started=False)), "RED1")


def test_red1_does_not_fire_for_no_period_at_age_14():
    assert_no_review(p0_review(dict(age=14, periods_started=False)), "RED1")


def test_red2_fires_for_5_percent_weight_loss_within_30_days():
    d = last(profile(**P0_UNCLEARED), [green(30, weight_kg=57.0)])  # 60 → 57 kg on day 30
    assert_review(d, "RED2")


def test_red2_does_not_fire_for_just_under_5_percent_loss():
    d = last(profile(**P0_UNCLEARED), [green(30, weight_kg=57.1)])
    assert_no_review(d, "RED2")


def test_red2_does_not_fire_for_5_percent_loss_over_31_days():
    d = last(profile(**P0_UNCLEARED), [green(31, weight_kg=57.0)])
    assert_no_review(d, "RED2")


def test_red2_fires_for_bmi_17_5_when_height_is_known():
    assert_review(p0_review(dict(weight_kg=70.0, height_cm=200)), "RED2")  # 70 / 2² = 17.5


def test_red2_does_not_fire_for_bmi_just_above_17_5():
    assert_no_review(p0_review(dict(weight_kg=70.1, height_cm=200)), "RED2")


def test_red2_does_not_use_bmi_without_height():
    assert_no_review(p0_review(dict(weight_kg=45.0)), "RED2")


@pytest.mark.parametrize("site", ["calcaneus", "pelvis_sacrum", "femoral_neck"])
def test_red3_fires_for_a_trabecular_site(site):
    assert_review(p0_review(dict(site=site)), "RED3")


def test_red3_does_not_fire_for_a_cortical_site():
    assert_no_review(p0_review(dict(site="femoral_shaft")), "RED3")


def test_red3_fires_for_a_previous_bsi_within_two_years():
    # previous_bsi_count_2y counts earlier BSIs: 1 earlier + this one = "2+ BSIs in two
    # years" (the engine's documented reading, rules.red3)
    assert_review(p0_review(dict(previous_bsi_count_2y=1)), "RED3")


def test_red3_does_not_fire_without_a_previous_bsi():
    assert_no_review(p0_review(dict(previous_bsi_count_2y=0)), "RED3")


def test_red3_review_is_sent_once_at_onboarding_but_listed_every_day():
    # §1 "raises a review for the coach at onboarding"; the engine reads this as once, which
    # is within §7's "at most once per reason per 14 days" (engine: _reviews_due docstring).
    ds = run(profile(**P0_UNCLEARED, site="calcaneus"), greens(0, 14))
    assert ds[0].reviews == ("RED3",)
    assert all("RED3" in d.rules for d in ds)
    assert all(d.reviews == () for d in ds[1:])


def test_red4_fires_for_protein_under_1_2_g_per_kg_over_7_checkins():
    ds = run(profile(**P0_UNCLEARED), greens(0, 6, protein_g=71.9))  # 60 kg: 1.198 g/kg
    assert_no_review(ds[5], "RED4")  # only 6 check-ins so far
    assert_review(ds[6], "RED4")


def test_red4_does_not_fire_for_protein_exactly_1_2_g_per_kg():
    d = last(profile(**P0_UNCLEARED), greens(0, 6, protein_g=72.0))
    assert_no_review(d, "RED4")


def test_red5_fires_for_vitamin_d_29_9():
    assert_review(p0_review(vitamin_d_ng_ml=29.9), "RED5")


def test_red5_does_not_fire_for_vitamin_d_30():
    assert_no_review(p0_review(vitamin_d_ng_ml=30.0), "RED5")


def test_review_is_sent_on_day_0_not_day_13_again_on_day_14_and_listed_every_day():
    ds = run(profile(**P0_UNCLEARED), [green(0, vitamin_d_ng_ml=25), *greens(1, 15)])
    assert all("RED5" in d.rules for d in ds)
    sent = [n for n, d in enumerate(ds) if d.reviews]
    assert sent == [0, 14]
    assert ds[0].escalation == "review" and ds[14].escalation == "review"
    assert ds[13].escalation is None and ds[13].reviews == ()


def test_review_is_not_sent_again_within_14_days_when_the_rule_comes_back():
    values = {0: 25.0, 3: 35.0, 5: 25.0}  # deficient, then fine, then deficient again
    checkins = [green(n, vitamin_d_ng_ml=values.get(n)) for n in range(15)]
    ds = run(profile(**P0_UNCLEARED), checkins)
    assert "RED5" not in ds[3].rules
    assert "RED5" in ds[5].rules and ds[5].reviews == ()
    assert [n for n, d in enumerate(ds) if d.reviews] == [0, 14]


def test_red_rules_never_block_an_advance():
    ds = run(profile(start_stage="W3"), [green(0, vitamin_d_ng_ml=20), green(1)])
    assert ds[1].action == "advance"
    assert set(ds[1].rules) == {"ADV", "RED5"}


def test_urgent_outranks_review_in_the_escalation_field():
    d = last(profile(), [green(0, limp=True, vitamin_d_ng_ml=20)])
    assert d.action == "stop"
    assert d.escalation == "urgent"
    assert d.reviews == ("RED5",)
