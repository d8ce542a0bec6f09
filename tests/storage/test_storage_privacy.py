"""/delete removes every row about a runner; /export gathers them."""

import datetime as dt

from protocols.models import Event
from storage import (
    add_alert,
    add_event,
    claim_reminder,
    delete_runner,
    enqueue,
    export_runner,
    get_runner,
    link_coach,
    log_action,
    save_checkin_and_decision,
    save_draft,
    upsert_coach,
)

ANA = 7_001_234_567  # distinctive ids, so a text search finds only real mentions
BEA = 7_009_876_543
COACH = 7_005_555_555


def fill(db, make, runner):
    make.runner(db, runner)
    for n in range(3):
        day = make.d0 + dt.timedelta(days=n)
        save_checkin_and_decision(db, runner, make.checkin(day), make.decision(day))
    add_event(db, runner, Event(date=make.d0, type="running_cleared"), actor_id=COACH)
    save_draft(db, runner, "checkin", "pain_rest", {"date": make.d0})
    enqueue(db, runner, "reminder", {"text": "Check-in?"}, runner_id=runner)
    enqueue(db, runner, "notice", {"text": "We changed our privacy notice"})
    enqueue(db, COACH, "alert", {"text": f"Urgent: runner {runner}"}, runner_id=runner)
    claim_reminder(db, runner, "checkin", make.d0)
    link_coach(db, COACH, runner)
    add_alert(db, runner, COACH, "urgent", ["RF1"], "Pain at rest 5/10")
    log_action(db, "settings", actor_id=runner, runner_id=runner, detail={"tz": "UTC"})
    log_action(db, "export", actor_id=runner)
    log_action(db, "clear", actor_id=COACH, runner_id=runner)


def mentions(db, value):
    """Every (table, column, count) where some row's column contains `value` as text."""
    found = []
    tables = [r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for col in db.query(f"PRAGMA table_info({table})"):
            n = db.execute(
                f'SELECT count(*) FROM "{table}" WHERE CAST("{col["name"]}" AS TEXT) LIKE ?',
                [f"%{value}%"],
            ).fetchone()[0]
            if n:
                found.append((table, col["name"], n))
    return found


def test_delete_runner_leaves_no_row_mentioning_them(db, make):
    upsert_coach(db, COACH, COACH, "Coach")
    fill(db, make, ANA)
    fill(db, make, BEA)
    assert {t for t, _, _ in mentions(db, ANA)} >= {
        "runners", "checkins", "decisions", "events", "form_drafts", "outbox",
        "reminder_log", "coach_links", "alerts", "audit_log",
    }  # fmt: skip

    assert delete_runner(db, ANA) > 0
    assert mentions(db, ANA) == []
    assert get_runner(db, ANA) is None
    # Bea, the coach and the coach's log entries are untouched.
    assert {t for t, _, _ in mentions(db, BEA)} >= {"runners", "checkins", "outbox", "alerts"}
    assert ("coaches", "user_id", 1) in mentions(db, COACH)
    assert db.execute("SELECT count(*) FROM checkins").fetchone()[0] == 3
    assert delete_runner(db, ANA) == 0  # twice is harmless


def test_deleting_the_runner_row_cascades(db, make):
    upsert_coach(db, COACH, COACH, "Coach")
    fill(db, make, ANA)
    db.execute("DELETE FROM runners WHERE user_id = ?", [ANA])
    left = {t for t, _, _ in mentions(db, ANA)}
    # Only the tables without a foreign key to runners keep rows; delete_runner covers them.
    assert left <= {"form_drafts", "audit_log", "outbox"}
    assert "checkins" not in left


def test_export_runner_has_their_rows_only(db, make):
    upsert_coach(db, COACH, COACH, "Coach")
    fill(db, make, ANA)
    fill(db, make, BEA)
    data = export_runner(db, ANA)
    assert [r["user_id"] for r in data["runners"]] == [ANA]
    assert len(data["checkins"]) == len(data["decisions"]) == 3
    assert len(data["audit_log"]) == 3
    assert all(r["runner_id"] == ANA for r in data["outbox"])
    assert len(data["outbox"]) == 2  # the reminder to Ana and the coach's alert about her


def test_a_runner_who_was_also_a_coach_leaves_nothing(db, make):
    upsert_coach(db, COACH, COACH, "Coach")
    fill(db, make, ANA)
    fill(db, make, BEA)
    upsert_coach(db, ANA, ANA, "Ana")  # Ana coaches Bea too
    link_coach(db, ANA, BEA)
    add_alert(db, BEA, ANA, "urgent", ["RF2"], "Pain at rest")
    add_event(db, BEA, Event(date=make.d0, type="resume"), actor_id=ANA)
    log_action(db, "coach_linked", actor_id=BEA, runner_id=BEA, detail={"coach_id": ANA})
    enqueue(db, ANA, "alert", {"text": "Urgent: Bea"}, runner_id=BEA)  # queued for Ana, about Bea
    enqueue(db, COACH, "digest", {"text": "1. Ana 2. Bea"}, about=[ANA, BEA])
    bea_alerts = db.execute("SELECT count(*) FROM alerts WHERE runner_id = ?", [BEA]).fetchone()[0]

    delete_runner(db, ANA)
    assert mentions(db, ANA) == []
    assert db.execute("SELECT count(*) FROM coaches WHERE user_id = ?", [ANA]).fetchone()[0] == 0
    # Bea keeps her history: her alerts and events stay, without Ana's id
    assert db.execute("SELECT count(*) FROM alerts WHERE runner_id = ?", [BEA]).fetchone()[0] == bea_alerts
    assert db.execute("SELECT count(*) FROM events WHERE runner_id = ? AND type = 'resume'",
                      [BEA]).fetchone()[0] == 1  # fmt: skip
    assert ("coaches", "user_id", 1) in mentions(db, COACH)


def test_a_notice_about_someone_deleted_is_forgotten_once_sent(db, make):
    from storage import claim_due, get_message, mark_sent

    upsert_coach(db, COACH, COACH, "Coach")
    fill(db, make, ANA)
    delete_runner(db, ANA)
    left = enqueue(db, COACH, "runner_left", {"text": "Ana has left"}, about=[ANA])
    kept = enqueue(db, COACH, "link", {"text": "Bea linked"})
    claim_due(db, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert mark_sent(db, left) is True and get_message(db, left) is None
    assert mark_sent(db, kept) is False and get_message(db, kept).status == "sent"
    assert mentions(db, ANA) == [] and mentions(db, "Ana has left") == []
