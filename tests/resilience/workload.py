"""A mixed workload against the real bot (`python -m bot.cli run`, a subprocess) through the
sandbox, for the kill-and-restart test, the Bot API fault test and benchmarks/crash.py.

Who takes part, all seeded straight into the database before the first start (in a zone where
it is about 13:00, so no run crosses a local midnight, the Sunday summary or the Monday digest):
- check-in runners: each does today's check-in, by buttons and some typed answers, thinking a
  little between answers; every few answer a red flag (night pain); most are linked to the coach;
- reminder runners: their check-in time is this minute (or a later one, in waves), so the
  bot's 1-second tick queues their "Good morning" reminder in the outbox;
- one coach: presses "Seen" on every urgent alert and puts a few green runners on /hold.

People behave like people when the bot does not answer: what they send while it is down waits
in the sandbox's update queue; after `patience` seconds without a reply they send their answer
again (tap the same button, or retype an answer that carries its unit — "7h30", "1200 mg",
"100 g", "61 kg" — which no other question accepts, so a repeat can never be taken for the next
question), and otherwise send /checkin to see where they are.

`run_scenario` returns a `Report`: answers acknowledged and then lost (must be 0), stored answers
the runner never gave (must be 0), reminders, alerts and coach notices not delivered (must be
0), and duplicates.

Its parts: who takes part and what they will answer (cast.py), the bot as a subprocess
(botprocess.py), the people's behaviour (people.py) and the counting (counting.py).
"""

from __future__ import annotations

from tests.resilience.botprocess import BotProcess
from tests.resilience.cast import (
    COACH_ID,
    COACH_NAME,
    FAULT_OUTCOMES,
    OUTBOX_CONCURRENCY,
    REMINDER_FIRST,
    Plan,
    make_plans,
    midday_zone,
    seed,
)
from tests.resilience.counting import Delivery, count
from tests.resilience.people import CheckinLog, Coach, Runner

__all__ = ["FAULT_OUTCOMES", "OUTBOX_CONCURRENCY", "Report", "Scenario", "crash_scenario",
           "run_scenario"]  # fmt: skip

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.sandbox import Faults, Sandbox


@dataclass
class Scenario:
    kills: int = 12
    checkin_runners: int = 10
    red_every: int = 3
    reminder_runners: int = 150
    reminder_waves: int = 0  # more reminder runners due 1, 2, … minutes after the start
    holds: int = 2
    patience: float = 5.0  # seconds a person waits for a reply before sending again
    seed: int = 7
    outbox_rate: float = 50
    faults: Faults | None = None
    kill_after: tuple[float, float] = (0.1, 1.6)  # seconds after the bot is ready
    startup_kills: float = 0.2  # share of kills at a random moment of start-up instead
    aimed_kills: float = 0.4  # share of kills just after the bot took updates: mid-handling
    final_timeout: float = 60.0  # after the last start, for everything to be delivered
    settle: float = 1.0  # quiet seconds at the end, for late duplicates to show


