"""Runners, coaches and links, drafts, alerts, the audit log and the reminder log."""

import datetime as dt
import threading

import pytest

from storage import (
    add_alert,
    alerts_to_resend,
    athletes_of,
    audit_entries,
    claim_reminder,
    clear_draft,
    coach_by_invite,
    coaches_of,
    form_state,
    get_alert,
    get_runner,
    is_linked,
    link_coach,
    list_runners,
    load_draft,
    log_action,
    mark_alert_resent,
    mark_alert_seen,
    open_db,
    prune_reminder_log,
    reminder_candidates,
    reminder_sent,
    rotate_invite_code,
    runner_tz,
    save_draft,
    set_active,
    set_checkin_time,
    set_nudge_hours,
    set_paused,
    set_snoozed_until,
    set_tz,
    unlink_coach,
    unseen_alerts,
    update_profile,
    upsert_coach,
    upsert_runner,
)

DAY = dt.date(2026, 3, 29)  # DST starts in Europe: local dates, not UTC offsets, are keys


def test_upsert_runner_creates_then_refreshes(db):
    created = upsert_runner(db, 1, chat_id=10, first_name="Ana", tz="Europe/Paris")
    assert (created.tz, created.checkin_time, created.nudge_hours) == ("Europe/Paris", "07:00", 3)
    assert created.active and not created.paused and not created.onboarded
    again = upsert_runner(db, 1, chat_id=11, first_name="Ana B.", tz="Asia/Tokyo")
    assert (again.chat_id, again.first_name, again.tz) == (11, "Ana B.", "Europe/Paris")
    assert again.created_at == created.created_at
    assert get_runner(db, 2) is None


def test_form_state_reads_zone_and_open_form_together(db):
    assert form_state(db, 1) == (None, None)  # a stranger: no zone, no form
    upsert_runner(db, 1, 1, tz="Asia/Tokyo")
    assert form_state(db, 1) == ("Asia/Tokyo", None)
    save_draft(db, 1, "checkin", "sleep_hours", {"pain_rest": 0}, message_id=42)
    tz, draft = form_state(db, 1)
    assert tz == "Asia/Tokyo" and draft == load_draft(db, 1)
    assert (draft.form, draft.question, draft.answers, draft.message_id) == (
        "checkin", "sleep_hours", {"pain_rest": 0}, 42)  # fmt: skip
    save_draft(db, 2, "coach", "code", {})  # not a runner (a coach signing up): a form, no zone
    assert form_state(db, 2) == (None, load_draft(db, 2))


def test_runner_tz_follows_set_tz_and_is_none_for_strangers(db):
    upsert_runner(db, 1, 1, tz="Europe/Paris")
    assert runner_tz(db, 1) == "Europe/Paris"
    set_tz(db, 1, "Asia/Kolkata")
    assert runner_tz(db, 1) == "Asia/Kolkata" == get_runner(db, 1).tz
    assert runner_tz(db, 2) is None


def test_update_profile_parses_back_and_copies_key_columns(db, make):
    upsert_runner(db, 1, 1)
    profile = make.profile(strength_days=("sat", "tue"))
    update_profile(db, 1, profile)
    runner = get_runner(db, 1)
    assert runner.profile == profile
    assert runner.onboarded and runner.onboarded_at is not None
    assert runner.strength_days == ("tue", "sat")
    row = next(db.query("SELECT site FROM runners"))
    assert row["site"] == "tibia_posteromedial"
    update_profile(db, 1, make.profile())  # default strength days: two non-run days
    assert get_runner(db, 1).strength_days == ("tue", "thu")
    assert get_runner(db, 1).onboarded_at == runner.onboarded_at


def test_settings_setters_validate(db):
    upsert_runner(db, 1, 1)
    set_tz(db, 1, "America/New_York")
    set_checkin_time(db, 1, "06:30")
    set_nudge_hours(db, 1, None)
    until = dt.datetime(2026, 3, 30, 5, 0, tzinfo=dt.UTC)
    set_snoozed_until(db, 1, until)
    runner = get_runner(db, 1)
    assert (runner.tz, runner.checkin_time) == ("America/New_York", "06:30")
    assert runner.nudge_hours is None
    assert runner.snoozed_until == until
    set_snoozed_until(db, 1, None)
    assert get_runner(db, 1).snoozed_until is None
    for bad in ("Mars/Olympus", "UTC+2", ""):
        with pytest.raises(ValueError):
            set_tz(db, 1, bad)
    for bad in ("7:00", "24:00", "07:60", "seven"):
        with pytest.raises(ValueError):
            set_checkin_time(db, 1, bad)
    with pytest.raises(ValueError):
        set_nudge_hours(db, 1, 0)
    with pytest.raises(LookupError):
        set_paused(db, 999, True)


def test_reminder_candidates_are_onboarded_active_and_not_paused(db, make):
    for user in (1, 2, 3, 4):
        make.runner(db, user)
    make.runner(db, 5, onboard=False)
    set_active(db, 2, False)
    set_paused(db, 3, True)
    assert [r.user_id for r in reminder_candidates(db)] == [1, 4]
    assert [r.user_id for r in list_runners(db, active_only=True)] == [1, 3, 4, 5]
    assert len(list_runners(db)) == 5


