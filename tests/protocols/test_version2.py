"""Every point of docs/PROTOCOL.md §8 "Changes in protocol version 2", each where it fires and
where it narrowly does not (day 0 is Monday 2026-03-02, see helpers).

The scenarios of issue 13 are here verbatim: a resume before a new red flag, RF6 across a
stop, escalation on stop days, night pain in P0 and the P0 exit.
"""

import pytest

from protocols import PROTOCOL_VERSION
from tests.protocols.helpers import day, event, green, greens, profile, run

P0_CLEARED = dict(start_stage="P0", walking_cleared=True)
P0_UNCLEARED = dict(start_stage="P0", walking_cleared=False)


def test_every_decision_names_protocol_version_2():
    ds = run(profile(start_stage="W3"), [green(0), green(1, limp=True), green(2)])
    assert PROTOCOL_VERSION == "2"
    assert {d.protocol_version for d in ds} == {"2"}


# --- RF1 applies in P0 ------------------------------------------------------------------------


def test_rf1_night_pain_stops_in_p0_with_an_urgent_alert():
    d = run(profile(**P0_UNCLEARED), [green(0), green(1, night_pain=True)])[-1]
    assert (d.action, d.rules, d.escalation, d.alert) == ("stop", ("RF1",), "urgent", True)
    assert d.stage == "P0" and not d.session.loading


def test_rest_pain_in_p0_without_night_pain_is_still_no_red_flag():
    # (2 above the earlier mean would be RF6, which applies in P0)
    d = run(profile(**P0_UNCLEARED), [green(0, pain_rest=1), green(1, pain_rest=2)])[-1]
    assert d.action == "continue" and d.escalation is None


# --- leaving P0 -------------------------------------------------------------------------------


def test_p0_is_left_on_two_clear_mornings_even_with_long_soreness():
    # §8: soreness plays no part in P0
    ds = run(profile(**P0_CLEARED), [green(0, soreness_hours=30), green(1, soreness_hours=30)])
    assert (ds[1].action, ds[1].stage) == ("advance", "W1")


@pytest.mark.parametrize("signal", [dict(pain_morning=1), dict(limp=True)])
def test_p0_is_not_left_when_the_previous_morning_had_morning_pain_or_a_limp(signal):
    ds = run(profile(**P0_CLEARED), [green(0, **signal), green(1), green(2)])
    assert ds[0].action == "continue"  # neither fires a rule in P0 …
    assert (ds[1].action, ds[1].stage) == ("continue", "P0")  # … but blocks the exit
    assert (ds[2].action, ds[2].stage) == ("advance", "W1")  # two clear mornings


@pytest.mark.parametrize("signal", [dict(pain_morning=1), dict(limp=True)])
def test_p0_is_not_left_on_a_morning_with_morning_pain_or_a_limp(signal):
    ds = run(profile(**P0_CLEARED), [green(0), green(1, **signal), green(2), green(3)])
    assert [d.stage for d in ds] == ["P0", "P0", "P0", "W1"]


def test_p0_is_not_left_the_morning_after_night_pain_because_it_stops():
    ds = run(profile(**P0_CLEARED), [green(0, night_pain=True), green(1), green(2)])
    assert [d.action for d in ds] == ["stop", "stop", "stop"]


def test_start_stage_beyond_p0_without_walking_clearance_starts_at_p0():
    d = run(profile(start_stage="W4", walking_cleared=False), [green(0)])[0]
    assert d.stage == "P0" and d.session.kind == "cross_train"


# --- while stopped, scale-backs and red flags are evaluated ------------------------------------


def test_issue_rf6_fires_while_stopped_counting_a_pain_scale_back_before_the_stop():
    # 03-04 pain_morning 1, 03-05 night pain, 03-07 pain_morning 1 → RF6 + SB2, urgent
    checkins = [green(0), green(1), green(2, pain_morning=1), green(3, night_pain=True),
                green(5, pain_morning=1)]  # fmt: skip
    ds = run(profile(start_stage="W4"), checkins)
    assert (ds[2].action, ds[2].rules) == ("regress", ("SB2",))
    assert (ds[3].action, ds[3].rules) == ("stop", ("RF1",))
    d = ds[4]
    assert (d.action, d.rules, d.escalation, d.alert) == ("stop", ("RF6", "SB2"), "urgent", True)
    assert d.stage == ds[3].stage


def test_a_pain_morning_while_stopped_seven_days_after_the_last_is_listed_but_not_rf6():
    checkins = [green(0), green(1), green(2, pain_morning=1), green(3, night_pain=True),
                green(9, pain_morning=1)]  # fmt: skip
    d = run(profile(start_stage="W4"), checkins)[-1]
    assert (d.action, d.rules, d.escalation, d.alert) == ("stop", ("SB2",), None, False)


def test_a_stop_day_pain_morning_counts_for_rf6_after_the_resume():
    checkins = [green(0), green(1, limp=True), green(2, pain_morning=1), green(3), green(4),
                green(5, pain_morning=1)]  # fmt: skip
    ds = run(profile(start_stage="W4"), checkins, [event(3, "resume")])
    assert (ds[2].action, ds[2].rules) == ("stop", ("SB2",))
    assert (ds[3].action, ds[3].stage) == ("regress", "W3")
    d = ds[5]
    assert (d.action, d.rules, d.escalation) == ("stop", ("RF6", "SB2"), "urgent")


def test_without_a_stop_day_pain_morning_the_next_pain_morning_after_resume_is_a_scale_back():
    checkins = [green(0), green(1, limp=True), green(2), green(3), green(4),
                green(5, pain_morning=1)]  # fmt: skip
    ds = run(profile(start_stage="W4"), checkins, [event(3, "resume")])
    assert (ds[5].action, ds[5].rules, ds[5].escalation) == ("regress", ("SB2",), None)


