"""Stop and resume (docs/PROTOCOL.md §4, §7 Stop and resume): a stop holds until a resume
and a fully green check-in, then the plan restarts one stage below.

Day 0 is Monday 2026-03-02 (see helpers). A check-in on day D reports on day D−1's session,
so `green(1, pain_session=3)` after a walk on day 0 is "3/10 during yesterday's walk".
"""

import pytest

from tests.protocols.helpers import (
    event,
    green,
    greens,
    profile,
    run,
)

# --- Stop and resume (§4, §7 Stop and resume) ------------------------------------------------


def test_stop_stays_stopped_until_resume_event_and_fully_green_checkin_then_regresses():
    checkins = [green(0), green(1, limp=True), green(2), green(3, pain_morning=1), green(4)]
    ds = run(profile(start_stage="W3"), checkins, [event(3, "resume")])
    assert ds[1].action == "stop"
    assert ds[2].action == "stop"  # green, but no resume yet
    assert ds[3].action == "stop"  # resumed, but not green
    for d in ds[1:4]:
        assert d.stage == "W3"
        assert not d.session.loading
    # §8: urgent only on the day a red flag fires; the morning pain on day 3 is listed (SB2)
    assert [d.escalation for d in ds[1:4]] == ["urgent", None, None]
    assert [d.rules for d in ds[1:4]] == [("RF3",), (), ("SB2",)]
    assert (ds[4].action, ds[4].stage_before, ds[4].stage) == ("regress", "W3", "W2")
    assert ds[4].escalation is None
    assert ds[4].session.kind == "walk"


def test_green_checkins_alone_never_end_a_stop():
    ds = run(profile(start_stage="W3"), [green(0), green(1, limp=True), *greens(2, 12)])
    assert all(d.action == "stop" and d.stage == "W3" for d in ds[1:])
    assert ds[1].escalation == "urgent"
    assert all(d.escalation is None and not d.alert for d in ds[2:])  # §8: no new red flag


def test_resume_on_a_green_day_ends_the_stop_that_same_day():
    ds = run(
        profile(start_stage="W3"),
        [green(0), green(1, limp=True), *greens(2, 3)],
        [event(3, "resume")],
    )
    assert ds[2].action == "stop"
    assert (ds[3].action, ds[3].stage) == ("regress", "W2")


def test_while_stopped_a_red_flag_firing_again_is_listed_and_alerts_again():
    checkins = [green(0), green(1, limp=True), green(2), green(3, tenderness=True), green(4)]
    ds = run(profile(start_stage="W3"), checkins, [event(4, "resume")])
    assert (ds[1].rules, ds[1].alert) == (("RF3",), True)
    assert (ds[2].action, ds[2].rules, ds[2].alert) == ("stop", (), False)  # quiet stopped day
    assert (ds[3].action, ds[3].rules, ds[3].alert, ds[3].escalation) == (
        "stop",
        ("RF4",),
        True,
        "urgent",
    )
    assert (ds[4].action, ds[4].stage) == ("regress", "W2")


@pytest.mark.parametrize(
    "stage, has_alterg, resumed_at",
    [
        ("RW1", False, "R1"),
        ("RW1", True, "A100"),
        ("W1", False, "P0"),
        ("A50", True, "R1"),
        ("C1", False, "RW8"),
        ("B", False, "C6"),
    ],
)
def test_resume_regresses_to_one_stage_below_the_stopped_one(stage, has_alterg, resumed_at):
    prof = profile(start_stage=stage, has_alterg=has_alterg)
    checkins = [green(0), green(1, night_pain=True), green(2)]
    ds = run(prof, checkins, [event(2, "resume")])
    assert ds[1].action == "stop" and ds[1].stage == stage
    assert (ds[2].action, ds[2].stage_before, ds[2].stage) == ("regress", stage, resumed_at)


def test_resume_resets_counts_but_keeps_the_running_clearance():
    prof = profile(start_stage="W6", running_cleared=False)
    checkins = [*greens(0, 2), green(3, night_pain=True), *greens(4, 5)]
    events = [event(1, "running_cleared"), event(4, "resume")]
    ds = run(prof, checkins, events)
    assert ds[2].stage == "RW1"
    assert ds[3].action == "stop"
    assert (ds[4].action, ds[4].stage) == ("regress", "R1")
    assert ds[4].session.kind == "readiness"
    assert (ds[5].action, ds[5].stage) == ("advance", "RW1")  # no H7: clearance stayed
    assert "H7" not in ds[5].rules
