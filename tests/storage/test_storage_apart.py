"""Store.apart: a worker process with its own connection, read by the event loop itself."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from storage.apart import WorkerLost
from storage.db import Store


def make_table(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)")


def add_note(db, text: str) -> int:
    """In the worker: one row written, and the worker's pid."""
    with db.atomic():
        db.execute("INSERT INTO notes (text) VALUES (?)", [text])
    return os.getpid()


def notes(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT text FROM notes ORDER BY id").fetchall()]


def wait_for_note(db, text: str) -> str:
    """Wait (in the worker) until the parent has written `text`: the parent's loop must be
    free to do that while this runs."""
    for _ in range(2000):
        if text in notes(db):
            return "seen"
        time.sleep(0.005)
    return "never seen"


def pid_of_worker(db) -> int:
    return os.getpid()


def sleep_then_pid(db, seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def raise_value_error(db) -> None:
    raise ValueError("bad input in the worker")


class Picky(Exception):
    """An exception its pickle cannot rebuild (a keyword argument it does not keep)."""

    def __init__(self, code: str, *, detail: str) -> None:
        super().__init__(code)
        self.detail = detail


def raise_picky(db) -> None:
    raise Picky("E42", detail="what went wrong")


def return_a_lambda(db):
    return lambda: "cannot be pickled"


def fill_the_disk_and_write(db) -> None:
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    with db.atomic():
        db.execute("INSERT INTO notes (text) VALUES (?)", ["x" * 100_000])


@pytest.fixture
async def store(tmp_path):
    store = Store(tmp_path / "bot.db", worker=())
    await store.run(make_table)
    yield store
    store.close()


async def test_apart_runs_in_another_process_and_its_writes_are_seen(store):
    worker = await store.apart(add_note, "from the worker")
    assert worker != os.getpid()
    assert await store.run(notes) == ["from the worker"]
    assert store.health.wrote_at is not None  # a write in the worker counts for /healthz
    assert await store.apart(pid_of_worker) == worker  # one long-lived worker


async def test_the_loop_goes_on_while_the_worker_works(store):
    waiting = asyncio.create_task(store.apart(wait_for_note, "from the loop"))
    await asyncio.sleep(0.05)  # the call is in the worker
    await store.write(add_note, "from the loop")  # on the loop, while the worker waits for it
    assert await asyncio.wait_for(waiting, 10) == "seen"


async def test_errors_in_the_worker_are_raised_as_themselves(store):
    with pytest.raises(ValueError, match="bad input in the worker"):
        await store.apart(raise_value_error)
    with pytest.raises(sqlite3.OperationalError) as raised:
        await store.apart(fill_the_disk_and_write)
    assert raised.value.sqlite_errorname == "SQLITE_FULL"
    assert "SQLITE_FULL" in store.health.problem()  # /healthz hears of it
    assert await store.apart(add_note, "after the errors") != os.getpid()  # the worker lives on


async def test_what_cannot_be_sent_back_fails_its_call_only(store):
    with pytest.raises(RuntimeError, match="E42"):
        await store.apart(raise_picky)
    with pytest.raises(RuntimeError, match="not sendable"):
        await store.apart(return_a_lambda)
    assert await store.apart(pid_of_worker) != os.getpid()  # the same worker goes on
    assert store._apart.started == 1


async def test_a_worker_killed_mid_call_raises_worker_lost_and_the_next_call_gets_a_new_one(store):
    first = await store.apart(pid_of_worker)
    call = asyncio.create_task(store.apart(sleep_then_pid, 5))
    await asyncio.sleep(0.2)
    os.kill(first, signal.SIGKILL)
    with pytest.raises(WorkerLost):
        await asyncio.wait_for(call, 10)
    second = await store.apart(pid_of_worker)
    assert second not in (first, os.getpid())
    assert store._apart.started == 2


async def test_close_ends_the_worker(store):
    worker = await store.apart(pid_of_worker)
    store.close()
    assert not _alive(worker)


async def test_without_a_worker_apart_runs_on_the_loop(tmp_path):
    for store in (Store(tmp_path / "plain.db"), Store(":memory:", worker=())):
        try:
            await store.run(make_table)
            await store.apart(add_note, "here")
            assert await store.run(notes) == ["here"]
            assert await store.apart(pid_of_worker) == os.getpid()
        finally:
            store.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has ended, it only waits to be reaped
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_the_worker_dies_with_a_killed_bot(tmp_path):
    """kill -9 of the bot leaves no worker behind to write beside the next instance."""
    script = textwrap.dedent(f"""
        import asyncio, os, sys
        from storage.db import Store
        from tests.storage.test_storage_apart import pid_of_worker
        async def main():
            store = Store({str(tmp_path / "bot.db")!r}, worker=())
            print(await store.apart(pid_of_worker), flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    bot = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                           cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))  # fmt: skip
    try:
        worker = int(bot.stdout.readline())
        assert _alive(worker)
        bot.kill()
        bot.wait()
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker)
    finally:
        bot.kill()
