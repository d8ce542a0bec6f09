"""Reminder fan-out: N runners due in the same minute, the sandbox capping sends at R/s.

Reports delivered, lost, duplicates, the achieved rate ÷ R, and the p95 latency of a runner's
check-in replies during the fan-out against idle. The real bot runs as a subprocess; the
sandbox and the measuring runner run here. One JSON line.

    .venv/bin/python benchmarks/reminders.py [--runners 10000] [--rate 1000]
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sandbox import RateLimits, Sandbox  # noqa: E402
from protocols import Profile  # noqa: E402
from storage import (  # noqa: E402
    migrate,
    open_db,
    set_checkin_time,
    set_nudge_hours,
    update_profile,
    upsert_runner,
)

FIRST_ID = 1_000_000
PROBE_ID = 42
PROFILE = Profile(site="fibula", weight_kg=60, pre_injury_weekly_minutes=180,
                  walking_cleared=True, start_stage="W1", start_date="2026-01-05")  # fmt: skip


def seed(path: str, runners: int) -> None:
    """Runners whose reminder is half a day away (no nudges), until `make_due`."""
    db = open_db(path)
    migrate(db)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)
    with db.atomic():
        for uid in [PROBE_ID, *range(FIRST_ID, FIRST_ID + runners)]:
            upsert_runner(db, uid, uid, f"R{uid}")
            update_profile(db, uid, PROFILE)
            set_checkin_time(db, uid, f"{later:%H:%M}")
            set_nudge_hours(db, uid, None)
    db.conn.close()


def make_due(path: str) -> None:
    """Move every runner's reminder to the current minute (the next tick sends them)."""
    db = open_db(path)
    now = dt.datetime.now(dt.UTC)
    with db.atomic():
        db.execute("UPDATE runners SET checkin_time = ? WHERE user_id != ?", [f"{now:%H:%M}", PROBE_ID])
    db.conn.close()


THINK_SECONDS = 2.0  # a person reads the question before tapping


async def probe_round_trips(user, seconds: float) -> list[float]:
    """A runner doing check-ins (first button each time, a second apart, as a person would):
    seconds from a press to the bot's reply (the question edited into the next, or a message)."""
    latencies: list[float] = []
    end = time.monotonic() + seconds
    message = None
    while time.monotonic() < end:
        if message is None or not message.buttons:
            await user.send("/checkin")
            message = await user.wait_for_message(timeout=30)
            continue
        label = message.buttons[0][0]
        await asyncio.sleep(THINK_SECONDS)
        began = time.monotonic()
        message = await user.press_for_reply(label, message, timeout=30)
        latencies.append(time.monotonic() - began)
    return latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")


async def main(runners: int, rate: int) -> dict:
    workdir = tempfile.mkdtemp(prefix="stridecoach-bench-")
    db = os.path.join(workdir, "bench.db")
    seed(db, runners)
    # Telegram allows a short burst in a private chat (an edit and the next question)
    limits = RateLimits(enabled=True, per_second=rate, per_chat_interval=1.0, per_chat_burst=3)
    async with Sandbox(rate_limits=limits, log_size=runners * 3) as sandbox:
        for uid in range(FIRST_ID, FIRST_ID + runners):
            sandbox.user(uid)
        probe = sandbox.user(PROBE_ID, first_name="Probe")
        env = dict(os.environ, STRIDECOACH_TOKEN="1:BENCH", STRIDECOACH_DB=db,
                   STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, STRIDECOACH_LOG_LEVEL="WARNING",
                   STRIDECOACH_OUTBOX_RATE=str(rate * 0.95), STRIDECOACH_TICK_SECONDS="1")  # fmt: skip
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=env)
        try:
            while not sandbox.calls("setMyCommands"):
                await asyncio.sleep(0.05)
            idle = await probe_round_trips(probe, 8)
            make_due(db)
            started = time.monotonic()
            busy_task = asyncio.create_task(probe_round_trips(probe, 8))

            def morning() -> int:
                return sum(1 for r in sandbox.calls("sendMessage", "ok") if r.chat_id != PROBE_ID)

            while morning() < runners and time.monotonic() - started < runners / rate * 4 + 60:
                await asyncio.sleep(0.2)
            busy = await busy_task
            await asyncio.sleep(1.0)
        finally:
            proc.terminate()
            await proc.wait()
        sends = [r for r in sandbox.calls("sendMessage", "ok") if r.chat_id != PROBE_ID]
        if os.environ.get("BENCH_DEBUG"):
            user = sandbox.users[FIRST_ID]
            print(user.transcript(), file=sys.stderr)
        per_chat: dict[int, int] = {}
        for record in sends:
            per_chat[int(record.chat_id)] = per_chat.get(int(record.chat_id), 0) + 1
        span = max(r.at for r in sends) - min(r.at for r in sends) if len(sends) > 1 else float("nan")
        achieved = len(sends) / span if span else float("nan")
        return {
            "benchmark": "reminders",
            "runners": runners,
            "cap_per_s": rate,
            "delivered": len(per_chat),
            "lost": runners - len(per_chat),
            "duplicates": sum(n - 1 for n in per_chat.values()),
            "rate_limited_429": len(sandbox.calls(outcome="rate_limited")),
            "fanout_seconds": round(span, 2),
            "achieved_per_s": round(achieved, 1),
            "achieved_over_cap": round(achieved / rate, 3),
            "probe_p95_idle_ms": round(p95(idle) * 1000, 1),
            "probe_p95_fanout_ms": round(p95(busy) * 1000, 1),
            "probe_p50_idle_ms": round(statistics.median(idle) * 1000, 1),
            "probe_p50_fanout_ms": round(statistics.median(busy) * 1000, 1),
            "probe_fanout_over_idle_p95": round(p95(busy) / p95(idle), 2),
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.runners, args.rate))))
