"""The milestone forecast with its memo of tails gives exactly the dates it gives without it
(dialogs/forecast_memo.py), and a runner on track meets the memo every morning."""

import datetime as dt

import pytest

from dialogs.forecast_memo import Tail, TailMemo
from dialogs.plan import green_checkin
from dialogs.standing import milestone_dates
from protocols import Day, Event, Profile, decide
from protocols.simulate import CLEARANCES
from tests.protocols.reference import scenario

D = dt.date(2026, 3, 2)
DAY = dt.timedelta(days=1)


def journey(profile: Profile, checkins, events):
    """Each morning as the bot sees it: the profile, the days so far and the events after."""
    events = sorted(events, key=lambda e: e.date)
    days: list[Day] = []
    for checkin in checkins:
        todays = [e for e in events if (not days or e.date > days[-1].date) and e.date <= checkin.date]
        for event in todays:
            if event.type in CLEARANCES:
                profile = profile.model_copy(update={event.type: True})
        days.append(Day(checkin, decide(profile, days, checkin, todays)))
        yield profile, list(days), [e for e in events if e.date > checkin.date]


def same_with_and_without(memo: TailMemo, profile, days, events) -> tuple:
    plain = milestone_dates(profile, days, events, memo=None)
    memoised = milestone_dates(profile, days, events, memo=memo)
    assert memoised == plain, (days[-1].date, memoised, plain)
    assert list(memoised[0]) == list(plain[0])  # the order the message names them in
    return plain


def on_track_runner(days: int, **profile):
    base = dict(site="tibia_posteromedial", sex="female", age=29, weight_kg=58,
                pre_injury_weekly_minutes=300, walking_cleared=True, running_cleared=True,
                start_stage="W1", start_date=D)  # fmt: skip
    prof = Profile(**{**base, **profile})
    checkins, loaded = [], False
    history: list[Day] = []
    for n in range(days):
        checkin = green_checkin(D + n * DAY, loaded)
        history.append(Day(checkin, decide(prof, history, checkin)))
        loaded = history[-1].decision.session.loading
        checkins.append(checkin)
    return prof, checkins


def test_a_runner_on_track_meets_the_memo_every_morning_after_the_first():
    prof, checkins = on_track_runner(40)
    memo = TailMemo()
    for n, (profile, days, events) in enumerate(journey(prof, checkins, [])):
        dates, _ = same_with_and_without(memo, profile, days, events)
        if n == 0:
            assert memo.hits == 0 and dates  # the first forecast is stepped whole
    assert memo.hits == 39


def test_a_morning_off_track_is_stepped_whole_and_right():
    prof, checkins = on_track_runner(30)
    checkins[12] = checkins[12].model_copy(update={"soreness_hours": 30})  # a hold, SB3
    checkins[20] = checkins[20].model_copy(update={"session_done": "partial"})
    memo = TailMemo()
    for profile, days, events in journey(prof, checkins, []):
        same_with_and_without(memo, profile, days, events)
    assert 0 < memo.hits < 29


def test_a_runner_not_yet_cleared_to_run_and_a_coach_event_ahead():
    prof, checkins = on_track_runner(25, running_cleared=False)
    memo = TailMemo()
    hold = [Event(date=D + 30 * DAY, type="hold"), Event(date=D + 33 * DAY, type="resume")]
    for profile, days, events in journey(prof, checkins, hold):
        dates, assumed = same_with_and_without(memo, profile, days, events)
        assert assumed
    assert memo.hits > 0


def test_the_same_morning_again_meets_the_memo():
    prof, checkins = on_track_runner(10)
    memo = TailMemo()
    *_, (profile, days, events) = journey(prof, checkins, [])
    first = same_with_and_without(memo, profile, days, events)
    assert same_with_and_without(memo, profile, days, events) == first
    assert memo.hits == 1


