"""storage/inbox.py: stored once per update_id, handled rows keep nothing about a person,
pruned after the retention period."""

import datetime as dt
import os
import stat

from storage.inbox import (
    RETENTION,
    add_update,
    add_updates,
    inbox_counts,
    mark_handled,
    prune_inbox,
    unhandled,
)

T0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def iso(moment):
    return moment.isoformat(timespec="microseconds")


def test_an_update_id_is_stored_once(db):
    assert add_update(db, 10, '{"update_id": 10, "x": "first"}', iso(T0)) is True
    assert add_update(db, 10, '{"update_id": 10, "x": "second"}', iso(T0)) is False
    assert add_updates(db, [(9, "{}"), (10, "{}"), (11, "{}"), (11, "{}")], iso(T0)) == [9, 11]
    assert unhandled(db) == [(9, "{}"), (10, '{"update_id": 10, "x": "first"}'), (11, "{}")]


def test_a_handled_row_keeps_only_its_id(db):
    add_update(db, 1, '{"message": {"from": {"first_name": "Ann"}, "text": "pain 4"}}', iso(T0))
    mark_handled(db, 1, iso(T0))
    assert unhandled(db) == []
    assert db.execute("SELECT payload FROM inbox").fetchall() == [("",)]
    assert add_update(db, 1, "{}", iso(T0)) is False  # a late copy is still recognised
    assert inbox_counts(db) == {"handled": 1, "unhandled": 0}


def test_handled_rows_are_pruned_after_the_retention(db):
    add_update(db, 1, "{}", iso(T0))
    add_update(db, 2, "{}", iso(T0))
    add_update(db, 3, "{}", iso(T0))
    mark_handled(db, 1, iso(T0))
    mark_handled(db, 2, iso(T0 + dt.timedelta(hours=30)))
    assert dt.timedelta(days=1) <= RETENTION  # longer than Telegram holds an update
    assert prune_inbox(db, T0 + RETENTION + dt.timedelta(seconds=1)) == 1
    assert [r[0] for r in db.execute("SELECT update_id FROM inbox ORDER BY 1")] == [2, 3]
    assert prune_inbox(db, T0 + dt.timedelta(days=30)) == 1  # never an unhandled one
    assert unhandled(db) == [(3, "{}")]


def test_a_new_database_is_private_to_its_user(db_path):
    from storage import open_db

    db = open_db(db_path)
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    for suffix in ("", "-wal", "-shm"):
        path = f"{db_path}{suffix}"
        if os.path.exists(path):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    db.conn.close()