def test_sb3_is_listed_while_stopped_once_per_loading_session():
    checkins = [green(0), green(1, limp=True), green(2, soreness_hours=30),
                green(3, soreness_hours=40)]  # fmt: skip
    ds = run(profile(start_stage="W4"), checkins)
    assert [d.rules for d in ds[1:]] == [("RF3",), ("SB3",), ()]
    assert all(d.action == "stop" and d.stage == "W4" for d in ds[1:])


def test_a_stop_in_p0_evaluates_no_scale_back():
    # §7 P0: only RF1, RF5, RF6, H3 and H4 apply there
    ds = run(profile(**P0_UNCLEARED), [green(0, night_pain=True), green(1, pain_morning=2)])
    assert (ds[1].action, ds[1].rules) == ("stop", ())


# --- a red flag while stopped cancels an earlier resume ----------------------------------------


def test_issue_resume_before_a_new_red_flag_does_not_end_the_new_stop():
    # stop 03-03, resume 03-04, night pain + tenderness 03-04, "Keep on hold" 03-05, clear 03-05
    checkins = [green(0), green(1, limp=True), green(2, night_pain=True, tenderness=True),
                *greens(3, 6)]  # fmt: skip
    events = [event(2, "resume"), event(3, "hold")]
    ds = run(profile(start_stage="RW4"), checkins, events)
    assert (ds[2].action, ds[2].rules, ds[2].escalation) == ("stop", ("RF1", "RF4"), "urgent")
    assert all(d.action == "stop" and d.stage == "RW4" for d in ds[3:])
    assert all(not d.session.loading for d in ds[1:])


def test_a_resume_dated_on_the_red_flags_own_day_is_cancelled():
    checkins = [green(0), green(1, limp=True), green(2, night_pain=True), *greens(3, 5)]
    ds = run(profile(start_stage="W4"), checkins, [event(2, "resume")])
    assert all(d.action == "stop" for d in ds[1:])


def test_a_resume_dated_after_the_last_red_flag_lifts_the_stop():
    checkins = [green(0), green(1, limp=True), green(2, night_pain=True), *greens(3, 5)]
    ds = run(profile(start_stage="W4"), checkins, [event(2, "resume"), event(3, "resume")])
    assert (ds[3].action, ds[3].stage_before, ds[3].stage) == ("regress", "W4", "W3")


def test_a_hold_after_a_resume_keeps_the_stop_until_another_resume():
    # conservative reading (engine `_apply_events`): the coach's latest word wins
    checkins = [green(0), green(1, limp=True), green(2, pain_morning=1), *greens(3, 5)]
    events = [event(2, "resume"), event(3, "hold"), event(5, "resume")]
    ds = run(profile(start_stage="W4"), checkins, events)
    assert [d.action for d in ds[1:]] == ["stop", "stop", "stop", "stop", "regress"]


def test_a_resume_is_not_lost_on_a_stop_day_without_a_red_flag():
    checkins = [green(0), green(1, limp=True), green(2, pain_morning=1), green(3)]
    ds = run(profile(start_stage="W4"), checkins, [event(2, "resume")])
    assert (ds[2].action, ds[2].rules) == ("stop", ("SB2",))  # not green: no resume yet
    assert (ds[3].action, ds[3].stage) == ("regress", "W3")


# --- escalation on stop days ---------------------------------------------------------------------


def test_escalation_is_urgent_only_on_the_days_a_red_flag_fires():
    checkins = [green(0), green(1, limp=True), green(2), green(3, tenderness=True), green(4)]
    ds = run(profile(start_stage="W4"), checkins)
    assert [d.escalation for d in ds] == [None, "urgent", None, "urgent", None]
    assert [d.alert for d in ds] == [False, True, False, True, False]


def test_a_review_on_a_stop_day_is_the_days_escalation():
    checkins = [green(0), green(1, limp=True), green(2, vitamin_d_ng_ml=20)]
    d = run(profile(start_stage="W4"), checkins)[-1]
    assert (d.action, d.rules, d.escalation, d.reviews) == ("stop", ("RED5",), "review", ("RED5",))


# --- scale-back days rest; SB3 needs a prescribed loading session -----------------------------


@pytest.mark.parametrize(
    "signal", [dict(pain_session=3), dict(pain_morning=1), dict(soreness_hours=24)]
)
def test_on_a_scale_back_day_todays_session_is_rest(signal):
    d = run(profile(start_stage="W4"), [green(0), green(1, **signal)])[-1]
    assert d.action == "regress" and d.session.kind == "rest"


def test_sb3_does_not_fire_before_the_plan_prescribed_a_loading_session():
    d = run(profile(start_stage="W4"), [green(0, soreness_hours=48)])[0]
    assert "SB3" not in d.rules and d.session.kind == "walk"


# --- RF6's rest-pain part with fewer than three earlier check-ins ------------------------------


def test_rf6_rest_pain_uses_the_one_earlier_checkin_there_is():
    d = run(profile(start_stage="W4"), [green(0), green(1, pain_rest=2)])[-1]
    assert d.rules[:2] == ("RF2", "RF6")


def test_rf6_rest_pain_1_above_the_one_earlier_checkin_is_only_rf2():
    d = run(profile(start_stage="W4"), [green(0), green(1, pain_rest=1)])[-1]
    assert d.rules == ("RF2",)


def test_rf6_rest_pain_part_cannot_fire_on_the_first_checkin():
    d = run(profile(start_stage="W4"), [green(0, pain_rest=5)])[0]
    assert d.rules == ("RF2",)


def test_day_numbers_line_up_with_the_issue_dates():
    assert (day(1).isoformat(), day(2).isoformat()) == ("2026-03-03", "2026-03-04")