def test_a_changed_profile_is_another_key():
    prof, checkins = on_track_runner(10)
    memo = TailMemo()
    *_, (profile, days, events) = journey(prof, checkins, [])
    same_with_and_without(memo, profile, days, events)
    other = Profile.model_validate({**profile.model_dump(), "site": "navicular"})
    same_with_and_without(memo, other, days, events)
    assert memo.hits == 0


@pytest.mark.parametrize("seed", [0, 1, 3, 6, 8])
def test_seeded_journeys_give_the_same_dates(seed):
    s = scenario(seed)
    memo = TailMemo()
    for profile, days, events in journey(s.profile, s.checkins[:70], s.events):
        same_with_and_without(memo, profile, days, events)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(9, 36))
def test_many_seeded_journeys_give_the_same_dates(seed):
    s = scenario(seed)
    memo = TailMemo()
    for profile, days, events in journey(s.profile, s.checkins, s.events):
        same_with_and_without(memo, profile, days, events)


def test_a_tail_that_ended_before_the_horizon_with_a_milestone_unreached_cannot_tell():
    tail = Tail(("RW8", "G"), {"RW8": D + 20 * DAY}, end=D + 40 * DAY, why="found")
    assert tail.resolve(["RW8", "G"], {}, D + 100 * DAY) is None
    assert tail.resolve(["RW8", "G"], {"G": D + 3 * DAY}, D + 100 * DAY) == {"RW8": D + 20 * DAY}
    # a shorter horizon than the tail's: what lies past it is not found, as when stepped
    assert tail.resolve(["RW8", "G"], {}, D + 10 * DAY) == {}
    assert Tail(("G",), {}, D + 40 * DAY, "stop").resolve(["G"], {}, D + 100 * DAY) == {}


def test_the_tail_of_the_next_day_leaves_out_what_was_reached_on_the_day():
    tail = Tail(("RW1", "RW8", "G"), {"RW1": D, "RW8": D + 5 * DAY}, end=D + 50 * DAY, why="found")
    assert tail.after(D).reached == {"RW8": D + 5 * DAY}
    assert tail.after(D).sought == ("RW8", "G")


def test_the_memo_drops_the_least_recently_used():
    memo = TailMemo(size=2)
    tails = [Tail((), {}, D, "stop") for _ in range(3)]
    memo.put(b"a", tails[0])
    memo.put(b"b", tails[1])
    assert memo.get(b"a") is tails[0]
    memo.put(b"c", tails[2])
    assert memo.get(b"b") is None and memo.get(b"a") is tails[0] and len(memo) == 2



def test_a_check_ins_forecast_inputs_are_what_reading_them_back_gives(tmp_path):
    """The reply forecasts from the days its decision was made with (no second read): the
    same profile, days (a clearance withdrawn for tomorrow applied) and events to come."""
    from dialogs import changes, standing
    from dialogs.checkin import decide_and_save
    from storage import add_event, migrate, open_db, update_profile, upsert_runner

    db = open_db(tmp_path / "s.db")
    migrate(db)
    prof, checkins = on_track_runner(20, running_cleared=False)
    upsert_runner(db, 7, 7, "Ann")
    update_profile(db, 7, prof)
    for n, checkin in enumerate(checkins):
        if n == 12:  # given today, withdrawn tomorrow (the next decision starts without it)
            changes.change_profile(db, 7, "running_cleared", True, checkin.date)
            changes.change_profile(db, 7, "running_cleared", False, checkin.date + DAY)
            add_event(db, 7, Event(date=checkin.date + 3 * DAY, type="hold"), 7)
        now = dt.datetime.combine(checkin.date, dt.time(8), dt.UTC)
        done = decide_and_save(db, 7, checkin, now, forecast=True)
        assert done.forecast_inputs == standing.inputs(db, 7, checkin.date)
        if n == 12:
            _, days, events = done.forecast_inputs
            assert done.decision.state.running_cleared  # today's decision had it
            assert not days[-1].decision.state.running_cleared  # the forecast does not
            assert [e.type for e in events] == ["hold"]
