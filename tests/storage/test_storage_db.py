"""open_db pragmas, UTC timestamps and the Store's one-thread serialised access."""

import asyncio
import datetime as dt
import threading
import time

import pytest

from storage import Store, migrate, open_db, parse_utc, schema_version, utc_iso
from storage.db import BUSY_TIMEOUT_MS


def pragma(db, name):
    return db.execute(f"PRAGMA {name}").fetchone()[0]


def test_file_database_pragmas(db_path):
    db = open_db(db_path)
    assert pragma(db, "journal_mode") == "wal"
    assert pragma(db, "foreign_keys") == 1
    assert pragma(db, "synchronous") == 1  # NORMAL
    assert pragma(db, "busy_timeout") == 5000
    db.close()


def test_reopening_keeps_wal_and_sets_pragmas_again(db_path):
    open_db(db_path).close()
    db = open_db(db_path)
    assert (pragma(db, "journal_mode"), pragma(db, "foreign_keys")) == ("wal", 1)
    db.close()


def test_memory_database_works():
    db = open_db(":memory:")
    assert migrate(db)[0] == 0
    assert pragma(db, "foreign_keys") == 1
    assert schema_version(db) > 0
    db.close()


def test_connection_can_be_used_from_another_thread(db):
    errors = []

    def use():
        try:
            db.execute("SELECT count(*) FROM runners").fetchone()
        except Exception as e:  # pragma: no cover - the failure being tested
            errors.append(e)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert errors == []


