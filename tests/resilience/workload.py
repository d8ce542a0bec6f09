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
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox import BotMessage, ButtonNotFound, Faults, Sandbox, SandboxUser
from dialogs import checkin as checkin_form
from dialogs.forms import FormContext
from dialogs.handlers import SORRY
from protocols import Profile
from storage import (
    get_checkin,
    link_coach,
    load_draft,
    migrate,
    open_db,
    set_checkin_time,
    set_nudge_hours,
    update_profile,
    upsert_coach,
    upsert_runner,
)
from storage.coaches import squad
from tests.e2e.harness import GREEN, question_of

TOKEN = "123456:RESILIENCE"
ROOT = Path(__file__).resolve().parents[2]
COACH_ID, COACH_NAME = 9_500, "Kay"
CHECKIN_FIRST = 20_000
REMINDER_FIRST = 500_000
OUTBOX_CONCURRENCY = 16  # OutboxSender's max_concurrency: requests in flight at most

ORDER = tuple(q.id for q in checkin_form.QUESTIONS)  # the check-in's questions, in order
MORNING = "Good morning"
ALREADY = "You have already checked in today"
SEEN_NOTICE = f"Your coach {COACH_NAME} has seen your alert"
HOLD_NOTICE = f"{COACH_NAME} is keeping your plan on hold"
SEEN_TOAST = "seen"  # "Marked as seen; …" or "Already marked as seen."
FAULT_OUTCOMES = ("error_5xx", "slow", "drop", "retry_after")  # what the sandbox injects
THINK = (0.1, 0.6)  # seconds a person takes to answer a question


# --- who takes part ----------------------------------------------------------------------------


def midday_zone(now: dt.datetime) -> str:
    """An IANA zone (Etc/GMT±N) where it is about 13:00 at `now`."""
    offset = (13 - now.astimezone(dt.UTC).hour) % 24
    if offset > 12:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


@dataclass
class Plan:
    """A check-in runner and what they will answer (a button label, or "type:…" to type it)."""

    user_id: int
    name: str
    answers: dict[str, str]
    red: bool
    coached: bool
    female: bool
    weekly: bool  # onboarded 10 days ago: the weekly weight question is asked


def make_plans(count: int, red_every: int, rng: random.Random) -> list[Plan]:
    plans = []
    for i in range(count):
        red = i % red_every == 0
        answers = dict(GREEN)
        answers.update(
            night_pain="Yes" if red else "No",
            pain_morning=rng.choice(("0", "1")),
            sleep_hours=rng.choice(("7", "8", "9+", "type:7h30")),
            calcium_mg=rng.choice(("2", "3", "5+", "type:1200 mg")),
            protein_g=rng.choice(("3", "4", "type:100 g")),
            weight_kg=rng.choice(("Skip", "type:61 kg")),
        )
        # any bone sign not green: "Something's not right", then one by one
        bones_green = all(answers[f] == GREEN[f] for f in BONE_FIELDS)
        answers["bones"] = GREEN["bones"] if bones_green else "Something's not right"
        uid = CHECKIN_FIRST + i
        plans.append(Plan(uid, f"R{uid}", answers, red, coached=red or i % 4 != 3,
                          female=i % 2 == 0, weekly=i % 3 != 1))  # fmt: skip
    return plans


BONE_FIELDS = ("pain_rest", "night_pain", "pain_morning", "tenderness", "swelling", "limp",
               "hip_groin_pain")  # fmt: skip


def expected_value(plan: Plan, name: str) -> Any:
    """What the form stores for the runner's answer to `name` (the form's own parser)."""
    if name in BONE_FIELDS and plan.answers["bones"] == GREEN["bones"]:
        return expected_green(name)  # recorded green by "All clear"
    text = plan.answers[name].removeprefix("type:")
    ctx = FormContext(
        plan.user_id, plan.user_id, plan.name, dt.date.today(), dt.datetime.now(dt.UTC)
    )
    return checkin_form.FORM.question(name).read(text, ctx)


