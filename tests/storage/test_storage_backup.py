"""Online backups: a consistent copy while another connection keeps writing."""

import sqlite3
import threading

import pytest

from storage import Store, backup, log_action, migrate, open_db, save_checkin, schema_version


def rows(db, table, order):
    return [tuple(r.values()) for r in db.query(f"SELECT * FROM {table} ORDER BY {order}")]


def test_backup_while_another_thread_writes(db_path, tmp_path, db, make):
    runner = make.runner(db)
    for n in range(20):
        save_checkin(db, runner, make.checkin(make.d0.replace(day=1 + n)))
    stop = threading.Event()
    started = threading.Event()
    written = 0

    def writer():
        nonlocal written
        conn = open_db(db_path)
        while not stop.is_set():
            log_action(conn, "tick", detail={"n": written})
            written += 1
            if written == 50:
                started.set()
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(5)
        before = written
        target = backup(db, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    assert written > before  # the writer kept going

    copy = sqlite3.connect(target)
    copied = copy.execute("SELECT id FROM audit_log ORDER BY id").fetchall()
    n = len(copied)
    assert before <= n <= written
    assert [i for (i,) in copied] == list(range(1, n + 1))  # a consistent prefix, no gaps
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()

    copy_db = open_db(target)
    assert schema_version(copy_db) == schema_version(db)
    assert rows(copy_db, "checkins", "date") == rows(db, "checkins", "date")
    assert rows(copy_db, "runners", "user_id") == rows(db, "runners", "user_id")
    assert rows(copy_db, "audit_log", "id") == rows(db, "audit_log", "id")[:n]
    copy_db.close()


def test_backup_refuses_to_overwrite_unless_told(db, tmp_path, make):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    with pytest.raises(FileExistsError):
        backup(db, target)
    assert target.read_text() == "precious"
    make.runner(db)
    backup(db, target, overwrite=True)
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM runners").fetchone()[0] == 1
    copy.close()
    assert not (tmp_path / "copy.db.partial").exists()


def test_backup_of_a_memory_database(tmp_path, make):
    db = open_db(":memory:")
    migrate(db)
    make.runner(db)
    copy = open_db(backup(db, tmp_path / "mem.db"))
    assert copy.execute("SELECT count(*) FROM runners").fetchone()[0] == 1
    copy.close()
    db.close()


async def test_backup_through_the_store(db_path, tmp_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        path = await store.run(backup, tmp_path / "store.db")
    finally:
        store.close()
    assert path.exists()
