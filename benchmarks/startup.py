"""Start-up and the minute tick at 100,000 runners.

Builds (once, cached in the temp dir under a version key) a database of 100,000 onboarded
runners — zones, check-in times and nudges spread out, a few paused or blocked — of whom
1,000 have a year of check-ins and engine decisions (one engine-made year, copied), linked
to 500 coaches (two athletes each, 100 unseen urgent alerts), plus a week of the reminder
log for everyone. Then, on a copy of it:

* start-up: `python -m bot.cli run` as a subprocess against an in-process sandbox, each
  start on a fresh copy: from process start to setMyCommands reaching the sandbox (the bot
  is ready: migrations done, commands registered, polling next); VmRSS at that moment; the
  end of the first minute tick (1 s after start; a catch-up tick at this size, seen in the
  bot's INFO log line "tick queued N message(s)") and the first reminder sent; VmRSS and
  VmHWM after that. Median of --repeat starts. Also the time of importing the bot's
  modules alone.
* the tick, timed directly on the database at a fixed Monday 08:00 UTC:
  `dialogs.reminders.tick_batch` over all runners a batch at a time (as the bot does;
  `longest_batch_ms` is the longest one call holds the database thread),
  `dialogs.alerts.resend_unseen(db, now)` and `dialogs.digest.tick(db, now)`. The first tick catches up two hours of reminders (as
  after a restart) and every coach's Monday digest; the following ticks, a minute apart,
  are the steady state (about 70 runners due a minute); median over --ticks of them.

Prints one JSON line.

    .venv/bin/python benchmarks/startup.py [--runners 100000] [--repeat 3] [--ticks 5] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procfs import status_kb  # noqa: E402 - benchmarks/procfs.py, next to this script

from bot.sandbox import Sandbox  # noqa: E402
from protocols import Checkin, Day, Profile, decide  # noqa: E402
from storage import (  # noqa: E402
    MIGRATIONS,
    add_alert,
    link_coach,
    migrate,
    open_db,
    save_checkin_and_decision,
    upsert_coach,
)

BUILD_VERSION = 2  # bump when the contents below change
BASE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # a Monday, 08:00 UTC
FIRST_ID = 10_000_000
COACH_FIRST_ID = 90_000_000
WITH_HISTORY = 1_000
COACHES = 500
URGENT_UNSEEN = 100
LOG_DAYS = 7
ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
         "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "UTC",
         "Africa/Nairobi", "Pacific/Auckland", "America/Chicago")  # fmt: skip
SITES = ("tibia_posteromedial", "fibula", "metatarsal_shaft", "tibia_anterior", "calcaneus")
TOKEN = "1:STARTUP"


def db_path(runners: int) -> Path:
    key = f"v{BUILD_VERSION}-schema{len(MIGRATIONS)}-{runners}"
    return Path(tempfile.gettempdir()) / f"stridecoach-startup-{key}" / "startup.db"


def year_of_history(start: dt.date, days: int) -> tuple[Profile, list[Day]]:
    """One runner's engine-made year: green days, a bad week now and then."""
    profile = Profile(site="tibia_posteromedial", sex="female", age=29, weight_kg=58,
                      pre_injury_weekly_minutes=300, walking_cleared=True,
                      running_cleared=True, start_stage="W1", start_date=start)  # fmt: skip
    history: list[Day] = []
    for n in range(days):
        loaded = bool(history) and history[-1].decision.session.loading
        sore = n % 45 in (20, 21)  # an amber spell every six weeks or so
        checkin = Checkin(
            date=start + dt.timedelta(days=n), pain_rest=0, night_pain=False,
            pain_session=(3 if sore else 0) if loaded else None, pain_morning=2 if sore else 0,
            soreness_hours=(30 if sore else 4) if loaded else 0, tenderness=False,
            swelling=False, limp=False, hip_groin_pain=False,
            session_done="full" if loaded else None, sleep_hours=7.5, calcium_mg=1000,
            protein_g=90, weight_kg=58 if n % 7 == 0 else None,
            missed_cycles=0 if n % 7 == 0 else None,
        )  # fmt: skip
        history.append(Day(checkin, decide(profile, history, checkin)))
    return profile, history


