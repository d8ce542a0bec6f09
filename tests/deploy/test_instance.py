"""One running bot per database: a second `stridecoach run` refuses to start; the lock goes
away with its holder, however the holder dies."""

import asyncio
import os
import signal
import sys

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
        assert instance.acquire(db) == tmp_path / "bot.db.lock"
        assert (tmp_path / "bot.db.lock").read_text().strip() == str(os.getpid())
    finally:
        instance.release(db)
    assert instance.acquire(":memory:") is None


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
