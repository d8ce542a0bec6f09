"""Check-in load: N runners doing morning check-ins at once against the real bot, and the same
load against a bare python-telegram-bot echo bot (benchmarks/echo_bot.py) for comparison.

Three processes: the Bot API sandbox (this script re-run with ``--role sandbox``: the
sandbox plus a recorder of when each update was handed out and when the bot answered), the
bot (``python -m bot.cli run``, later ``benchmarks/echo_bot.py``), and this script as the
load generator, acting as the runners over the sandbox's HTTP control API.

The runners (ids from 1,000,000) are seeded as onboarded, three weeks into their plan
(engine-made history, green), with reminders twelve hours away so none fires. A check-in is
``/checkin`` then a button per question (green answers) until the decision arrives; a
runner's second check-in of the day is a correction (``/checkin`` → "Correct today's
answers" → the questions again), which is the same work. Each bot gets three phases:

* ``alone``: one runner, three check-ins back to back — the bot's latency with no queue.
* ``saturated``: no pause between a reply and the next press — the most the bot can do;
  latency there is mostly queueing (N runners in flight).
* ``paced``: each runner reads for uniform(0.5, 1.5) × ``--think`` seconds before each
  press, like a person; with 500 runners and 2 s this offers about 230 updates/s. The
  latency target is judged here.
* ``paced_busy``: the paced load again while another process keeps one core busy (a bounded
  CPU loop this script starts before the phase and stops after it): the bot's latency on a
  machine it shares, against the echo bot's in the same phase.

Bot-side latency is measured from the sandbox's view (the bot runs in a process we do not
instrument): for each update, from the moment getUpdates handed it to the bot to

* ``first``: the bot's first Bot API call for it (an edit, a message, or the answer to
  that very button press; a late answerCallbackQuery of the previous press is not counted),
* ``reply``: the bot's next sendMessage or editMessageText in that chat (what the runner
  waits for: a button answer turns the question into the next one),
* ``done``: the later of ``reply`` and the answerCallbackQuery of that press.

stridecoach's own measure is reported beside it (``in_bot_p50/p95/p99_ms``): the difference
of its /healthz histogram (bot/ordering.py) over the window — from PTB handing an update to
the handler's end, replies sent — with no sandbox time in it, as bucket bounds.

The echo bot runs twice: on stridecoach's own HTTP layer (``echo``, what the ratios and the
3× target compare against: same transport, so the ratio is our handlers' cost) and on PTB's
default httpx one (``echo_httpx``, the truly bare bot; ``--skip-httpx-echo`` leaves it out).

It includes the bot's HTTP/JSON work and any wait in its own queues, not the time the update
sat in the sandbox (``tg_wait``: push → handed out, reported apart). CPU is utime + stime of
the bot process (all threads) from /proc/<pid>/stat over the measured window; peak RSS is
VmHWM from /proc/<pid>/status. Prints one JSON line.

    .venv/bin/python benchmarks/checkin_load.py [--runners 500] [--seconds 20] [--think 2]
        [--profile /tmp/bot-profile.txt]   # extra saturated phase under py-spy; summary to stderr
        [--bot-env KEY=VALUE]              # extra environment for both bots (experiments)
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime as dt
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procfs import cpu_seconds, machine_busy_seconds, status_kb  # noqa: E402

from bot.ordering import percentile_ms  # noqa: E402 - the path above first
from tests.e2e.harness import GREEN  # noqa: E402 - the green answers of the e2e tests

FIRST_ID = 1_000_000  # stridecoach's runners
ECHO_FIRST_ID = 3_000_000  # the echo bot's users (other chats, same sandbox)
BARE_FIRST_ID = 5_000_000  # the echo bot on PTB's default httpx transport
TOKEN = "1:BENCH"
HISTORY_DAYS = 21
NEXT_TIMEOUT = 60.0  # at saturation an answer waits behind every other runner's


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


# --- the sandbox process ------------------------------------------------------------------------


class Recorder:
    """Times, in the sandbox, when updates were pushed and handed out and when the bot called."""

    RESPONSES = ("sendmessage", "sendphoto", "senddocument", "editmessagetext",
                 "editmessagereplymarkup", "editmessagecaption", "deletemessage",
                 "answercallbackquery", "sendchataction")  # fmt: skip
    MESSAGES = ("sendmessage", "sendphoto", "senddocument", "editmessagetext")  # a reply: a
    # message, or (stridecoach's form) the pressed question turned into the next one

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.pushed: dict[int, float] = {}
        self.handed: dict[int, tuple[float, Any, str | None]] = {}  # id -> (t, chat, query id)
        self.calls: dict[Any, list[tuple[float, str, str | None]]] = defaultdict(list)

    def install(self) -> None:
        from bot.sandbox.methods import METHODS  # the dict the server dispatches from

        world = self.sandbox.world
        push = world.push_update

        def recorded_push(kind: str, payload: dict, chat_id: int) -> dict:
            update = push(kind, payload, chat_id)
            self.pushed[update["update_id"]] = time.monotonic()
            return update

        world.push_update = recorded_push
        get_updates = METHODS["getupdates"]

        async def recorded_get_updates(w: Any, p: Any) -> list[dict]:
            result = await get_updates(w, p)
            now = time.monotonic()
            for update in result:
                uid = update["update_id"]
                if uid not in self.handed:
                    query = update.get("callback_query")
                    self.handed[uid] = (now, w.update_chat.get(uid), query["id"] if query else None)
            return result

        METHODS["getupdates"] = recorded_get_updates
        for name in self.RESPONSES:
            if name in METHODS:
                METHODS[name] = self._wrap(name, METHODS[name])

    def _wrap(self, name: str, handler: Any) -> Any:
        async def recorded(w: Any, p: Any) -> Any:
            now = time.monotonic()
            if name == "answercallbackquery":
                qid = p.text("callback_query_id")
                query = w.callbacks.get(qid or "")
                chat = query.chat_id if query else None
            else:
                qid, chat = None, p.peek_chat_id()
            self.calls[chat].append((now, name, qid))
            return await handler(w, p)

        return recorded

    def timings(self, since: float, until: float) -> dict[str, Any]:
        first, reply, done, wait = [], [], [], []
        unanswered = 0
        for uid, (t, chat, qid) in self.handed.items():
            if not since <= t <= until:
                continue
            if uid in self.pushed:
                wait.append((t - self.pushed[uid]) * 1000)
            calls = self.calls.get(chat, [])
            start = bisect.bisect_left(calls, t, key=lambda c: c[0])
            t_first = t_reply = t_answer = None
            for at, method, call_qid in calls[start:]:
                if method == "answercallbackquery" and call_qid != qid:
                    continue  # the previous press's answer, arriving late
                if t_first is None:
                    t_first = at
                if t_reply is None and method in self.MESSAGES:
                    t_reply = at
                if method == "answercallbackquery":
                    t_answer = at
                if t_reply is not None and (qid is None or t_answer is not None):
                    break
            if t_first is None:
                unanswered += 1
                continue
            first.append((t_first - t) * 1000)
            if t_reply is not None:
                reply.append((t_reply - t) * 1000)
                done.append((max(t_reply, t_answer or 0.0) - t) * 1000)
        return {"updates": len(first) + unanswered, "unanswered": unanswered,
                "first": percentiles(first), "reply": percentiles(reply),
                "done": percentiles(done), "tg_wait": percentiles(wait),
                "first_mean": round(statistics.fmean(first), 2) if first else None}  # fmt: skip


async def serve_sandbox() -> None:
    from aiohttp import web

    from bot.sandbox import Sandbox

    sandbox = Sandbox(log_size=10_000)
    recorder = Recorder(sandbox)
    recorder.install()

    async def timings(request: web.Request) -> web.Response:
        since, until = float(request.query["since"]), float(request.query["until"])
        return web.json_response(recorder.timings(since, until))

    sandbox.app.router.add_get("/bench/timings", timings)
    async with sandbox:
        print(json.dumps({"url": sandbox.url, "bot_api_url": sandbox.bot_api_url, "pid": os.getpid()}),
              flush=True)  # fmt: skip
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


# --- the database ----------------------------------------------------------------------------


def seed(path: str, first_id: int, runners: int) -> None:
    """`runners` onboarded runners with three weeks of green history (the same history
    copied), their reminder twelve hours away and no nudge."""
    from protocols import Checkin, Day, Profile, decide
    from storage import migrate, open_db, save_checkin_and_decision, update_profile, upsert_runner

    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=HISTORY_DAYS)
    profile = Profile(site="tibia_posteromedial", sex="female", age=29, weight_kg=58,
                      pre_injury_weekly_minutes=300, walking_cleared=True, running_cleared=True,
                      start_stage="W1", start_date=start)  # fmt: skip
    days: list[Day] = []
    for n in range(HISTORY_DAYS):
        loaded = bool(days) and days[-1].decision.session.loading
        checkin = Checkin(
            date=start + dt.timedelta(days=n), pain_rest=0, night_pain=False,
            pain_session=0 if loaded else None, pain_morning=0, soreness_hours=4 if loaded else 0,
            tenderness=False, swelling=False, limp=False, hip_groin_pain=False,
            session_done="full" if loaded else None, sleep_hours=8, calcium_mg=1100,
            protein_g=100, weight_kg=58 if n % 7 == 0 else None,
            missed_cycles=0 if n % 7 == 0 else None,
        )  # fmt: skip
        days.append(Day(checkin, decide(profile, days, checkin)))
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).strftime("%H:%M")
    db = open_db(path)
    migrate(db)
    with db.atomic():
        upsert_runner(db, first_id, first_id, f"R{first_id}")
        update_profile(db, first_id, profile)
        for day in days:
            save_checkin_and_decision(db, first_id, day.checkin, day.decision)
        template = db.execute("SELECT * FROM runners WHERE user_id = ?", [first_id]).fetchone()
        names = [d[0] for d in db.execute("SELECT * FROM runners LIMIT 0").description]
        rows = []
        for uid in range(first_id + 1, first_id + runners):
            row = dict(zip(names, template, strict=True))
            row.update(user_id=uid, chat_id=uid, first_name=f"R{uid}")
            rows.append(list(row.values()))
        db.conn.executemany(f"INSERT INTO runners VALUES ({', '.join('?' * len(names))})", rows)
        for table in ("checkins", "decisions"):
            cols = [d[0] for d in db.execute(f"SELECT * FROM {table} LIMIT 0").description]
            rest = [c for c in cols if c != "runner_id"]
            db.execute(f"""INSERT INTO {table} (runner_id, {', '.join(rest)})
                           SELECT r.user_id, {', '.join('t.' + c for c in rest)} FROM {table} t JOIN runners r
                           ON r.user_id BETWEEN ? AND ? WHERE t.runner_id = ?""",
                       [first_id + 1, first_id + runners - 1, first_id])  # fmt: skip
        db.execute("UPDATE runners SET checkin_time = ?, nudge_hours = NULL", [later])
    db.conn.close()


# --- the load generator --------------------------------------------------------------------------


class Control:
    """The sandbox's HTTP control API, as the runners' phones."""

    def __init__(self, session: Any, url: str) -> None:
        self.session = session
        self.url = url + "/sandbox"

    async def send(self, uid: int, text: str) -> None:
        async with self.session.post(f"{self.url}/users/{uid}/send", json={"text": text}) as r:
            r.raise_for_status()

    async def press(self, uid: int, data: str) -> dict | None:
        """Press, and return the bot's reply: a new message, or the pressed one edited."""
        async with self.session.post(f"{self.url}/users/{uid}/press",
                                     json={"data": data, "wait": NEXT_TIMEOUT}) as r:  # fmt: skip
            r.raise_for_status()
            return (await r.json())["reply"]

    async def next(self, uid: int) -> dict | None:
        async with self.session.get(f"{self.url}/users/{uid}/next",
                                    params={"timeout": str(NEXT_TIMEOUT)}) as r:  # fmt: skip
            if r.status == 408:
                return None
            r.raise_for_status()
            return await r.json()

    async def stats(self) -> dict:
        async with self.session.get(f"{self.url}/stats") as r:
            return await r.json()


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]


