"""Check-ins and decisions: round trips, upserts, the one-transaction save, history, events."""

import datetime as dt
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.models import Checkin, Event
from storage import (
    add_event,
    checkins_between,
    decision_on,
    events_between,
    get_checkin,
    history,
    latest_decision,
    migrate,
    open_db,
    save_checkin,
    save_checkin_and_decision,
    save_decision,
)

DAY = dt.timedelta(days=1)


def count(db, table):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_checkin_round_trip_with_every_field(db, make):
    runner = make.runner(db)
    full = make.checkin(
        pain_rest=2, night_pain=True, pain_session=3, soreness_hours=26.5, tenderness=True,
        swelling=True, limp=True, hip_groin_pain=True, session_done="partial", sleep_hours=6.5,
        calcium_mg=800, protein_g=72.5, weight_kg=57.2, missed_cycles=2, vitamin_d_ng_ml=24.0,
    )  # fmt: skip
    sparse = make.checkin(make.d0 + DAY, sleep_hours=None, calcium_mg=None, protein_g=None)
    save_checkin(db, runner, full)
    save_checkin(db, runner, sparse)
    assert get_checkin(db, runner, full.date) == full
    assert get_checkin(db, runner, sparse.date) == sparse
    assert get_checkin(db, runner, make.d0 - DAY) is None
    assert checkins_between(db, runner, make.d0, make.d0 + DAY) == [full, sparse]


def test_decision_round_trip_keeps_the_whole_decision_and_state(db, make):
    runner = make.runner(db)
    decision = make.decision(action="advance", escalation="review", reviews=("RED2",))
    save_decision(db, runner, decision)
    assert decision_on(db, runner, decision.date) == decision
    row = next(db.query("SELECT * FROM decisions"))
    assert (row["action"], row["stage_before"], row["stage"], row["rules"]) == (
        "advance", "W1", "W2", '["ADV"]',
    )  # fmt: skip
    assert (row["escalation"], row["protocol_version"]) == ("review", "2026.1")


def test_saving_the_same_date_again_replaces(db, make):
    runner = make.runner(db)
    save_checkin_and_decision(db, runner, make.checkin(pain_rest=1), make.decision())
    created = next(db.query("SELECT created_at FROM checkins"))["created_at"]
    stop = make.decision(action="stop", escalation="urgent", rules=("RF1",), alert=True)
    save_checkin_and_decision(db, runner, make.checkin(pain_rest=5), stop)
    assert count(db, "checkins") == count(db, "decisions") == 1
    assert get_checkin(db, runner, make.d0).pain_rest == 5
    assert decision_on(db, runner, make.d0) == stop
    assert next(db.query("SELECT created_at FROM checkins"))["created_at"] == created


def test_checkin_and_decision_are_saved_together_or_not_at_all(db, make):
    runner = make.runner(db)
    db.execute(
        "CREATE TRIGGER no_decisions BEFORE INSERT ON decisions "
        "BEGIN SELECT RAISE(ABORT, 'decision insert failed'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="decision insert failed"):
        save_checkin_and_decision(db, runner, make.checkin(), make.decision())
    assert count(db, "checkins") == 0
    assert count(db, "decisions") == 0
    assert not db.conn.in_transaction


def test_a_failed_resave_keeps_the_earlier_answer(db, make):
    runner = make.runner(db)
    save_checkin_and_decision(db, runner, make.checkin(pain_rest=1), make.decision())
    db.execute(
        "CREATE TRIGGER no_updates BEFORE UPDATE ON decisions "
        "BEGIN SELECT RAISE(ABORT, 'decision update failed'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        save_checkin_and_decision(db, runner, make.checkin(pain_rest=4), make.decision())
    assert get_checkin(db, runner, make.d0).pain_rest == 1


def test_checkin_and_decision_dates_must_match(db, make):
    runner = make.runner(db)
    with pytest.raises(ValueError):
        save_checkin_and_decision(db, runner, make.checkin(), make.decision(make.d0 + DAY))


def test_a_checkin_needs_a_known_runner(db, make):
    with pytest.raises(sqlite3.IntegrityError):
        save_checkin(db, 404, make.checkin())


def test_history_is_oldest_first_and_limit_keeps_the_latest(db, make):
    runner = make.runner(db)
    other = make.runner(db, 202)
    days = [make.d0 + n * DAY for n in range(5)]
    for n, day in reversed(list(enumerate(days))):  # saved out of order
        save_checkin_and_decision(db, runner, make.checkin(day, pain_morning=n), make.decision(day))
    save_checkin_and_decision(db, other, make.checkin(days[0]), make.decision(days[0]))
    save_checkin(db, runner, make.checkin(days[-1] + DAY))  # no decision: not in history

    full = history(db, runner)
    assert [day.date for day in full] == days
    assert all(day.checkin.date == day.decision.date for day in full)
    assert [day.checkin.pain_morning for day in full] == [0, 1, 2, 3, 4]
    assert [day.date for day in history(db, runner, limit=2)] == days[-2:]
    assert history(db, 999) == []


def test_latest_decision_and_decision_on(db, make):
    runner = make.runner(db)
    assert latest_decision(db, runner) is None
    for n in range(3):
        day = make.d0 + n * DAY
        save_decision(db, runner, make.decision(day, stage=f"W{n + 1}"))
    assert latest_decision(db, runner).stage == "W3"
    assert latest_decision(db, runner, before=make.d0 + 2 * DAY).stage == "W2"
    assert latest_decision(db, runner, before=make.d0) is None
    assert decision_on(db, runner, make.d0 + DAY).stage == "W2"
    assert decision_on(db, runner, make.d0 + 9 * DAY) is None


def test_events_between_inclusive_in_order(db, make):
    runner = make.runner(db)
    events = [
        Event(date=make.d0 + 3 * DAY, type="running_cleared"),
        Event(date=make.d0, type="walking_cleared"),
        Event(date=make.d0 + 5 * DAY, type="hold"),
    ]
    for e in events:
        assert add_event(db, runner, e, actor_id=900) > 0
    assert events_between(db, runner) == sorted(events, key=lambda e: e.date)
    assert events_between(db, runner, make.d0 + DAY, make.d0 + 5 * DAY) == [events[0], events[2]]
    assert events_between(db, runner, end=make.d0) == [events[1]]
    assert events_between(db, 999) == []


checkins = st.builds(
    Checkin,
    date=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    pain_rest=st.integers(0, 10),
    night_pain=st.booleans(),
    pain_session=st.none() | st.integers(0, 10),
    pain_morning=st.integers(0, 10),
    soreness_hours=st.floats(0, 240),
    tenderness=st.booleans(),
    swelling=st.booleans(),
    limp=st.booleans(),
    hip_groin_pain=st.booleans(),
    session_done=st.sampled_from([None, "full", "partial", "none"]),
    sleep_hours=st.none() | st.floats(0, 24),
    calcium_mg=st.none() | st.floats(0, 5000),
    protein_g=st.none() | st.floats(0, 500),
    weight_kg=st.none() | st.floats(25, 250),
    missed_cycles=st.none() | st.integers(0, 24),
    vitamin_d_ng_ml=st.none() | st.floats(0, 200),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(checkin=checkins)
def test_any_valid_checkin_round_trips(make, checkin):
    db = open_db(":memory:")
    migrate(db)
    make.runner(db)
    save_checkin(db, 101, checkin)
    assert get_checkin(db, 101, checkin.date) == checkin
    db.close()