def expected_green(name: str) -> Any:
    ctx = FormContext(0, 0, "", dt.date.today(), dt.datetime.now(dt.UTC))
    return checkin_form.FORM.question(name).read(GREEN[name], ctx)


def stored_values(values: dict, answers: dict) -> dict:
    """A stored check-in (or draft) as the form's question ids: "bones" and "session" are
    one answer each for several fields."""
    out = dict(values)
    if "bones" not in out and all(k in values for k in BONE_FIELDS):
        out["bones"] = all(values[k] == expected_green(k) for k in BONE_FIELDS)
    done = values.get("session_done")
    if "session" not in out and done is not None:
        pain = values.get("pain_session")
        out["session"] = "none" if done == "none" else f"{done}:{'0' if pain == 0 else '?'}"
    return out


def profile(start: dt.date, sex: str) -> Profile:
    return Profile(site="fibula", sex=sex, weight_kg=60, pre_injury_weekly_minutes=180,
                   walking_cleared=True, start_stage="W1", start_date=start)  # fmt: skip


def seed(path: str, zone: str, plans: list[Plan], waves: dict[int, list[int]]) -> dict[int, int]:
    """The coach, the check-in runners (reminders 4 h away, no nudge) and the reminder runners
    (due `minutes` from now, per wave); returns the coach's athlete numbers by runner id."""
    db = open_db(path)
    migrate(db)
    now = dt.datetime.now(ZoneInfo(zone))
    later = f"{now + dt.timedelta(hours=4):%H:%M}"
    with db.atomic():
        upsert_coach(db, COACH_ID, COACH_ID, COACH_NAME, tz=zone)
        for plan in plans:
            upsert_runner(db, plan.user_id, plan.user_id, plan.name, tz=zone)
            start = now.date() - dt.timedelta(days=10 if plan.weekly else 3)
            update_profile(db, plan.user_id, profile(start, "female" if plan.female else "male"))
            set_checkin_time(db, plan.user_id, later)
            set_nudge_hours(db, plan.user_id, None)
            if plan.coached:
                link_coach(db, COACH_ID, plan.user_id)
        for minutes, uids in waves.items():
            at = f"{now + dt.timedelta(minutes=minutes):%H:%M}"
            for uid in uids:
                upsert_runner(db, uid, uid, f"M{uid}", tz=zone)
                update_profile(db, uid, profile(now.date() - dt.timedelta(days=3), "male"))
                set_checkin_time(db, uid, at)
                set_nudge_hours(db, uid, None)
    numbers = {r.user_id: n for n, r in squad(db, COACH_ID)}
    db.conn.close()
    return numbers


# --- the bot as a subprocess -------------------------------------------------------------------