def test_claim_reminder_is_exactly_once(db_path, db, make):
    make.runner(db, 1)
    assert claim_reminder(db, 1, "checkin", DAY) is True
    assert claim_reminder(db, 1, "checkin", DAY) is False
    assert claim_reminder(db, 1, "nudge", DAY) is True
    assert claim_reminder(db, 1, "checkin", DAY + dt.timedelta(days=1)) is True
    assert reminder_sent(db, 1, "checkin", DAY)
    assert not reminder_sent(db, 1, "strength", DAY)
    db.close()
    db = open_db(db_path)  # after a restart
    assert claim_reminder(db, 1, "checkin", DAY) is False
    assert prune_reminder_log(db, DAY + dt.timedelta(days=1)) == 2
    db.close()


def test_claim_reminder_racing_connections_one_wins(db_path, db, make):
    make.runner(db, 1)
    wins = []
    barrier = threading.Barrier(6)

    def tick():
        conn = open_db(db_path)
        barrier.wait()
        wins.append(claim_reminder(conn, 1, "strength", DAY))
        conn.close()

    threads = [threading.Thread(target=tick) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 5 + [True]


def test_coach_invite_codes_are_random_and_revocable(db):
    coach = upsert_coach(db, 50, 50, "Coach", tz="Europe/London")
    assert len(coach.invite_code) >= 16  # 96 bits
    assert coach_by_invite(db, coach.invite_code) == coach
    assert upsert_coach(db, 50, 51, "Coach K").invite_code == coach.invite_code
    new = rotate_invite_code(db, 50)
    assert new != coach.invite_code
    assert coach_by_invite(db, coach.invite_code) is None
    assert coach_by_invite(db, new).user_id == 50
    assert upsert_coach(db, 60, 60).invite_code not in (coach.invite_code, new)
    with pytest.raises(LookupError):
        rotate_invite_code(db, 999)


def test_links_decide_who_sees_whom(db, make):
    upsert_coach(db, 50, 50)
    upsert_coach(db, 60, 60)
    for user in (3, 1, 2):
        make.runner(db, user)
        assert link_coach(db, 50, user)
    assert link_coach(db, 50, 1) is False
    link_coach(db, 60, 2)
    assert [r.user_id for r in athletes_of(db, 50)] == [3, 1, 2]  # order of linking
    assert [c.user_id for c in coaches_of(db, 2)] == [50, 60]
    assert is_linked(db, 60, 2) and not is_linked(db, 60, 1)
    assert unlink_coach(db, 50, 1) and not unlink_coach(db, 50, 1)
    assert [r.user_id for r in athletes_of(db, 50)] == [3, 2]


def test_drafts_resume_where_they_stopped(db):
    assert load_draft(db, 1) is None
    save_draft(db, 1, "onboarding", "site", {}, message_id=7)
    save_draft(db, 1, "onboarding", "start_date", {"site": "fibula", "start": DAY}, 8)
    draft = load_draft(db, 1)
    assert (draft.form, draft.question, draft.message_id) == ("onboarding", "start_date", 8)
    assert draft.answers == {"site": "fibula", "start": "2026-03-29"}
    save_draft(db, 1, "checkin", None, {})  # one open form per user: replaces
    assert load_draft(db, 1).form == "checkin"
    assert clear_draft(db, 1) and load_draft(db, 1) is None
    assert clear_draft(db, 1) is False


def test_alerts_seen_only_by_their_coach_and_resend_list(db, make):
    make.runner(db, 1)
    upsert_coach(db, 50, 50)
    upsert_coach(db, 60, 60)
    urgent = add_alert(db, 1, 50, "urgent", ("RF1", "RF3"), "Pain at rest 5/10")
    review = add_alert(db, 1, 50, "review", ["RED2"], "Calcium low for 14 days")
    assert get_alert(db, urgent).rules == ("RF1", "RF3")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert [a.id for a in alerts_to_resend(db, later)] == [urgent]
    assert [a.id for a in unseen_alerts(db, 50)] == [urgent, review]
    assert mark_alert_seen(db, urgent, 60) is False  # not theirs
    assert mark_alert_seen(db, urgent, 50) is True
    assert mark_alert_seen(db, urgent, 50) is False
    assert [a.id for a in unseen_alerts(db, 50)] == [review]
    urgent2 = add_alert(db, 1, 50, "urgent", ["RF2"], "Night pain")
    mark_alert_resent(db, urgent2)
    assert alerts_to_resend(db, later) == []
    assert get_alert(db, urgent2).resent_at is not None


def test_audit_log_newest_first(db):
    log_action(db, "clear", actor_id=50, runner_id=1, detail={"what": "running"})
    log_action(db, "resume", actor_id=50, runner_id=1)
    log_action(db, "export", actor_id=2, runner_id=2)
    entries = audit_entries(db, runner_id=1)
    assert [e.action for e in entries] == ["resume", "clear"]
    assert entries[1].detail == {"what": "running"}
    assert [e.action for e in audit_entries(db, limit=1)] == ["export"]


def test_claim_and_enqueue_in_one_transaction_cannot_lose_a_reminder(db, make):
    make.runner(db, 1)
    with pytest.raises(RuntimeError), db.atomic():
        assert claim_reminder(db, 1, "checkin", DAY)
        raise RuntimeError("crash before the outbox insert")
    assert claim_reminder(db, 1, "checkin", DAY) is True  # not marked done: retried
