"""One running bot per database: a second `stridecoach run` refuses to start; the lock goes
away with its holder, however the holder dies."""

import asyncio
import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from bot import instance
from tests.deploy.helpers import (
    START_TIMEOUT,
    free_port,
    spawn,
    start_polling_bot,
    wait_for_http,
)

pytestmark = pytest.mark.slow  # real bot processes started, killed and refused

HOLD = (
    "import sys; from bot.instance import acquire; acquire(sys.argv[1]); "
    "print('locked', flush=True); sys.stdin.read()"
)


async def hold_lock(db: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD, db,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line == b"locked\n"
    return proc


async def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    db = str(tmp_path / "bot.db")
    holder = await hold_lock(db)
    try:
        with pytest.raises(instance.AlreadyRunning) as refused:
            instance.acquire(db)
        assert f"process {holder.pid}" in str(refused.value)
        assert "409 Conflict" in str(refused.value)
    finally:
        holder.send_signal(signal.SIGKILL)  # no chance to clean up
        await holder.wait()
    try:
        assert instance.acquire(db) == (tmp_path / "bot.db").resolve()
        assert instance.holder(*_key(db)) is None  # ours: not "another" holder
    finally:
        instance.release(db)
    assert instance.acquire(":memory:") is None


def _key(path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


@pytest.mark.parametrize("link", ["symlink", "hard link", "relative path", "bind of the dir"])
async def test_a_second_name_for_the_database_meets_the_same_lock(tmp_path, monkeypatch, link):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "bot.db"
    holder = await hold_lock(str(db))  # creates it (0600, an empty SQLite database)
    try:
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert db.read_bytes().startswith(b"SQLite format 3")
        other = tmp_path / "elsewhere"
        other.mkdir()
        if link == "symlink":
            name = other / "link.db"
            name.symlink_to(db)
        elif link == "hard link":
            name = other / "hard.db"
            os.link(db, name)
        elif link == "relative path":
            monkeypatch.chdir(other)
            name = Path("..") / "data" / "." / "bot.db"
        else:
            name = other / "data-link"
            name.symlink_to(data, target_is_directory=True)
            name = name / "bot.db"
        with pytest.raises(instance.AlreadyRunning) as refused:
            instance.acquire(str(name))
        assert f"process {holder.pid}" in str(refused.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()


async def test_a_hard_linked_second_bot_refuses_to_start(sandbox, tmp_path):
    db, logs = str(tmp_path / "bot.db"), tmp_path / "logs"
    first = await start_polling_bot(sandbox, db, logs)
    try:
        linked = tmp_path / "other" / "same.db"
        linked.parent.mkdir()
        os.link(db, linked)
        second = await spawn(sandbox, str(linked), logs)
        assert await second.wait() == 2
        message = second.stderr()
        assert "already running on the database" in message and str(linked) in message
        assert f"process {first.proc.pid}" in message and "Traceback" not in message
        assert first.proc.returncode is None
        assert not sandbox.calls("getUpdates", outcome="error")  # no 409 between the two
        # everything the bot wrote is private to its user
        for path in tmp_path.glob("bot.db*"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert {p.name for p in tmp_path.glob("bot.db*")} >= {"bot.db", "bot.db-wal", "bot.db-shm"}
        assert await first.terminate() == 0
    finally:
        await first.kill()


async def test_a_second_bot_on_the_same_database_refuses_to_start(sandbox, tmp_path):
    db, logs, port = str(tmp_path / "bot.db"), tmp_path / "logs", free_port()
    first = await start_polling_bot(sandbox, db, logs, STRIDECOACH_HEALTH_PORT=str(port))
    try:
        # polling mode serves /healthz when STRIDECOACH_HEALTH_PORT is set
        status, health = await wait_for_http(
            f"http://127.0.0.1:{port}/healthz", START_TIMEOUT, first
        )
        assert status == 200 and health["database"]["ok"] is True, health

        second = await spawn(sandbox, db, logs)
        assert await second.wait() == 2
        message = second.stderr()
        assert "already running on the database" in message
        assert f"process {first.proc.pid}" in message
        assert "409 Conflict" in message and "duplicate replies" in message
        assert "Traceback" not in message
        assert first.proc.returncode is None  # the first one carries on
        assert not sandbox.calls("getUpdates", outcome="error")  # no 409 between the two

        first.proc.kill()  # SIGKILL: the kernel releases the lock
        await first.wait()
        first = await start_polling_bot(sandbox, db, logs)
        ann = sandbox.user(5001, first_name="Ann")
        await ann.send("/start")
        await ann.wait_for_message(timeout=20)
        assert await first.terminate() == 0
    finally:
        await first.kill()