class BotProcess:
    """`python -m bot.cli run` against the sandbox; started, killed hard and started again."""

    def __init__(self, sandbox: Sandbox, db: str, log_path: Path, outbox_rate: float):
        self.sandbox = sandbox
        self.env = dict(os.environ, STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
                        STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, STRIDECOACH_TICK_SECONDS="1",
                        STRIDECOACH_OUTBOX_RATE=str(outbox_rate), STRIDECOACH_LOG_LEVEL="WARNING",
                        STRIDECOACH_LOG_FORMAT="text")  # fmt: skip
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = self.ready = self.kills = 0
        self._registered = 0

    def _commands_set(self) -> int:
        return self.sandbox.log.by_method["setMyCommands"]  # the bot's last start-up step

    async def spawn(self) -> None:
        self._registered = self._commands_set()
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1} at {time.time():.3f}\n".encode())
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=self.env, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self.starts += 1

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self._commands_set() <= self._registered:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start (exit {self.proc.returncode}):\n"
                                     + self.log_tail())  # fmt: skip
            await asyncio.sleep(0.05)
        self.ready += 1

    async def start(self) -> None:
        await self.spawn()
        await self.wait_ready()

    async def kill(self, *, count: bool = True) -> None:
        """SIGKILL: no shutdown code runs at all."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += count
        if self.proc is not None:
            await self.proc.wait()

    async def taking_updates(self, timeout: float) -> bool:
        """Wait until the bot confirms updates it fetched (its next getUpdates drops them from
        the queue): it is handling them right now. False if none came within `timeout`."""
        world = self.sandbox.world
        deadline = time.monotonic() + timeout
        if not await world.updates_changed.wait_until(lambda: bool(world.updates), timeout):
            return False
        left = deadline - time.monotonic()
        return await world.updates_changed.wait_until(lambda: not world.updates, max(left, 0))

    async def wait_started(self, count: int) -> None:
        """Until the bot has been started `count` times (ready or not)."""
        while self.starts < count:
            await asyncio.sleep(0.05)

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""


# --- the people ----------------------------------------------------------------------------------


def is_decision(text: str) -> bool:
    """The reply to a finished check-in (or "Show today's plan"): it has a Next paragraph
    (milestones and a way out may follow it)."""
    return any(part.startswith("Next: ") for part in text.split("\n\n"))


def shown(user: SandboxUser, first: int) -> tuple[int, int]:
    """What the bot has shown `user` since message `first`: messages, and edits of them."""
    messages = user.messages[first:]
    return len(messages), sum(len(m.history) for m in messages)


def moved(user: SandboxUser, first: int, state: tuple[int, int]) -> bool:
    return shown(user, first) != state


def field_index(message: BotMessage) -> int | None:
    name = question_of(message)
    return None if name is None else ORDER.index(name)


@dataclass
class CheckinLog:
    plan: Plan
    answered: Counter[str] = field(default_factory=Counter)  # answers sent, per question
    acked: set[str] = field(default_factory=set)  # answers the bot moved on from
    regressions: list[str] = field(default_factory=list)  # asked again after moving on
    resends: int = 0
    done: bool = False
    error: str | None = None


class Runner:
    """A runner doing today's check-in as a person would, against a bot that may vanish."""

    def __init__(self, user: SandboxUser, plan: Plan, patience: float, rng: random.Random):
        self.user, self.plan, self.patience, self.rng = user, plan, patience, rng
        self.log = CheckinLog(plan)

    async def check_in(self, deadline: float) -> CheckinLog:
        user, log = self.user, self.log
        loop = asyncio.get_running_loop()
        first = len(user.messages)
        seen: dict[int, int] = {}  # message id → versions observed (a form edits its question)
        acted: set[tuple[int, str | None]] = set()  # (message id, question) answered
        retried: set[tuple[int, str | None]] = set()  # … answered twice
        last: tuple[str, BotMessage] | None = None  # the latest answer and the question it was for
        sorry = False
        await user.send("/checkin")
        since = loop.time()
        while True:
            for message in user.messages[first:]:
                versions = len(message.history) + 1
                if seen.get(message.message_id) != versions:
                    seen[message.message_id] = versions
                    sorry |= self._observe(message)
            state = shown(user, first)
            if log.done:
                return log
            if loop.time() > deadline:
                raise TimeoutError(
                    f"{user!r} did not finish the check-in:\n{user.transcript(last=12)}"
                )
            target = self._target(user.messages[first:])
            if target is not None and (target.message_id, question_of(target)) not in acted:
                asked = question_of(target)
                await asyncio.sleep(self.rng.uniform(*THINK))
                # answered meanwhile (an earlier answer got through), or moved on in place
                if not target.buttons or question_of(target) != asked:
                    continue
                acted.add((target.message_id, asked))
                last = await self._answer(target)
                since, sorry = loop.time(), False
                continue
            left = since + self.patience - loop.time()
            if left > 0 and not sorry:
                await user.chat.changed.wait_until(
                    partial(moved, user, first, state), min(left, 1.0)
                )
                continue
            # no reply: answer again if the question is still shown, else ask where we are
            log.resends += 1
            key = (last[1].message_id, last[0]) if last is not None else None
            if (last is not None and last[1].buttons and question_of(last[1]) == last[0]
                    and key not in retried):  # fmt: skip
                retried.add(key)
                await self._send(last[0], last[1])
            else:
                await user.send("/checkin")
            since, sorry = loop.time(), False

    def _observe(self, message: BotMessage) -> bool:
        """Note what a new or edited bot message acknowledges; True for "sorry, something went
        wrong"."""
        text = message.text or ""
        if text.startswith(SORRY):
            return True
        if is_decision(text):
            self.log.acked.update(self.log.answered)
            self.log.done = True
            return False
        index = field_index(message)
        if index is None or not message.buttons:  # no buttons: an answered question (its
            return False  # "✓ answer" edit may land after the next question), not an ask
        acked = [ORDER.index(name) for name in self.log.acked]
        if acked and index <= max(acked):  # the bot forgot an answer it had moved on from
            self.log.regressions.append(ORDER[index])
        # the bot saves the draft before it asks: every earlier answer is in it now
        self.log.acked.update(name for name in self.log.answered if ORDER.index(name) < index)
        return False

    @staticmethod
    def _target(messages: list[BotMessage]) -> BotMessage | None:
        """What to answer: the "already checked in" offer, else the open question furthest on."""
        already = [m for m in messages if (m.text or "").startswith(ALREADY)]
        if already:
            return already[-1]
        indexed = [(field_index(m), m) for m in messages]
        furthest = max((i for i, _ in indexed if i is not None), default=None)
        open_ = [m for i, m in indexed if i is not None and i == furthest and m.buttons]
        return open_[-1] if open_ else None

    async def _answer(self, target: BotMessage) -> tuple[str, BotMessage] | None:
        if (target.text or "").startswith(ALREADY):
            with contextlib.suppress(ButtonNotFound):
                await self.user.press("Show today's plan", target)
            return None
        name = question_of(target)
        await self._send(name, target)
        return name, target

    async def _send(self, name: str, target: BotMessage) -> None:
        value = self.plan.answers[name]
        self.log.answered[name] += 1
        if value.startswith("type:"):
            await self.user.send(value.removeprefix("type:"))
        else:
            with contextlib.suppress(ButtonNotFound):  # edited away just now
                await self.user.press(value, target)