def crash_scenario(kills: int) -> Scenario:
    """The kill-and-restart workload, scaled to the number of kills (12 in CI, 100 for
    CRASH_KILLS=100 and benchmarks/crash.py); each cycle takes about 3 s."""
    return Scenario(
        kills=kills, checkin_runners=max(10, kills), reminder_runners=150 + 4 * kills,
        reminder_waves=max(0, int(kills * 3 / 60) - 1), holds=max(2, kills // 10),
    )  # fmt: skip


@dataclass
class Report:
    kills: int = 0
    starts: int = 0
    seconds: float = 0.0
    checkins: int = 0
    checkins_done: int = 0
    answers_acked: int = 0
    answers_lost: int = 0  # acknowledged, then not in the stored check-in or draft
    answers_inconsistent: int = 0  # stored but never given by the runner
    # a question shown again after a later one: a lost answer when messages land in order (no
    # kill reorders them); with slow-answer faults a late message can land after a newer one
    regressions: int = 0
    runner_resends: int = 0
    coach_resends: int = 0
    alerts: int = 0
    alerts_lost: int = 0
    alert_duplicates: int = 0
    reminders: int = 0
    reminders_lost: int = 0
    reminder_duplicates: int = 0
    notices: int = 0  # the coach's "seen" and "on hold" notices to runners
    notices_lost: int = 0
    notice_duplicates: int = 0
    coach_actions_lost: int = 0  # acknowledged to the coach, not in the audit log
    outbox: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)  # Bot API calls by outcome, but "ok"
    faults_by_method: dict[str, int] = field(default_factory=dict)  # injected faults only
    api_errors: dict[str, int] = field(default_factory=dict)  # the bot's calls Telegram refused
    errors: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return (self.answers_lost + self.answers_inconsistent + self.alerts_lost
                + self.reminders_lost + self.notices_lost + self.coach_actions_lost)  # fmt: skip

    @property
    def duplicates(self) -> int:
        return self.alert_duplicates + self.reminder_duplicates + self.notice_duplicates

    def json_line(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("details")
        data.update(lost=self.lost, duplicates=self.duplicates)
        return json.dumps(data, ensure_ascii=False)


async def run_scenario(workdir: Path, sc: Scenario) -> Report:
    rng = random.Random(sc.seed)
    started = time.monotonic()
    zone = midday_zone(dt.datetime.now(dt.UTC))
    today = dt.datetime.now(ZoneInfo(zone)).date()
    plans = make_plans(sc.checkin_runners, sc.red_every, random.Random(rng.random()))
    reminder_ids = list(range(REMINDER_FIRST, REMINDER_FIRST + sc.reminder_runners))
    per_wave = len(reminder_ids) // (sc.reminder_waves + 1)
    waves = {(-1 if w == 0 else w): reminder_ids[w * per_wave:(w + 1) * per_wave if w < sc.reminder_waves else None]
             for w in range(sc.reminder_waves + 1)}  # fmt: skip
    last_due = time.monotonic() + 60 * sc.reminder_waves
    db_path = str(workdir / "bot.db")
    numbers = seed(db_path, zone, plans, waves)

    async with Sandbox(faults=sc.faults) as sandbox:
        bot = BotProcess(sandbox, db_path, workdir / "bot.log", sc.outbox_rate)
        runners = {p.user_id: Runner(sandbox.user(p.user_id, p.name), p, sc.patience,
                                     random.Random(rng.random())) for p in plans}  # fmt: skip
        for uid in reminder_ids:
            sandbox.user(uid, f"M{uid}")
        coach = Coach(sandbox.user(COACH_ID, COACH_NAME), plans, numbers, sc.patience)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + sc.kills * 10 + sc.final_timeout + 120

        async def runner_task(i: int, runner: Runner) -> CheckinLog:
            await bot.wait_started(1 + i * sc.kills // len(runners))
            await asyncio.sleep(runner.rng.uniform(0, 1.5 if sc.kills else 3.0))
            try:
                return await runner.check_in(deadline)
            except Exception as exc:  # noqa: BLE001 - reported, the others go on
                runner.log.error = f"{type(exc).__name__}: {exc}"
                return runner.log

        async def hold_task(plan: Plan, at_start: int) -> None:
            await bot.wait_started(at_start)
            await asyncio.sleep(rng.uniform(0, 2.0))
            await coach.hold(plan.user_id, plan.name)

        async def chaos() -> None:
            kill_rng = random.Random(rng.random())
            for _ in range(sc.kills):
                await bot.spawn()
                draw = kill_rng.random()
                if draw < sc.startup_kills:
                    await asyncio.sleep(kill_rng.uniform(0.3, 2.5))  # a random moment of start-up
                else:
                    await bot.wait_ready()
                    await asyncio.sleep(kill_rng.uniform(*sc.kill_after))
                    if draw < sc.startup_kills + sc.aimed_kills and await bot.taking_updates(2.0):
                        await asyncio.sleep(kill_rng.uniform(0, 0.04))  # while handling them
                await bot.kill()
            await bot.start()

        greens = [p for p in plans if p.coached and not p.red]
        held = rng.sample(greens, min(sc.holds, len(greens)))
        runner_tasks = [
            asyncio.create_task(runner_task(i, r)) for i, r in enumerate(runners.values())
        ]
        hold_tasks = [asyncio.create_task(hold_task(p, rng.randint(1, sc.kills + 1))) for p in held]
        watcher = asyncio.create_task(coach.watch_alerts())
        report = Report(checkins=len(plans), reminders=len(reminder_ids))
        try:
            await chaos()
            final = loop.time() + max(sc.final_timeout, last_due - time.monotonic() + 30)
            checker = Delivery(sandbox, coach, runners, reminder_ids, db_path)
            while not checker.complete(runner_tasks, hold_tasks):
                if loop.time() > final:
                    report.errors.append("not everything was delivered in time: " + checker.missing)
                    break
                await sandbox.world.changed.wait(0.5)
            with contextlib.suppress(TimeoutError):
                await sandbox.wait_idle(quiet=sc.settle, timeout=sc.settle + 15)
        finally:
            await bot.kill(count=False)
            watcher.cancel()
            for task in [*runner_tasks, *hold_tasks]:
                task.cancel()
            results = await asyncio.gather(
                *runner_tasks, *hold_tasks, watcher, return_exceptions=True
            )
        logs = [r for r in results[: len(runner_tasks)] if isinstance(r, CheckinLog)]
        report.kills, report.starts = bot.kills, bot.starts
        report.faults = {k: v for k, v in sandbox.stats()["by_outcome"].items() if k != "ok"}
        faulted = [c.method for c in sandbox.calls() if c.outcome in FAULT_OUTCOMES]
        report.faults_by_method = dict(Counter(faulted))
        report.api_errors = dict(
            Counter(f"{c.method}: {c.description}" for c in sandbox.calls(outcome="error"))
        )
        count(report, logs, coach, sandbox, reminder_ids, db_path, today)
        report.seconds = round(time.monotonic() - started, 1)
        if report.errors:
            report.details.append("bot log:\n" + bot.log_tail())
        return report