def stridecoach_choice(message: dict, presses: int) -> str | None:
    """The button a green runner presses on this message; None: the check-in is over."""
    shown = buttons(message)
    question = [(label, data) for label, data in shown if data.startswith("f:checkin:")]
    if question:
        field = question[0][1].split(":")[2]
        wanted = GREEN.get(field)
        return next((data for label, data in question if label == wanted), question[0][1])
    if any(data == "checkin:correct" for _, data in shown):
        return "checkin:correct"
    return None


def echo_choice(per_checkin: int):
    def choose(message: dict, presses: int) -> str | None:
        shown = buttons(message)
        return shown[0][1] if shown and presses < per_checkin - 1 else None

    return choose


class Load:
    """Runners doing check-ins until told to stop."""

    def __init__(self, control: Control, ids: range, choose: Any, think: float, seed: int) -> None:
        self.control = control
        self.ids = ids
        self.choose = choose
        self.think = think
        self.rng = random.Random(seed)
        self.stopping = False
        self.completed: list[float] = []  # monotonic time of each finished check-in
        self.sizes: list[int] = []  # updates each finished check-in took
        self.rtts: list[tuple[float, float]] = []  # (press time, seconds to the next message)
        self.timeouts = 0
        self.errors: Counter[str] = Counter()

    async def runner(self, uid: int, spread: bool = True) -> None:
        if spread:
            await asyncio.sleep(self.rng.uniform(0, max(self.think, 0.5)))  # not all at once
        while not self.stopping:
            try:
                await self.control.send(uid, "/checkin")
                message = await self.control.next(uid)
                presses = 0
                while message is not None and not self.stopping:
                    data = self.choose(message, presses)
                    if data is None:
                        self.completed.append(time.monotonic())
                        self.sizes.append(1 + presses)
                        break
                    if self.think:
                        await asyncio.sleep(self.rng.uniform(0.5 * self.think, 1.5 * self.think))
                    began = time.monotonic()
                    message = await self.control.press(uid, data)
                    presses += 1
                    if message is not None:
                        self.rtts.append((began, time.monotonic() - began))
                if message is None:
                    self.timeouts += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - counted and reported, the runner goes on
                self.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.5)

    async def solo(self, checkins: int) -> tuple[float, float]:
        """One runner alone, `checkins` check-ins back to back: the bot's latency unqueued."""
        t0 = time.monotonic()
        task = asyncio.create_task(self.runner(self.ids[0], spread=False))
        while len(self.completed) < checkins and time.monotonic() - t0 < 120 and not task.done():
            await asyncio.sleep(0.01)
        t1 = time.monotonic()
        self.stopping = True
        await task
        return t0, t1

    async def run(self, warmup: float, seconds: float, pids: dict[str, int],
                  at_start: Any = None, histogram: Any = None) -> dict[str, Any]:  # fmt: skip
        tasks = [asyncio.create_task(self.runner(uid)) for uid in self.ids]
        await asyncio.sleep(warmup)
        if at_start is not None:
            await at_start()
        counts0 = await histogram() if histogram else None
        t0, cpu0, own0 = (
            time.monotonic(),
            {k: cpu_seconds(p) for k, p in pids.items()},
            time.process_time(),
        )
        busy0 = machine_busy_seconds()
        await asyncio.sleep(seconds)
        t1, cpu1, own1 = (
            time.monotonic(),
            {k: cpu_seconds(p) for k, p in pids.items()},
            time.process_time(),
        )
        busy1 = machine_busy_seconds()
        counts1 = await histogram() if histogram else None
        self.stopping = True
        _, pending = await asyncio.wait(tasks, timeout=NEXT_TIMEOUT + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        cpu = {k: cpu1[k] - cpu0[k] for k in pids}
        cpu["load_generator"] = own1 - own0
        cpu["other_processes"] = max(0.0, busy1 - busy0 - sum(cpu.values()))
        in_bot = [b - a for a, b in zip(counts0, counts1, strict=True)] if counts0 else None
        return {"t0": t0, "t1": t1, "cpu": cpu, "in_bot": in_bot,
                "completed": sum(1 for t in self.completed if t0 <= t <= t1),
                "updates_per_checkin": statistics.fmean(self.sizes) if self.sizes else None,
                "rtt_ms": percentiles([r * 1000 for at, r in self.rtts if t0 <= at <= t1])}  # fmt: skip


BURNER = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.asynccontextmanager
async def busy_core(seconds: float):
    """Another process keeping one core busy for at most `seconds` (stopped on leaving)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", BURNER.format(seconds=seconds))
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def fetch_timings(control: Control, sandbox: dict, since: float, until: float) -> dict:
    async with control.session.get(f"{sandbox['url']}/bench/timings",
                                   params={"since": str(since), "until": str(until)}) as r:  # fmt: skip
        return await r.json()


async def wait_ready(control: Control, method: str, proc: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"the bot exited with {proc.returncode} before it was ready")
        if (await control.stats())["by_method"].get(method):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not call {method} within {timeout}s")


async def profile_bot(pid: int, seconds: float, out: str) -> asyncio.subprocess.Process:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    return await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--format", "raw", "--output", out,
        "--duration", str(int(seconds)), "--rate", "200", "--threads", "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


# py-spy names files relative to their sys.path entry; bot/cli.py is only the entry point.
OUR_PACKAGES = ("bot/", "dialogs/", "storage/", "protocols/")
NOT_HOT = ("bot/cli.py", "bot/sandbox/")


def profile_summary(path: str, top: int = 25) -> str:
    """Where the sampled time went: per thread, per our function (inclusive), and each
    sample charged to the innermost frame of our code (the library work it asked for)."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        threads[frames[0]] += n
        ours = []
        for frame in frames[1:]:
            name, _, where = frame.partition(" (")
            where = where.removeprefix(str(ROOT) + "/")
            if where.startswith(OUR_PACKAGES) and not where.startswith(NOT_HOT):
                ours.append(f"{name} ({where.split(':')[0]})")
        for name in set(ours):
            inclusive[name] += n
        innermost[ours[-1] if ours else "(not in our code: PTB, httpx, asyncio, idle loop)"] += n
    lines = [f"py-spy: {total} samples"]
    lines += [f"  thread {t}: {100 * n / total:.1f}%" for t, n in threads.most_common()]
    lines.append("inclusive, our functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("innermost frame of our code (what it spent, libraries included):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in innermost.most_common(top)]
    return "\n".join(lines)


def phase_figures(run: dict, timings: dict, seconds: float) -> dict[str, Any]:
    updates = timings["updates"]
    cpu = run["cpu"]
    return {
        "updates_per_s": round(updates / seconds, 1),
        # a check-in is many updates and takes long at saturation: its rate is the update rate
        # ÷ updates per finished check-in (counted by the runners, else as the lone runner's)
        "checkins_per_s": round(updates / seconds / run["updates_per_checkin"], 2) if run["updates_per_checkin"] else None,
        "updates_per_checkin": round(run["updates_per_checkin"], 2) if run["updates_per_checkin"] else None,
        "checkins_finished_in_window": run["completed"],
        "p50_ms": timings["first"]["p50"], "p95_ms": timings["first"]["p95"],
        "p99_ms": timings["first"]["p99"], "mean_ms": timings["first_mean"],
        "reply_p95_ms": timings["reply"]["p95"], "done_p95_ms": timings["done"]["p95"],
        "tg_wait_p95_ms": timings["tg_wait"]["p95"],
        "runner_rtt_p95_ms": run["rtt_ms"]["p95"],
        "bot_cpu_ms_per_update": round(1000 * cpu["bot"] / updates, 3) if updates else None,
        # the ceiling if the bot had one core to itself (its loop is single-threaded)
        "updates_per_bot_cpu_s": round(updates / cpu["bot"]) if cpu["bot"] else None,
        "bot_cpu_ms_per_checkin": round(1000 * cpu["bot"] / updates * run["updates_per_checkin"], 1) if updates and run["updates_per_checkin"] else None,
        "bot_cores": round(cpu["bot"] / seconds, 2),
        "sandbox_cores": round(cpu["sandbox"] / seconds, 2),
        "load_generator_cores": round(cpu["load_generator"] / seconds, 2),
        "other_processes_cores": round(cpu["other_processes"] / seconds, 2),  # machine noise
        **({"burner_cores": round(cpu["burner"] / seconds, 2)} if "burner" in cpu else {}),
        "unanswered": timings["unanswered"],
        # the bot's own measure (its /healthz histogram, bucket bounds): PTB handing the update
        # over → handler done, replies sent; no sandbox time in it
        **({f"in_bot_p{q}_ms": percentile_ms(run["in_bot"], q / 100) for q in (50, 95, 99)}
           if run.get("in_bot") else {}),
    }  # fmt: skip


async def measure_bot(name: str, command: list[str], ready_method: str, ids: range, choose: Any,
                      args: argparse.Namespace, control: Control, sandbox: dict,
                      env: dict[str, str], health_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    proc = await asyncio.create_subprocess_exec(*command, env=env, cwd=str(ROOT),
                                                stderr=asyncio.subprocess.PIPE)  # fmt: skip
    log_tail: list[bytes] = []

    async def drain() -> None:  # keep the bot's stderr flowing; remember the end
        assert proc.stderr is not None
        async for line in proc.stderr:
            log_tail.append(line)
            del log_tail[:-20]

    drainer = asyncio.create_task(drain())
    result: dict[str, Any] = {}
    try:
        await wait_ready(control, ready_method, proc)
        pids = {"bot": proc.pid, "sandbox": sandbox["pid"]}
        solo = Load(control, ids, choose, 0.0, seed=99)
        t0, t1 = await solo.solo(3)
        await asyncio.sleep(0.3)
        timings = await fetch_timings(control, sandbox, t0, t1)
        size = statistics.fmean(solo.sizes) if solo.sizes else None
        result["alone"] = {"updates_per_checkin": round(size, 2) if size else None,
                           "p50_ms": timings["first"]["p50"], "p95_ms": timings["first"]["p95"],
                           "reply_p50_ms": timings["reply"]["p50"], "reply_p95_ms": timings["reply"]["p95"],
                           "done_p95_ms": timings["done"]["p95"],
                           "checkin_s": round((t1 - t0) / len(solo.sizes), 2) if solo.sizes else None}  # fmt: skip
        phases = [("saturated", 0.0), ("paced", args.think)]
        if not args.skip_busy:
            phases.append(("paced_busy", args.think))
        if args.phases:
            phases = [(p, t) for p, t in phases if p in args.phases.split(",")]
        if args.profile:
            phases.append(("profile", args.think if args.profile_paced else 0.0))
        profile_out = args.profile and (args.profile if name == "stridecoach" else
                                        str(Path(args.profile).with_suffix(f".{name}.txt")))  # fmt: skip
        spies: list[asyncio.subprocess.Process] = []

        async def start_spy() -> None:  # py-spy on the bot once the warm-up is over
            spies.append(await profile_bot(proc.pid, args.seconds, profile_out))

        async def histogram() -> list[int]:  # stridecoach's bot-side times, from /healthz
            async with control.session.get(health_url) as response:
                return (await response.json())["updates"]["counts"]

        histogram = histogram if health_url else None
        for n, (phase, think) in enumerate(phases):
            load = Load(control, ids, choose, think, seed=n)
            if phase == "profile":
                await load.run(args.warmup, args.seconds, pids, start_spy)
                await spies[0].wait()
                print(
                    f"--- {name}: {profile_out}\n" + profile_summary(profile_out), file=sys.stderr
                )
                continue
            if phase == "paced_busy":
                async with busy_core(args.warmup + args.seconds + 30) as burner:
                    run = await load.run(args.warmup, args.seconds,
                                         {**pids, "burner": burner.pid}, histogram=histogram)  # fmt: skip
            else:
                run = await load.run(args.warmup, args.seconds, pids, histogram=histogram)
            await asyncio.sleep(0.5)
            timings = await fetch_timings(control, sandbox, run["t0"], run["t1"])
            run["updates_per_checkin"] = (
                size  # a phase's own count mixes in check-ins resumed mid-form
            )
            result[phase] = phase_figures(run, timings, run["t1"] - run["t0"])
            result[phase].update(timeouts=load.timeouts, errors=sum(load.errors.values()))
            if load.errors:
                print(f"{name} {phase}: runner errors {dict(load.errors)}", file=sys.stderr)
        result["peak_rss_mb"] = round(status_kb(proc.pid, "VmHWM") / 1024, 1)
        if os.environ.get("BENCH_DEBUG"):
            async with control.session.get(f"{control.url}/users/{ids[0]}/messages") as r:
                for m in (await r.json())[-40:]:
                    print(
                        f"{m['message_id']}: {m.get('text', '')[:70]!r} {m['buttons']}",
                        file=sys.stderr,
                    )
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await drainer
        errors = [line for line in log_tail if b"ERROR" in line or b"Traceback" in line]
        if errors or os.environ.get("BENCH_DEBUG"):
            sys.stderr.write(
                f"--- {name} log tail ---\n" + b"".join(log_tail).decode(errors="replace")
            )
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def ratios_to(ours: dict, echo: dict) -> dict[str, float | None]:
    sat, paced = ours["saturated"], ours["paced"]
    return {
        "cpu_per_update_saturated": ratio(sat["bot_cpu_ms_per_update"], echo["saturated"]["bot_cpu_ms_per_update"]),
        "cpu_per_update_paced": ratio(paced["bot_cpu_ms_per_update"], echo["paced"]["bot_cpu_ms_per_update"]),
        "updates_per_s_saturated": ratio(sat["updates_per_s"], echo["saturated"]["updates_per_s"]),
        "p95_paced": ratio(paced["p95_ms"], echo["paced"]["p95_ms"]),
        "p95_paced_busy": ratio(ours.get("paced_busy", {}).get("p95_ms"),
                                echo.get("paced_busy", {}).get("p95_ms")),
        "peak_rss": ratio(ours["peak_rss_mb"], echo["peak_rss_mb"]),
    }  # fmt: skip


async def main(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    workdir = tempfile.mkdtemp(prefix="stridecoach-load-")
    db = os.path.join(workdir, "load.db")
    began = time.monotonic()
    seed(db, FIRST_ID, args.runners)
    seed_s = time.monotonic() - began
    sandbox_proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--role", "sandbox", cwd=str(ROOT), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert sandbox_proc.stdout is not None
        sandbox = json.loads(await asyncio.wait_for(sandbox_proc.stdout.readline(), 30))
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=NEXT_TIMEOUT + 15)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            control = Control(session, sandbox["url"])
            base_env = {**os.environ, "STRIDECOACH_TOKEN": TOKEN, "STRIDECOACH_DB": db,
                        "STRIDECOACH_BOT_API_URL": sandbox["bot_api_url"],
                        "STRIDECOACH_LOG_LEVEL": args.log_level}  # fmt: skip
            base_env.pop("STRIDECOACH_WEBHOOK_URL", None)
            base_env.update(item.split("=", 1) for item in args.bot_env)
            port = free_port()
            ours = echo = None
            if args.only != "echo":
                ours = await measure_bot(
                    "stridecoach", [sys.executable, "-m", "bot.cli", "run"], "setMyCommands",
                    range(FIRST_ID, FIRST_ID + args.runners), stridecoach_choice, args, control,
                    sandbox, {**base_env, "STRIDECOACH_HEALTH_PORT": str(port)},
                    f"http://127.0.0.1:{port}/healthz")  # fmt: skip
            per_checkin = round((ours or {}).get("alone", {}).get("updates_per_checkin") or 15)
            echo_cmd = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]
            if args.only != "stridecoach":
                echo = await measure_bot(
                "echo", echo_cmd, "getUpdates",
                    range(ECHO_FIRST_ID, ECHO_FIRST_ID + args.runners), echo_choice(per_checkin),
                    args, control, sandbox, {**base_env, "ECHO_TRANSPORT": "aiohttp"})  # fmt: skip
            bare = None
            if not args.skip_httpx_echo and args.only is None:
                bare = await measure_bot(
                    "echo_httpx", echo_cmd, "getUpdates",
                    range(BARE_FIRST_ID, BARE_FIRST_ID + args.runners),
                    echo_choice(per_checkin), args, control, sandbox,
                    {**base_env, "ECHO_TRANSPORT": "httpx"})  # fmt: skip
    finally:
        sandbox_proc.send_signal(signal.SIGTERM)
        await sandbox_proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    if ours is None or echo is None:
        return {"benchmark": "checkin_load", "runners": args.runners, "seconds": args.seconds,
                "stridecoach": ours, "echo": echo}  # fmt: skip
    sat, paced = ours["saturated"], ours["paced"]
    ratios = ratios_to(ours, echo)
    targets = {
        "updates_per_s_ge_200": sat["updates_per_s"] >= 200,
        "p95_lt_20ms_paced": paced["p95_ms"] is not None and paced["p95_ms"] < 20,
        "in_bot_p95_le_20ms_paced": (paced.get("in_bot_p95_ms") or math.inf) <= 20,
        "cpu_per_update_le_3x_echo": ratios["cpu_per_update_saturated"] is not None
        and ratios["cpu_per_update_saturated"] <= 3,
        "p95_paced_busy_le_3x_echo": ratios["p95_paced_busy"] is not None
        and ratios["p95_paced_busy"] <= 3,
    }
    return {"benchmark": "checkin_load", "runners": args.runners, "seconds": args.seconds,
            "think_s": args.think, "cores": os.cpu_count(), "seed_s": round(seed_s, 1),
            "stridecoach": ours, "echo": echo, "echo_httpx": bare, "ours_over_echo": ratios,
            "ours_over_echo_httpx": ratios_to(ours, bare) if bare else None,
            "targets_met": targets}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument(
        "--warmup", type=float, default=4, help="unmeasured seconds before each phase"
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a runner reads (paced phase)"
    )
    parser.add_argument(
        "--log-level", default="INFO", help="the bots' log level (INFO as deployed)"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="py-spy raw profile of the bot in an extra phase (saturated unless --profile-paced)",
    )
    parser.add_argument(
        "--profile-paced",
        action="store_true",
        help="profile a paced phase (--think) instead of a saturated one",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for both bots (experiments, e.g. PYTHONPATH=...)",
    )
    parser.add_argument(
        "--skip-httpx-echo",
        action="store_true",
        help="do not also measure the echo bot on PTB's default httpx transport",
    )
    parser.add_argument(
        "--skip-busy",
        action="store_true",
        help="leave out the paced phase with one core kept busy by another process",
    )
    parser.add_argument(
        "--phases",
        metavar="LIST",
        help="run only these of saturated,paced,paced_busy (experiments; alone always runs)",
    )
    parser.add_argument(
        "--only",
        choices=("stridecoach", "echo"),
        help="measure one bot only (experiments; no ratios)",
    )
    parser.add_argument(
        "--role", choices=("load", "sandbox"), default="load", help=argparse.SUPPRESS
    )
    cli = parser.parse_args()
    if cli.role == "sandbox":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_sandbox())
    else:
        print(json.dumps(asyncio.run(main(cli))))