@dataclass
class CoachLog:
    seen_acked: set[int] = field(default_factory=set)  # runner ids whose alert is marked seen
    holds_acked: set[int] = field(default_factory=set)
    resends: int = 0


class Coach:
    """Presses "Seen" on each urgent alert and sends /hold <n>, again if no answer comes."""

    def __init__(
        self, user: SandboxUser, plans: list[Plan], numbers: dict[int, int], patience: float
    ):
        self.user, self.numbers, self.patience = user, numbers, patience
        self.by_name = {p.name: p.user_id for p in plans}
        self.log = CoachLog()

    def alerts(self) -> dict[int, BotMessage]:
        """The first urgent alert per runner."""
        found: dict[int, BotMessage] = {}
        for message in self.user.messages:
            text = message.text or ""
            if text.startswith("🚨 Urgent: "):
                name = text.removeprefix("🚨 Urgent: ").split(" (")[0]
                found.setdefault(self.by_name.get(name, 0), message)
        return found

    async def watch_alerts(self) -> None:
        """Runs until cancelled: every urgent alert gets pressed "Seen" until a toast says so."""
        tasks: dict[int, asyncio.Task] = {}
        try:
            while True:
                for runner_id, message in self.alerts().items():
                    if runner_id not in tasks:
                        tasks[runner_id] = asyncio.create_task(self._see(runner_id, message))
                await self.user.chat.changed.wait(1.0)
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _see(self, runner_id: int, alert: BotMessage) -> None:
        seen = alert.button_data["Seen"]  # a press rewrites the alert without its Seen button
        while True:
            query = await self.user.press_data(seen, alert)
            with contextlib.suppress(TimeoutError):
                toast = await self.user.wait_for_answer(query, timeout=self.patience)
                if SEEN_TOAST in (toast.text or "").lower():
                    self.log.seen_acked.add(runner_id)
                    return
            self.log.resends += 1

    async def hold(self, runner_id: int, name: str) -> None:
        """/hold <n>, then the confirmation; done when the plan is on hold (or said to be)."""
        label, done = f"⏸ Hold {name}", f"⏸ {name} ("
        messages, answers = self.user.messages, self.user.chat.callback_answers
        while True:
            await self.user.send(f"/hold {self.numbers[runner_id]}")
            asked = await self.user.chat.changed.wait_until(
                lambda: any(label in str(m.buttons) for m in messages), self.patience)
            if asked:
                target, _ = self.user.find_button(label)
                query = await self.user.press(label, target)
                held = await self.user.chat.changed.wait_until(
                    lambda q=query: any((m.text or "").startswith(done) for m in messages)
                    or any(a.query_id == q and "already on hold" in (a.text or "") for a in answers),
                    self.patience,
                )  # fmt: skip
                if held:
                    self.log.holds_acked.add(runner_id)
                    return
            self.log.resends += 1


