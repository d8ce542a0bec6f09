"""A fan-out of 2,000 reminders, the bot killed hard in the middle and restarted: every runner
gets their reminder. A duplicate is possible only for a message in flight at the kill (sent
to Telegram, killed before `mark_sent` committed); the test counts them and bounds them."""

import asyncio
import datetime as dt
import os
import signal
import sys

import pytest

from bot.sandbox import Sandbox
from protocols import Profile
from storage import (
    backlog_count,
    migrate,
    open_db,
    set_checkin_time,
    update_profile,
    upsert_runner,
)

# a 2,000-reminder fan-out with a hard kill in a subprocess; its own waits add up to 3 minutes
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

RUNNERS = 2000
FIRST_ID = 100_000
TOKEN = "123456:FANOUT"


def seed(path: str, at: str) -> None:
    db = open_db(path)
    migrate(db)
    profile = Profile(site="fibula", weight_kg=60, pre_injury_weekly_minutes=180,
                      walking_cleared=True, start_stage="W1", start_date="2026-01-05")  # fmt: skip
    with db.atomic():
        for uid in range(FIRST_ID, FIRST_ID + RUNNERS):
            upsert_runner(db, uid, uid, f"R{uid}")
            update_profile(db, uid, profile)
            set_checkin_time(db, uid, at)
    db.conn.close()


async def start_bot(sandbox, db: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
               STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, STRIDECOACH_OUTBOX_RATE="400",
               STRIDECOACH_LOG_LEVEL="WARNING")  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def morning_counts(sandbox) -> dict[int, int]:
    counts: dict[int, int] = {}
    for uid in range(FIRST_ID, FIRST_ID + RUNNERS):
        user = sandbox.users[uid]
        counts[uid] = sum(1 for m in user.messages if (m.text or "").startswith("Good morning"))
    return counts


def outbox_backlog(path: str) -> int:
    """Rows the bot has not yet sent nor given up on (read beside it: WAL)."""
    db = open_db(path)
    try:
        return backlog_count(db)
    finally:
        db.conn.close()


async def wait_until(predicate, timeout: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_hard_kill_in_a_fanout_of_2000_loses_no_reminder(tmp_path):
    db = str(tmp_path / "fanout.db")
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    seed(db, f"{due:%H:%M}")
    async with Sandbox() as sandbox:
        for uid in range(FIRST_ID, FIRST_ID + RUNNERS):
            sandbox.user(uid, first_name=f"R{uid}")
        sent = lambda: len(sandbox.calls("sendMessage"))  # noqa: E731
        proc = await start_bot(sandbox, db)
        try:
            assert await wait_until(lambda: sent() >= 600, timeout=60), "fan-out did not start"
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            at_kill = sent()
            assert at_kill < RUNNERS, "killed too late to test anything"
            proc = await start_bot(sandbox, db)
            delivered = lambda: sum(1 for n in morning_counts(sandbox).values() if n)  # noqa: E731
            assert await wait_until(lambda: delivered() == RUNNERS, timeout=90), (
                f"only {delivered()} of {RUNNERS} runners got their reminder"
            )
            # drained: a row is marked sent after Telegram answered, so with none pending or
            # sending every message the bot will ever send for this fan-out is in the sandbox
            assert await wait_until(lambda: outbox_backlog(db) == 0, timeout=30)
        finally:
            proc.kill()
            await proc.wait()
        counts = morning_counts(sandbox)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        print(f"\nfan-out: {RUNNERS} runners, killed after {at_kill} sends, duplicates: {duplicates}")
        assert all(n >= 1 for n in counts.values())
        # only rows in flight at the kill can repeat: at most the sender's concurrency (16)
        assert duplicates <= 16
