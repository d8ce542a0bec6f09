"""The minute tick with a controllable clock: once per local day, in the runner's own zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dialogs.reminders import tick, tick_batch
from protocols import Checkin, Profile, decide
from storage import (
    claim_reminder,
    migrate,
    open_db,
    save_checkin_and_decision,
    set_active,
    set_checkin_time,
    set_nudge_hours,
    set_paused,
    set_snoozed_until,
    set_tz,
    update_profile,
    upsert_runner,
)

UTC = dt.UTC


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "r.db")
    migrate(database)
    yield database
    database.conn.close()


def add_runner(db, user_id: int, tz: str, at: str = "07:00", nudge: int | None = None,
               strength: tuple[str, ...] = ("tue", "thu")) -> None:  # fmt: skip
    upsert_runner(db, user_id, user_id, f"R{user_id}")
    profile = Profile(site="fibula", weight_kg=60, pre_injury_weekly_minutes=180,
                      walking_cleared=True, start_stage="W1", start_date="2026-01-05",
                      strength_days=strength)  # fmt: skip
    update_profile(db, user_id, profile)
    set_tz(db, user_id, tz)
    set_checkin_time(db, user_id, at)
    set_nudge_hours(db, user_id, nudge)


def rows(db, kind: str | None = None) -> list[dict]:
    sql = "SELECT * FROM outbox" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
    return list(db.query(sql, [kind] if kind else []))


def run_ticks(db, start: dt.datetime, end: dt.datetime, every: dt.timedelta = dt.timedelta(minutes=1)):
    """Tick from start to end; return [(tick time, outbox rows queued then)]."""
    queued, now = [], start
    last = max((r["id"] for r in rows(db)), default=0)
    while now < end:
        tick(db, now)
        fresh = list(db.query("SELECT * FROM outbox WHERE id > ? ORDER BY id", [last]))
        if fresh:
            last = fresh[-1]["id"]
        queued += [(now, r) for r in fresh]
        now += every
    return queued


def checkin_for(db, user_id: int, day: dt.date) -> None:
    c = Checkin(date=day, pain_rest=0, night_pain=False, pain_morning=0, soreness_hours=0,
                tenderness=False, swelling=False, limp=False, hip_groin_pain=False)  # fmt: skip
    profile = Profile(site="fibula", weight_kg=60, pre_injury_weekly_minutes=180,
                      walking_cleared=True, start_stage="W1", start_date=day)  # fmt: skip
    save_checkin_and_decision(db, user_id, c, decide(profile, [], c))


# Spring and autumn DST changes of 2026: US on Mar 8 / Nov 1, EU on Mar 29 / Oct 25.
DST_WINDOWS = [
    (dt.datetime(2026, 3, 6, tzinfo=UTC), dt.datetime(2026, 3, 10, tzinfo=UTC)),
    (dt.datetime(2026, 3, 27, tzinfo=UTC), dt.datetime(2026, 3, 31, tzinfo=UTC)),
    (dt.datetime(2026, 10, 23, tzinfo=UTC), dt.datetime(2026, 10, 27, tzinfo=UTC)),
    (dt.datetime(2026, 10, 30, tzinfo=UTC), dt.datetime(2026, 11, 3, tzinfo=UTC)),
]
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")
# Four days of minute ticks each (a second or more): the fast tier keeps one spring gap and
# one autumn repeat of the hour, the slow tier the rest.
FAST_DST = {("eu-spring", "02:30"), ("us-autumn", "02:30")}
DST_CASES = [
    pytest.param(window, at, id=f"{name}-{at}",
                 marks=() if (name, at) in FAST_DST else pytest.mark.slow)
    for at in ("07:00", "02:30")
    for name, window in zip(("us-spring", "eu-spring", "eu-autumn", "us-autumn"), DST_WINDOWS,
                            strict=True)
]  # fmt: skip


@pytest.mark.parametrize(("window", "at"), DST_CASES)
def test_exactly_one_checkin_reminder_per_local_day_across_dst(db, window, at):
    for i, zone in enumerate(ZONES):
        add_runner(db, 100 + i, zone, at)
    start, end = window
    queued = run_ticks(db, start, end)
    for i, zone in enumerate(ZONES):
        mine = [(t, r) for t, r in queued if r["chat_id"] == 100 + i and r["kind"] == "checkin"]
        local_days = [t.astimezone(ZoneInfo(zone)).date() for t, _ in mine]
        assert len(local_days) == len(set(local_days)), f"{zone}: two reminders on one day"
        first_full = (start + dt.timedelta(days=1)).astimezone(ZoneInfo(zone)).date()
        last_full = (end - dt.timedelta(days=1)).astimezone(ZoneInfo(zone)).date()
        wanted = {first_full + dt.timedelta(days=k) for k in range((last_full - first_full).days)}
        assert wanted <= set(local_days), f"{zone}: a day without its reminder"
        for t, _ in mine:
            local = t.astimezone(ZoneInfo(zone))
            hour, minute = map(int, at.split(":"))
            if (local.hour, local.minute) != (hour, minute):
                # only the spring gap moves a wall time, and by exactly one hour
                assert at == "02:30" and (local.hour, local.minute) == (3, 30), f"{zone} {local}"


def test_catch_up_within_the_grace_window_and_skip_beyond(db):
    add_runner(db, 1, "Europe/Berlin", "07:00")  # due 06:00 UTC in March
    add_runner(db, 2, "Europe/Berlin", "04:00")  # due 03:00 UTC
    # the bot was down from 02:00 to 06:30 UTC: one tick at 06:30
    tick(db, dt.datetime(2026, 3, 3, 6, 30, tzinfo=UTC))
    assert [r["chat_id"] for r in rows(db, "checkin")] == [1]  # 30 min late: sent
    run_ticks(db, dt.datetime(2026, 3, 3, 6, 31, tzinfo=UTC), dt.datetime(2026, 3, 3, 23, 0, tzinfo=UTC))
    assert [r["chat_id"] for r in rows(db, "checkin")] == [1]  # 3.5 h late: skipped, not at night


def test_no_reminder_once_the_checkin_is_done_and_the_nudge_only_when_not(db):
    add_runner(db, 1, "Asia/Kolkata", "07:00", nudge=3)
    add_runner(db, 2, "Asia/Kolkata", "07:00", nudge=3)
    checkin_for(db, 1, dt.date(2026, 3, 3))  # runner 1 checked in early
    run_ticks(db, dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert [r["chat_id"] for r in rows(db, "checkin")] == [2]
    nudges = rows(db, "nudge")
    assert [r["chat_id"] for r in nudges] == [2]


def test_snooze_brings_one_more_reminder_at_the_chosen_time(db):
    add_runner(db, 1, "UTC", "07:00")
    tick(db, dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    set_snoozed_until(db, 1, dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    queued = run_ticks(db, dt.datetime(2026, 3, 3, 7, 1, tzinfo=UTC), dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    assert [(t.time(), r["kind"]) for t, r in queued] == [(dt.time(8, 0), "snooze")]


def test_pause_stops_every_ping_and_resume_restarts_them(db):
    add_runner(db, 1, "UTC", "07:00", nudge=2)
    set_paused(db, 1, True)
    assert run_ticks(db, dt.datetime(2026, 3, 3, tzinfo=UTC), dt.datetime(2026, 3, 4, tzinfo=UTC)) == []
    set_paused(db, 1, False)
    queued = run_ticks(db, dt.datetime(2026, 3, 4, tzinfo=UTC), dt.datetime(2026, 3, 5, tzinfo=UTC))
    assert [r["kind"] for _, r in queued] == ["checkin", "nudge"]


def test_blocked_runner_gets_no_reminders(db):
    add_runner(db, 1, "UTC", "07:00")
    set_active(db, 1, False)
    assert run_ticks(db, dt.datetime(2026, 3, 3, tzinfo=UTC), dt.datetime(2026, 3, 4, tzinfo=UTC)) == []


def test_strength_day_is_in_the_morning_message_or_alone_after_an_early_checkin(db):
    add_runner(db, 1, "UTC", "07:00")  # strength Tue + Thu; 2026-03-03 is a Tuesday
    add_runner(db, 2, "UTC", "07:00")
    checkin_for(db, 2, dt.date(2026, 3, 3))
    run_ticks(db, dt.datetime(2026, 3, 3, 6, 0, tzinfo=UTC), dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    one = rows(db, "checkin")
    assert len(one) == 1 and "strength day" in one[0]["payload"] and "calf raises" in one[0]["payload"]
    alone = rows(db, "strength")
    assert [r["chat_id"] for r in alone] == [2] and "glute bridges" in alone[0]["payload"]


def test_weekly_summary_on_sunday_evening_local(db):
    add_runner(db, 1, "America/New_York", "07:00")
    queued = run_ticks(db, dt.datetime(2026, 3, 6, tzinfo=UTC), dt.datetime(2026, 3, 10, tzinfo=UTC))
    summaries = [(t, r) for t, r in queued if r["kind"] == "summary"]
    assert len(summaries) == 1
    local = summaries[0][0].astimezone(ZoneInfo("America/New_York"))
    assert (local.strftime("%a"), local.hour) == ("Sun", 18)


def test_batches_cover_every_runner_once_and_skip_the_paused(db):
    """The bot ticks a batch of runners per database call; batch edges change nothing."""
    for user_id in range(1, 8):
        add_runner(db, user_id, "Asia/Kolkata", "07:00", nudge=None)  # due 01:30 UTC
    set_paused(db, 4, True)
    now = dt.datetime(2026, 3, 3, 1, 30, tzinfo=UTC)
    claim_reminder(db, 6, "checkin", dt.date(2026, 3, 3))  # sent before a restart
    calls, queued, after = 0, 0, 0
    while after is not None:
        count, after = tick_batch(db, now, after=after, size=2)
        queued, calls = queued + count, calls + 1
    assert calls == 4  # 6 runners get reminders: 2 + 2 + 2, then an empty batch: done
    assert sorted(r["chat_id"] for r in rows(db, "checkin")) == [1, 2, 3, 5, 7]
    # runner 6's check-in reminder went out before the restart; its strength note had not
    assert [r["chat_id"] for r in rows(db, "strength")] == [6] and queued == 6 == len(rows(db))
    assert tick_batch(db, now, after=0, size=2)[0] == 0  # and never twice
    assert tick(db, now) == 0