# --- the scenario ------------------------------------------------------------------------------


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


class Delivery:
    """Whether everything the workload waits for has happened (checked on each change)."""

    def __init__(self, sandbox, coach: Coach, runners: dict[int, Runner], reminder_ids, db_path):
        self.sandbox, self.coach, self.runners = sandbox, coach, runners
        self.reminder_ids, self.db_path = reminder_ids, db_path
        self.missing = ""
        self._db_checked = 0.0

    def complete(self, runner_tasks, hold_tasks) -> bool:
        users = self.sandbox.users
        waiting = [
            ("check-ins", sum(not t.done() for t in runner_tasks)),
            ("holds", sum(not t.done() for t in hold_tasks)),
            ("reminders", sum(not has(users[u], MORNING) for u in self.reminder_ids)),
            ("alerts", sum(1 for r in self.runners.values() if r.plan.red and r.plan.coached
                           and r.log.done and r.plan.user_id not in self.coach.alerts())),
            ("seen", sum(1 for uid in self.coach.alerts() if uid not in self.coach.log.seen_acked)),
            ("seen notices", sum(not has(users[u], SEEN_NOTICE) for u in self.coach.log.seen_acked)),
            ("hold notices", sum(not has(users[u], HOLD_NOTICE) for u in self.coach.log.holds_acked)),
        ]  # fmt: skip
        self.missing = ", ".join(f"{n} {what}" for what, n in waiting if n)
        if self.missing:
            return False
        if time.monotonic() - self._db_checked < 0.5:
            return False
        self._db_checked = time.monotonic()
        backlog = outbox_backlog(self.db_path)  # e.g. review alerts nobody waits for
        self.missing = f"{backlog} outbox rows pending"
        return backlog == 0


def has(user: SandboxUser, prefix: str) -> bool:
    return any((m.text or "").startswith(prefix) for m in user.messages)


def starting(user: SandboxUser, prefix: str) -> int:
    return sum(1 for m in user.messages if (m.text or "").startswith(prefix))


def outbox_backlog(db_path: str) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()[0]
    finally:
        conn.close()


# --- counting ----------------------------------------------------------------------------------


def count(report: Report, logs: list[CheckinLog], coach: Coach, sandbox: Sandbox,
          reminder_ids: list[int], db_path: str, today: dt.date) -> None:  # fmt: skip
    """Fill in the report from what the people saw and what the database holds."""
    db = open_db(db_path)
    try:
        _count_answers(report, logs, db, today)
        _count_outbox(report, coach, sandbox, reminder_ids, db)
    finally:
        db.conn.close()


