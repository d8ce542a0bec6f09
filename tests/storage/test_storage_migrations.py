"""Migrations: from an empty file, from every earlier version (keeping data), atomically."""

import sqlite3

import pytest

from protocols.models import Checkin
from storage import MIGRATIONS, get_runner, migrate, open_db, schema_version
from storage.privacy import RUNNER_COLUMNS

LATEST = len(MIGRATIONS)
TABLES = {
    "runners", "coaches", "coach_links", "checkins", "decisions", "events", "form_drafts",
    "outbox", "outbox_about", "reminder_log", "alerts", "audit_log", "coach_actions",
    "clearance_reports", "inbox", "inbox_replies", "profile_changes", "runner_invites", "weekly_asked",
}  # fmt: skip


def tables(db):
    return {
        r["name"]
        for r in db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def columns(db, table):
    return {r["name"] for r in db.query(f"PRAGMA table_info({table})")}


def test_migrate_from_empty_creates_every_table(db_path):
    db = open_db(db_path)
    assert schema_version(db) == 0
    assert migrate(db) == (0, LATEST)
    assert tables(db) == TABLES
    assert schema_version(db) == LATEST
    assert migrate(db) == (LATEST, LATEST)  # nothing pending: a no-op


@pytest.mark.parametrize("start", range(LATEST))
def test_migrate_from_every_earlier_version_keeps_data(db_path, start):
    db = open_db(db_path)
    assert migrate(db, MIGRATIONS[:start]) == (0, start)
    if start >= 1:  # v1 rows, written with plain SQL as v1 code would have
        db.execute(
            "INSERT INTO runners (user_id, chat_id, first_name, created_at, updated_at) "
            "VALUES (5, 5, 'Old', '2026-01-01', '2026-01-01')"
        )
        db.execute(
            "INSERT INTO outbox (chat_id, runner_id, kind, payload, not_before, created_at) "
            "VALUES (5, 5, 'reminder', '{}', '2026-01-01', '2026-01-01')"
        )
    db.close()

    db = open_db(db_path)  # as after an upgrade and a restart
    assert migrate(db) == (start, LATEST)
    assert tables(db) == TABLES
    assert "snoozed_until" in columns(db, "runners")
    if start >= 1:
        runner = get_runner(db, 5)
        assert runner is not None
        assert (runner.first_name, runner.snoozed_until, runner.nudge_hours) == ("Old", None, 3)
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    db.close()


def test_a_failing_migration_leaves_the_previous_version(db_path):
    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    db = open_db(db_path)
    with pytest.raises(RuntimeError, match="migration bug"):
        migrate(db, [MIGRATIONS[0], broken])
    assert schema_version(db) == 1
    assert "half_done" not in tables(db)
    assert "runners" in tables(db)


def test_a_database_newer_than_the_code_is_refused(db):
    db.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(RuntimeError, match="newer than this code"):
        migrate(db)


def test_every_checkin_field_has_a_column(db):
    assert set(Checkin.model_fields) <= columns(db, "checkins")


def test_delete_knows_every_table_about_runners(db):
    # A new table must be added to privacy.RUNNER_COLUMNS (or be the coaches' own).
    # the inbox holds an update's content, and inbox_replies its handler's replies, only
    # until it is handled (storage/inbox.py)
    assert tables(db) - {"coaches", "inbox", "inbox_replies"} == set(RUNNER_COLUMNS)


def test_foreign_keys_cascade_from_runners(db):
    fks = {
        (t, fk["table"], fk["on_delete"])
        for t in tables(db)
        for fk in db.query(f"PRAGMA foreign_key_list({t})")
    }
    cascaded = {t for t, parent, action in fks if parent == "runners" and action == "CASCADE"}
    # outbox_about may name a runner already deleted (the "has left" notice): it cascades
    # from its outbox row instead; the inbox (and inbox_replies) hold an update's content
    # only until it is handled
    assert cascaded == TABLES - {"runners", "coaches", "form_drafts", "audit_log", "outbox_about",
                                 "inbox", "inbox_replies"}  # fmt: skip
    assert ("coach_links", "coaches", "CASCADE") in fks
    assert ("outbox_about", "outbox", "CASCADE") in fks


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO events (runner_id, date, type, created_at) VALUES (999, '2026-01-01', 'hold', 'x')"
        )


def test_v3_relabels_version_1_decisions_and_the_engine_goes_on_under_version_2(db_path):
    """Decisions made under protocol version 1 stay as they were, labelled "1"; the next
    decision, made from the stored state, is version 2's."""
    import datetime as dt
    import json

    from protocols import Day, Decision, decide
    from storage import save_checkin, save_decision
    from tests.storage.conftest import add_runner, make_checkin, make_decision, make_profile

    db = open_db(db_path)
    migrate(db, MIGRATIONS[:2])
    add_runner(db, 5)
    first = make_checkin()
    old = decide(make_profile(), [], first).model_copy(update={"protocol_version": "2026.11-1"})
    save_checkin(db, 5, first)
    save_decision(db, 5, old)
    other = make_decision(date=old.date + dt.timedelta(days=1), protocol_version="0.9")
    save_decision(db, 5, other)
    before = {r["date"]: json.loads(r["decision"]) for r in db.query("SELECT * FROM decisions")}
    db.close()

    db = open_db(db_path)
    migrate(db)
    rows = {r["date"]: r for r in db.query("SELECT * FROM decisions")}
    relabelled = rows[old.date.isoformat()]
    assert relabelled["protocol_version"] == "1"
    stored = json.loads(relabelled["decision"])
    assert stored == {**before[old.date.isoformat()], "protocol_version": "1"}
    assert rows[other.date.isoformat()]["protocol_version"] == "0.9"  # not version 1's label
    resumed = Decision.model_validate(stored)
    nxt = decide(make_profile(), [Day(first, resumed)],
                 make_checkin(date=old.date + dt.timedelta(days=2)))  # fmt: skip
    assert nxt.protocol_version == "2"
    db.close()