def build(path: Path, runners: int) -> float:
    """Create the database at `path`; returns seconds taken."""
    began = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    db = open_db(partial)
    migrate(db)
    start = BASE.date() - dt.timedelta(days=365)
    profile, history = year_of_history(start, 365)
    created = (BASE - dt.timedelta(days=400)).isoformat(timespec="microseconds")
    variants = []
    for n in range(20):
        variant = Profile.model_validate({**profile.model_dump(),
            "site": SITES[n % len(SITES)], "sex": ("female", "male", "other")[n % 3],
            "age": 18 + n * 2, "weight_kg": 50 + n * 2,
            "strength_days": (("tue", "thu"), ("mon", "wed"), None, ("sat",))[n % 4],
            "start_date": start + dt.timedelta(days=n * 15)})  # fmt: skip
        variants.append((variant.model_dump_json(), str(variant.site),
                         json.dumps(list(variant.strength_weekdays))))  # fmt: skip
    rng = random.Random(7)
    rows = []
    for i in range(runners):
        uid = FIRST_ID + i
        profile_json, site, strength = variants[0] if i < WITH_HISTORY else rng.choice(variants)
        hour = rng.randrange(5, 10) if rng.random() < 0.7 else rng.randrange(24)  # mostly mornings
        rows.append((
            uid, uid, f"Runner{i}", profile_json, site, rng.choice(ZONES),
            f"{hour:02d}:{rng.randrange(60):02d}", rng.choice((None, 2, 3, 4)), strength,
            0 if rng.random() < 0.01 else 1, 1 if rng.random() < 0.02 else 0,
            created, created, created,
        ))  # fmt: skip
    with db.atomic():
        db.conn.executemany(
            """INSERT INTO runners (user_id, chat_id, first_name, profile, site, tz, checkin_time,
               nudge_hours, strength_days, active, paused, onboarded_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )  # fmt: skip
        for day in history:
            save_checkin_and_decision(db, FIRST_ID, day.checkin, day.decision)
        for table in ("checkins", "decisions"):
            cols = [d[0] for d in db.execute(f"SELECT * FROM {table} LIMIT 0").description]
            rest = [c for c in cols if c != "runner_id"]
            db.execute(
                f"""INSERT INTO {table} (runner_id, {', '.join(rest)})
                    SELECT r.user_id, {', '.join('t.' + c for c in rest)}
                    FROM {table} t JOIN runners r ON r.user_id BETWEEN ? AND ?
                    WHERE t.runner_id = ?""",
                [FIRST_ID + 1, FIRST_ID + WITH_HISTORY - 1, FIRST_ID],
            )  # fmt: skip
        # a week of reminders already claimed (check-in, and the nudge where set)
        db.execute(
            """WITH RECURSIVE days(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM days WHERE n < ?)
               INSERT INTO reminder_log (runner_id, kind, local_date, created_at)
               SELECT r.user_id, k.kind, date(?, '-' || days.n || ' days'), ?
               FROM runners r, days, (SELECT 'checkin' AS kind UNION ALL SELECT 'nudge') k
               WHERE k.kind = 'checkin' OR r.nudge_hours IS NOT NULL""",
            [LOG_DAYS, BASE.date().isoformat(), created],
        )  # fmt: skip
        for c in range(COACHES):
            coach_id = COACH_FIRST_ID + c
            upsert_coach(db, coach_id, coach_id, f"Coach{c}")
            for k in range(WITH_HISTORY // COACHES):
                link_coach(db, coach_id, FIRST_ID + c * (WITH_HISTORY // COACHES) + k)
        for a in range(URGENT_UNSEEN):
            runner = FIRST_ID + a * (WITH_HISTORY // URGENT_UNSEEN)
            coach = COACH_FIRST_ID + (runner - FIRST_ID) // (WITH_HISTORY // COACHES)
            add_alert(db, runner, coach, "urgent", ("RF2",), "bone pain at rest",
                      at=BASE - dt.timedelta(days=1))  # fmt: skip
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.conn.close()
    partial.rename(path)
    return time.monotonic() - began




def fresh_copy(cached: Path, work: str) -> None:
    """The cached database as it was built (no reminder claimed today, empty outbox)."""
    for suffix in ("", "-wal", "-shm"):
        Path(work + suffix).unlink(missing_ok=True)
    shutil.copyfile(cached, work)


async def start_once(db: str) -> dict[str, float | None]:
    """One start of the real bot on a fresh copy: seconds to ready (setMyCommands), to the end
    of the first (catch-up) tick, to its first reminder sent; memory at ready and after it."""
    async with Sandbox() as sandbox:
        env = dict(os.environ, STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
                   STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, STRIDECOACH_LOG_LEVEL="INFO",
                   STRIDECOACH_LOG_FORMAT="text")  # fmt: skip
        env.pop("STRIDECOACH_WEBHOOK_URL", None)
        began = time.time()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, cwd=str(ROOT),
            stderr=asyncio.subprocess.PIPE)  # fmt: skip
        tick_done: list[float] = []

        async def read_log() -> None:  # the scheduler logs "tick queued N message(s)" at INFO
            assert proc.stderr is not None
            async for line in proc.stderr:
                if b"tick queued" in line and not tick_done:
                    tick_done.append(time.time() - began)

        reader = asyncio.create_task(read_log())
        try:
            while not sandbox.calls("setMyCommands"):
                if proc.returncode is not None:
                    raise RuntimeError(f"the bot exited with {proc.returncode}")
                await asyncio.sleep(0.005)
            ready = sandbox.calls("setMyCommands")[0].at - began
            rss_ready = status_kb(proc.pid, "VmRSS")
            deadline = time.monotonic() + 120
            while not (tick_done and sandbox.calls("sendMessage")) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            sent = sandbox.calls("sendMessage")
            await asyncio.sleep(1.0)
            return {"ready_s": ready, "rss_ready_mb": rss_ready / 1024,
                    "first_tick_done_s": tick_done[0] if tick_done else None,
                    "first_reminder_sent_s": sent[0].at - began if sent else None,
                    "rss_after_tick_mb": status_kb(proc.pid, "VmRSS") / 1024,
                    "peak_rss_mb": status_kb(proc.pid, "VmHWM") / 1024}  # fmt: skip
        finally:
            proc.terminate()
            await proc.wait()
            await reader


def import_seconds() -> float:
    """Process start → the bot's modules imported (the interpreter's exit not counted)."""
    began = time.time()
    code = "import bot.cli, bot.app, bot.webhook, bot.health, time; print(time.time())"
    done = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    return float(done) - began


def time_ticks(db_file: str, ticks: int) -> dict[str, dict[str, float]]:
    from dialogs import alerts, digest, reminders

    db = open_db(db_file)
    timings: dict[str, list[float]] = {"reminders": [], "alerts": [], "digest": [], "total": []}
    longest_batch = [0.0]

    def batched(db, now: dt.datetime) -> int:  # as bot/scheduler.py: a batch per database call
        queued, after = 0, 0
        while after is not None:
            began = time.perf_counter()
            count, after = reminders.tick_batch(db, now, reminders.GRACE, after)
            longest_batch[0] = max(longest_batch[0], time.perf_counter() - began)
            queued += count
        return queued

    queued: dict[str, list[int]] = {"reminders": [], "alerts": [], "digest": []}
    for minute in range(ticks + 1):
        now = BASE + dt.timedelta(minutes=minute)
        total = 0.0
        for name, tick in (("reminders", batched), ("alerts", alerts.resend_unseen),
                           ("digest", digest.tick)):  # fmt: skip
            began = time.perf_counter()
            queued[name].append(tick(db, now))
            took = time.perf_counter() - began
            timings[name].append(took)
            total += took
        timings["total"].append(total)
    db.conn.close()
    result = {}
    for name, values in timings.items():
        result[name] = {"catch_up_ms": round(values[0] * 1000, 1),
                        "steady_ms_median": round(statistics.median(values[1:]) * 1000, 1),
                        "steady_ms_max": round(max(values[1:]) * 1000, 1)}  # fmt: skip
        if name in queued:
            result[name]["queued_catch_up"] = queued[name][0]
            result[name]["queued_steady_median"] = statistics.median(queued[name][1:])
    # the longest the database thread (and so every runner's answer) waits for the tick
    result["reminders"]["longest_batch_ms"] = round(longest_batch[0] * 1000, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="bot starts (median)")
    parser.add_argument(
        "--ticks", type=int, default=5, help="steady ticks after the catch-up (median)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the cached database again")
    args = parser.parse_args()
    cached = db_path(args.runners)
    build_s = None
    if args.rebuild or not cached.exists():
        build_s = build(cached, args.runners)
    workdir = tempfile.mkdtemp(prefix="stridecoach-startup-run-")
    try:
        work = os.path.join(workdir, "bot.db")
        imports = [import_seconds() for _ in range(args.repeat)]
        starts = []
        for _ in range(args.repeat):
            fresh_copy(cached, work)  # each start catches up as after downtime
            starts.append(asyncio.run(start_once(work)))
        fresh_copy(cached, work)
        ticks = time_ticks(work, args.ticks)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def med(key: str) -> float | None:
        values = [s[key] for s in starts if s[key] is not None]
        return round(statistics.median(values), 3) if values else None

    ready = med("ready_s")
    rss_after = med("rss_after_tick_mb")
    print(json.dumps({
        "benchmark": "startup", "runners": args.runners, "with_year_of_checkins": WITH_HISTORY,
        "db_mb": round(cached.stat().st_size / 2**20, 1),
        "build_s": None if build_s is None else round(build_s, 1),
        "ready_s_median": ready, "ready_s_max": round(max(s["ready_s"] for s in starts), 3),
        "imports_s_median": round(statistics.median(imports), 3),
        "rss_ready_mb_median": med("rss_ready_mb"), "rss_after_first_tick_mb_median": rss_after,
        "peak_rss_mb_median": med("peak_rss_mb"),
        "first_tick_done_s_median": med("first_tick_done_s"),
        "first_reminder_sent_s_median": med("first_reminder_sent_s"),
        "tick": ticks,
        "targets_met": {"ready_lt_2s": ready is not None and ready < 2,
                        "rss_lt_150mb": rss_after is not None and rss_after < 150},
        "repeats": args.repeat, "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