def test_utc_iso_is_fixed_width_utc():
    paris = dt.datetime(2026, 3, 29, 3, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert utc_iso(paris) == "2026-03-29T01:00:00.000000+00:00"
    assert parse_utc(utc_iso(paris)) == paris
    assert len(utc_iso()) == len(utc_iso(paris))
    assert parse_utc(None) is None
    with pytest.raises(ValueError, match="naive"):
        utc_iso(dt.datetime(2026, 3, 29, 3, 0))


async def test_store_runs_every_call_on_one_worker_thread(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        idents = await asyncio.gather(
            *(store.run(lambda db: threading.get_ident()) for _ in range(20))
        )
        assert len(set(idents)) == 1
        assert idents[0] != threading.get_ident()
    finally:
        store.close()


async def test_store_serialises_concurrent_calls_in_order(db_path):
    store = Store(db_path)
    running = 0
    peak = 0
    order = []

    def call(db, n):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        time.sleep(0.002)
        order.append(n)
        running -= 1
        return n

    try:
        results = await asyncio.gather(*(store.run(call, n) for n in range(30)))
    finally:
        store.close()
    assert results == list(range(30))
    assert order == list(range(30))
    assert peak == 1


async def test_store_does_not_block_the_event_loop(db_path):
    store = Store(db_path)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    try:
        await store.run(lambda db: time.sleep(0.1))
    finally:
        task.cancel()
        store.close()
    assert ticks >= 5


async def test_store_passes_kwargs_and_raises_the_calls_exception(db_path):
    store = Store(db_path)

    def fail(db, *, message):
        raise ValueError(message)

    try:
        with pytest.raises(ValueError, match="boom"):
            await store.run(fail, message="boom")
        assert await store.run(lambda db: db.execute("SELECT 1").fetchone()[0]) == 1
    finally:
        store.close()


async def test_store_close_is_idempotent_and_final(db_path):
    store = Store(db_path)
    store.close()
    store.close()
    with pytest.raises(RuntimeError):
        await store.run(lambda db: None)


def add_draft(db, user_id: int, form: str = "checkin") -> int:
    """One form_drafts row (a single statement); returns the thread it ran on."""
    db.execute("INSERT INTO form_drafts (user_id, form, answers, updated_at)"
               " VALUES (?, ?, '{}', 'x')", [user_id, form])  # fmt: skip
    return threading.get_ident()


def count_drafts(db) -> int:
    return db.execute("SELECT count(*) FROM form_drafts").fetchone()[0]


def lock_exclusively(db) -> None:
    """The thread's connection takes the file for itself, as a restore might: exclusive
    locking mode keeps the lock after the commit."""
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("UPDATE runners SET tz = tz")
    db.execute("COMMIT")


async def test_store_read_runs_on_the_loop_and_sees_committed_writes(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        await store.run(add_draft, 7)

        def form_of(db, user_id):
            row = db.execute("SELECT form FROM form_drafts WHERE user_id = ?", [user_id]).fetchone()
            return row[0], threading.get_ident()

        assert await store.read(form_of, 7) == ("checkin", threading.get_ident())
        await store.run(lambda db: db.execute("UPDATE form_drafts SET form = 'settings'"))
        assert (await store.read(form_of, 7))[0] == "settings"
        assert store.on_loop["read"] == 2
    finally:
        store.close()


async def test_store_read_cannot_write(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        with pytest.raises(Exception, match="readonly"):
            await store.read(lambda db: db.execute("DELETE FROM runners"))
    finally:
        store.close()


async def test_store_read_hands_over_to_the_thread_while_the_database_is_locked(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        await store.run(lock_exclusively)
        started = time.perf_counter()
        count = await store.read(lambda db: db.execute("SELECT count(*) FROM runners").fetchone()[0])
        waited = time.perf_counter() - started
    finally:
        store.close()
    assert count == 0  # answered, by the thread
    assert store.on_loop["read"] == 0
    # well under the busy timeout (5 s), with room for a busy machine: the loop did not wait
    assert waited < BUSY_TIMEOUT_MS / 1000 / 2


async def test_store_read_of_a_memory_database_uses_the_thread():
    store = Store(":memory:")
    try:
        await store.run(migrate)
        ident = await store.read(lambda db: threading.get_ident())
        assert ident != threading.get_ident() and store.on_loop["read"] == 0
    finally:
        store.close()


async def test_store_write_runs_on_the_loop_and_the_thread_sees_it(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        assert await store.write(add_draft, 7) == threading.get_ident()
        count = await store.run(count_drafts)
        assert count == 1 and store.on_loop["write"] == 1
        with pytest.raises(Exception, match="UNIQUE"):  # errors other than "busy" are raised
            await store.write(add_draft, 7)
        assert store.on_loop["write"] == 1
    finally:
        store.close()


async def test_store_write_hands_over_to_the_thread_while_the_database_is_locked(db_path):
    store = Store(db_path)
    try:
        await store.run(migrate)
        await store.run(lock_exclusively)
        started = time.perf_counter()
        await store.write(add_draft, 1)
        waited = time.perf_counter() - started
        count = await store.run(count_drafts)
    finally:
        store.close()
    assert count == 1  # written once, by the thread
    assert store.on_loop["write"] == 0 and waited < BUSY_TIMEOUT_MS / 1000 / 2


async def test_store_loop_writes_never_checkpoint_but_the_thread_does(db_path, monkeypatch):
    monkeypatch.setattr("storage.db.CHECKPOINT_EVERY", 5)
    store = Store(db_path)
    try:
        await store.run(migrate)
        await store.write(lambda db: None)  # opens the loop's write connection
        pragma = store._loop_dbs["write"].execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert pragma == 0
        for user_id in range(4):
            await store.write(add_draft, user_id, "f")
        await store.run(lambda db: None)  # the thread has done what was queued
        assert store.checkpoints == 1
    finally:
        store.close()


async def test_a_point_read_run_through_the_store_stays_on_the_event_loop(db_path):
    from storage import get_runner, upsert_runner
    from storage.db import point_read

    @point_read
    def where(db, value):
        return threading.get_ident(), db.execute("SELECT ?", [value]).fetchone()[0]

    def elsewhere(db, value):
        return threading.get_ident(), value

    store = Store(db_path)
    try:
        await store.run(migrate)
        await store.run(upsert_runner, 7, 7, "Ann")
        # a committed write on the thread is seen at once by the loop's read
        assert (await store.run(get_runner, 7)).first_name == "Ann"
        assert await store.run(where, 5) == (threading.get_ident(), 5)
        assert (await store.run(elsewhere, 6))[0] != threading.get_ident()
        assert store.on_loop["read"] == 2
    finally:
        store.close()
