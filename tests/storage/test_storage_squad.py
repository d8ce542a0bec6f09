"""Coaches' storage for issue 17: athlete numbers that never shift, actions claimed once,
clearance reports, and a coach's deletion that leaves runners' data."""

import datetime as dt

from protocols.models import Event
from storage import (
    MIGRATIONS,
    add_event,
    enqueue,
    link_coach,
    migrate,
    open_db,
    unlink_coach,
    upsert_coach,
    upsert_runner,
)
from storage.clearances import clearance_reports, confirm_clearance, report_clearance
from storage.coach_actions import action_by_key, claim_action, last_action, mark_undone
from storage.coaches import athlete_by_ref, athlete_ref, delete_coach, squad
from storage.events import event_date_of, last_event, remove_event
from storage.privacy import delete_runner

NOW = dt.datetime(2026, 3, 2, 9, 14, tzinfo=dt.UTC)


def squad_of(db, *names):
    upsert_coach(db, 900, 900, "Kay")
    for uid, name in enumerate(names, 1):
        upsert_runner(db, uid, uid, name)
        assert link_coach(db, 900, uid)


def test_numbers_never_shift_nor_get_reused(db):
    squad_of(db, "Ann", "Bob", "Cat")
    assert [(n, r.first_name) for n, r in squad(db, 900)] == [(1, "Ann"), (2, "Bob"), (3, "Cat")]
    unlink_coach(db, 900, 1)
    assert [(n, r.first_name) for n, r in squad(db, 900)] == [(2, "Bob"), (3, "Cat")]
    assert athlete_by_ref(db, 900, 1) is None  # Ann's number is not Bob's now
    assert athlete_by_ref(db, 900, 2).first_name == "Bob"
    assert not link_coach(db, 900, 2)  # linked already: no new number
    link_coach(db, 900, 1)  # Ann comes back: a new number, never an old one
    assert athlete_ref(db, 900, 1) == 4
    assert athlete_ref(db, 900, 99) is None


def test_migration_numbers_existing_links_in_link_order(db_path):
    db = open_db(db_path)
    migrate(db, MIGRATIONS[:2])
    db.execute("INSERT INTO coaches (user_id, chat_id, tz, created_at) VALUES (900, 900, 'UTC', 'x')")
    for uid, at in ((7, "2026-01-03"), (5, "2026-01-01"), (6, "2026-01-01")):
        db.execute("INSERT INTO runners (user_id, chat_id, created_at, updated_at) VALUES (?, ?, 'x', 'x')", [uid, uid])
        db.execute("INSERT INTO coach_links (coach_id, runner_id, created_at) VALUES (900, ?, ?)", [uid, at])
    migrate(db)
    assert [(n, r.user_id) for n, r in squad(db, 900)] == [(1, 5), (2, 6), (3, 7)]
    upsert_runner(db, 8, 8, "New")
    link_coach(db, 900, 8)
    assert athlete_ref(db, 900, 8) == 4
    db.close()


def test_an_action_key_is_claimed_once(db):
    squad_of(db, "Ann")
    first = claim_action(db, "a1:resume", 900, 1, "resume", alert_id=1, at=NOW)
    assert first is not None and first.at == NOW
    assert all(claim_action(db, "a1:resume", 900, 1, "resume", at=NOW) is None for _ in range(20))
    assert action_by_key(db, "a1:resume").id == first.id
    assert last_action(db, 1, ("resume",)).id == first.id
    assert mark_undone(db, first.id, NOW) and not mark_undone(db, first.id, NOW)
    assert last_action(db, 1, ("resume",)) is None  # undone actions are not "in force"


def test_events_can_be_taken_back_and_the_last_found(db):
    squad_of(db, "Ann")
    hold = add_event(db, 1, Event(date="2026-03-02", type="hold"), 900)
    add_event(db, 1, Event(date="2026-03-03", type="resume"), 900)
    assert last_event(db, 1, ("hold", "resume"))[1].type == "resume"
    assert event_date_of(db, hold) == dt.date(2026, 3, 2)
    assert remove_event(db, hold) and not remove_event(db, hold)
    assert event_date_of(db, hold) is None


def test_clearance_reports_until_confirmed(db):
    squad_of(db, "Ann")
    report_clearance(db, 1, "running", NOW)
    (report,) = clearance_reports(db, 1)
    assert (report.kind, report.reported_at, report.confirmed_at) == ("running", NOW, None)
    confirm_clearance(db, 1, "running", 900)
    assert clearance_reports(db, 1)[0].confirmed_by == 900
    report_clearance(db, 1, "running", NOW + dt.timedelta(days=1))  # a confirmed one stays
    assert clearance_reports(db, 1)[0].reported_at == NOW


def test_a_coach_deletion_leaves_runners_data_and_their_own_messages(db):
    squad_of(db, "Ann")
    upsert_runner(db, 900, 900, "Kay")  # the coach is a runner too
    enqueue(db, 900, "alert", {"text": "about Ann"}, runner_id=1)
    enqueue(db, 900, "checkin", {"text": "Kay's own reminder"}, runner_id=900)
    enqueue(db, 1, "coach_action", {"text": "to Ann"}, runner_id=1)
    claim_action(db, "k", 900, 1, "hold", at=NOW)
    assert delete_coach(db, 900) > 0
    kinds = [r["kind"] for r in db.query("SELECT kind FROM outbox ORDER BY id")]
    assert kinds == ["checkin", "coach_action"]
    for table in ("coaches", "coach_links", "coach_actions"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM runners").fetchone()[0] == 2


def test_a_coach_deletion_keeps_the_athletes_alerts_without_the_coach(db):
    from storage import add_alert

    squad_of(db, "Ann")
    add_alert(db, 1, 900, "urgent", ("RF1",), "night pain", at=NOW)
    add_event(db, 1, Event(date="2026-03-02", type="resume"), 900)
    enqueue(db, 900, "checkin", {"text": "not a runner: nothing to their chat stays"})
    delete_coach(db, 900)
    assert db.execute("SELECT coach_id FROM alerts").fetchall() == [(None,)]
    assert db.execute("SELECT actor_id FROM events").fetchall() == [(None,)]
    assert db.execute("SELECT count(*) FROM outbox WHERE chat_id = 900").fetchone()[0] == 0


def test_a_runner_deletion_removes_their_coach_actions_and_reports(db):
    squad_of(db, "Ann")
    claim_action(db, "k", 900, 1, "hold", at=NOW)
    report_clearance(db, 1, "running")
    delete_runner(db, 1)
    for table in ("coach_actions", "clearance_reports", "coach_links"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