def _count_answers(report: Report, logs: list[CheckinLog], db, today: dt.date) -> None:
    for log in logs:
        plan = log.plan
        report.checkins_done += log.done
        report.answers_acked += len(log.acked)
        report.runner_resends += log.resends
        report.regressions += len(log.regressions)
        if log.regressions:
            report.details.append(f"{plan.name}: asked again after moving on: {log.regressions}")
        if log.error:
            report.errors.append(f"{plan.name}: {log.error}")
        stored = get_checkin(db, plan.user_id, today)
        draft = load_draft(db, plan.user_id)
        if stored is not None:
            values = stored_values(stored.model_dump(), plan.answers)
        elif draft is not None and draft.form == "checkin":
            values = draft.answers
        else:
            values = {}
        for name in sorted(log.acked):
            if name not in values or values[name] != expected_value(plan, name):
                report.answers_lost += 1
                report.details.append(f"{plan.name}: {name} acknowledged as {plan.answers[name]!r}, "
                                      f"stored {values.get(name, '(nothing)')!r}")  # fmt: skip
        for name in checkin_form.FIELDS:
            value = values.get(name)
            if name in log.acked or value is None:
                continue  # checked above, or not asked
            if name == "soreness_hours" and value == 0 and not log.answered[name]:
                continue  # not asked: 0 is what the check-in stores then
            if (name in BONE_FIELDS and log.answered["bones"] and value == expected_green(name)
                    and plan.answers["bones"] == GREEN["bones"]):  # fmt: skip
                continue  # recorded green by "All clear"
            if not log.answered[name] or value != expected_value(plan, name):
                report.answers_inconsistent += 1
                report.details.append(f"{plan.name}: {name} stored as {value!r}, "
                                      f"answered {plan.answers[name]!r} {log.answered[name]}×")  # fmt: skip


def _count_outbox(
    report: Report, coach: Coach, sandbox: Sandbox, reminder_ids: list[int], db
) -> None:
    users, coach_user = sandbox.users, coach.user
    for uid in reminder_ids:
        n = starting(users[uid], MORNING)
        report.reminders_lost += n == 0
        report.reminder_duplicates += max(0, n - 1)
    # every alert stored for a coach reaches them (urgent on red flags, reviews)
    rows = db.execute(
        """SELECT a.kind, r.first_name, count(*) FROM alerts a JOIN runners r ON r.user_id = a.runner_id
           WHERE a.coach_id IS NOT NULL GROUP BY a.kind, r.first_name"""
    ).fetchall()
    for kind, name, stored in rows:
        head = f"🚨 Urgent: {name} (" if kind == "urgent" else f"Worth a conversation: {name} ("
        n = starting(coach_user, head)
        report.alerts += stored
        report.alerts_lost += max(0, stored - n)
        report.alert_duplicates += max(0, n - stored)
        if n < stored:
            report.details.append(f"{kind} alert about {name}: stored {stored}, delivered {n}")
    # a red-flag decision of a linked runner without its alert row would be lost too
    report.alerts_lost += db.execute(
        """SELECT count(*) FROM decisions d JOIN coach_links l ON l.runner_id = d.runner_id
           WHERE d.escalation = 'urgent' AND NOT EXISTS (
             SELECT 1 FROM alerts a WHERE a.runner_id = d.runner_id AND a.kind = 'urgent'
               AND a.coach_id = l.coach_id)"""
    ).fetchone()[0]
    # the coach's actions: each one in the audit log queued one notice to the runner
    for action, prefix, acked in (("alert_seen", SEEN_NOTICE, coach.log.seen_acked),
                                  ("coach_hold", HOLD_NOTICE, coach.log.holds_acked)):  # fmt: skip
        done = dict(db.execute("SELECT runner_id, count(*) FROM audit_log WHERE action = ? "
                               "GROUP BY runner_id", [action]).fetchall())  # fmt: skip
        report.coach_actions_lost += sum(1 for uid in acked if uid not in done)
        for uid, stored in done.items():
            n = starting(users[uid], prefix)
            report.notices += stored
            report.notices_lost += max(0, stored - n)
            report.notice_duplicates += max(0, n - stored)
    report.coach_resends = coach.log.resends
    report.outbox = dict(
        db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
    )
