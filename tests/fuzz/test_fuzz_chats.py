"""Stateful fuzzing of whole chats: two runners and a coach talk to the real bot at once.

A hypothesis ``RuleBasedStateMachine`` starts a fresh sandbox Bot API server, a fresh SQLite
file and the real PTB application (polling the sandbox over HTTP) for every example, all on
one private event loop (``asyncio.Runner``) that each rule drives to completion. Its rules
send random text of every kind, every command with random arguments, stickers, photos, voice,
locations and documents; press the buttons on show, stale buttons (including ones an edit has
removed) and forged callback data; fill in whole forms (onboarding, check-in, settings) with
valid answers so the chats reach deep states (stops, coach alerts, corrections); sign up a
coach, revoke codes and link runners with real, revoked and random codes; have the three
users write at the same moment, one user send a burst before the bot answers, a button be
double-tapped; and move the bot's clock (then run the minute tick, so reminders, nudges,
alert resends and weekly summaries go out through the outbox).

After every step, with the bot settled (all updates fetched and handled, outbox empty;
no fixed sleeps), it checks:

1. no exception reached PTB's error handlers, nothing was logged at ERROR, the apology
   "Sorry — something went wrong" never appears, and the bot keeps answering;
2. every message a user sent (text, command, sticker, photo …) got at least one reply, and
   every button press got its callback query answered;
3. the database stays valid: every check-in and decision row parses back into the pydantic
   models (and through ``storage.history``), check-ins and decisions come in pairs, no runner
   has two check-ins for one date, profiles and events parse, drafts are JSON objects of a
   known form and question; after a live "Delete everything" (pressed within 10 minutes)
   no row about the runner remains;
   a revoked invite code links nobody.

Size: by default 20 machine runs of up to 40 steps (form filling stops after 6 exchanges per
step on average), about 30–40 s on a laptop. Benchmark option — run it larger with
``FUZZ_EXAMPLES`` (machine runs) and ``FUZZ_STEPS`` (steps per run); 300 × 60 takes about
10–15 minutes, and ``--hypothesis-show-statistics`` shows how often each deep state was
reached::

    FUZZ_EXAMPLES=300 FUZZ_STEPS=60 .venv/bin/python -m pytest tests/fuzz -q \
        --hypothesis-show-statistics

Bugs it found have small reproductions at the end of this module (fixed; they stay as
regression tests). A bug found and not yet fixed gets an ``xfail(strict=True)`` reproduction
and a case in ``known_bug()``, so the state machine keeps looking for new ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from bot.app import build_application, start, stop
from bot.sandbox import BotMessage, Sandbox, SandboxUser
from bot.scheduler import run_tick
from bot.services import services
from bot.settings import Settings
from dialogs.deleting import confirm_is_fresh
from dialogs.handlers import SORRY
from dialogs.runner import FORMS
from protocols import Checkin, Decision, Event, Profile
from storage import RunnerRow, get_runner, history, load_draft
from storage.checkins import CHECKIN_FIELDS
from storage.privacy import RUNNER_COLUMNS
from tests.e2e.harness import GREEN, Clock, answer_checkin, question_of, reply, tap
from tests.e2e.test_runner_loop import onboard

# stateful fuzzing of whole chats (tens of seconds), and its reproductions on a live bot
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TOKEN = "123456:FUZZ-TEST-TOKEN"
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # a Monday, 07:00 in Berlin
RUNNERS = (1001, 1002)
COACH = 2001
PEOPLE = (*RUNNERS, COACH)
QUIET = 0.004  # seconds of silence that, with nothing pending anywhere, mean "settled"
SETTLE_TIMEOUT = 20.0
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
STEPS = int(os.environ.get("FUZZ_STEPS", "40"))
# Form-filling rules stop after this many exchanges with the bot in one run (a message or press
# and its answer each), which bounds the time a run takes; single-message rules go on.
EXCHANGES = 6 * STEPS
APOLOGY = SORRY.split(" on my side")[0]  # "Sorry — something went wrong"


def known_bug(callback_data: str, runner: RunnerRow | None, form_open: bool) -> str | None:
    """Which known, unfixed bug this press would trip over (the state machine skips those
    presses so that it keeps looking for new bugs). None today: the old-button, forged alert
    id and one-painful-day bugs it found are fixed and pinned by the tests at the end."""
    return None


# --- strategies ----------------------------------------------------------------------------

INTERESTING = (
    "7h30", "7:30", "7,5", "1200 mg", "100 g", "62 kg", "137 lb", "1200mg", "5000 mg", "5001 mg",
    "0", "10", "11", "-1", "-0", "00", "3/10", "11/10", "1e9", "1e309", "NaN", "inf", "-inf",
    "99999999999999999999999999", "0.0000001", "٣", "𝟕", "½", "²", "24:00", "25h", "240 h",
    "9+", "5+", "6+", "3+", "yes", "No", "SKIP", "y", "nein", "✅", "Berlin", "Europe/Berlin",
    "Mars/Olympus", "etc/utc", "tue thu", "mon mon", "2026-02-30", "0001-01-01", "9999-12-31",
    "3 weeks ago", "999 months ago", "today", "<b>bold</b>", "</pre>", "&amp;", "\u202eevil",
    "\u200f\u05e9\u05dc\u05d5\u05dd", "مرحبا ١٢", "😀", "👍🏽", "\x00", "\x1b[31m", "\r\n", " ",
    "\t", "\u200b", "/", "//", "@", "#", "null",
    "'; DROP TABLE runners;--", "{0}", "%s", "I agree — let's start", "✅ Looks right",
    "Correct today's answers", "Delete everything", "No, change it", "6 h+", "12+ weeks ago",
)  # fmt: skip
UNITS = ("", "mg", "g", "kg", "lb", "lbs", "h", "min", "km", "mi", "miles", "servings",
         "portions", "x", "am", "pm", "/10", "%", "hours", " weeks ago")  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.builds(lambda n, sep, unit: f"{n}{sep}{unit}", st.integers(-500, 6000),
              st.sampled_from(("", " ")), st.sampled_from(UNITS)),  # fmt: skip
    st.from_regex(r"\d{1,3}[h:.,]\d{1,2}", fullmatch=True),
)
TEXTS = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(INTERESTING),
    NUMBERS,
    st.dates().map(dt.date.isoformat),
    st.builds(lambda piece, n: (piece * n)[:4096], st.text(min_size=1, max_size=3),
              st.integers(1, 4096)),  # fmt: skip
    # the longest texts Telegram delivers (4,096 characters), of digits, letters or emoji
    st.builds(lambda piece, n: piece * n, st.sampled_from(("x", "9", "😀", "\u202e", " 7")),
              st.sampled_from((4096, 2048))),  # fmt: skip
).filter(lambda text: text != "")

KNOWN_COMMANDS = ("start", "checkin", "today", "plan", "progress", "history", "export", "delete",
                  "privacy", "help", "cancel", "settings", "pause", "resume", "coach", "athletes",
                  "athlete", "clear", "hold")  # fmt: skip
ARGS = st.one_of(
    st.just(""),
    st.integers(-2, 4).map(str),
    NUMBERS,
    st.sampled_from(("all", "revoke", "REVOKE", "zone Berlin", "zone", "zone Mars", "c_", "c_x",
                     "1 2", "0", "-0", "٢", "c_" + "a" * 70)),  # fmt: skip
    st.text(min_size=1, max_size=24).map(lambda t: "c_" + t),
    st.text(min_size=1, max_size=40),
)
COMMAND_LINES = st.builds(
    lambda name, suffix, arg: f"/{name}{suffix}" + (f" {arg}" if arg else ""),
    st.one_of(st.sampled_from(KNOWN_COMMANDS), st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)),
    st.sampled_from(("", "", "", "@stridecoach_sandbox_bot", "@some_other_bot")),
    ARGS,
)
COACH_LINES = st.builds(
    lambda cmd, n: f"/{cmd}" + (f" {n}" if n is not None else ""),
    st.sampled_from(("athletes", "athlete", "clear", "hold", "resume")),
    st.one_of(st.none(), st.integers(0, 4), st.integers(-(10**30), 10**30)),
)


def _fits(data: str) -> bool:
    return 1 <= len(data.encode()) <= 64  # Telegram's callback_data limit


FORM_QUESTIONS = sorted((form.name, q.id) for form in FORMS.values() for q in form.questions)
WELL_FORMED_WRONG = (
    "f:checkin:pain_rest:99", "f:checkin:pain_rest:-1", "f:checkin:pain_rest:", "f:checkin:x:0",
    "f:nope:x:0", "f:", "f:::", "f:onboarding:consent:0", "f:settings:menu:4", "a:seen:1",
    "a:resume:1", "a:hold:1", "a:bogus:1", "a:seen:x", "a:seen:", "a:", "a:seen:-1",
    "a:seen:99999999999999999999", "snooze:7", "snooze:1", "snooze:3", "snooze:", "snooze:-1",
    "snooze:x", "snooze:99999999999999999999", "checkin:start", "checkin:correct",
    "checkin:today", "resume:self", "del:confirm", "del:cancel", "del:x", "del:", ":", "f",
)  # fmt: skip
FORGED = st.one_of(
    st.sampled_from(WELL_FORMED_WRONG),
    st.text(min_size=1, max_size=64),
    st.builds(lambda fq, i: f"f:{fq[0]}:{fq[1]}:{i}", st.sampled_from(FORM_QUESTIONS),
              st.one_of(st.integers(-2, 40), st.integers())),  # fmt: skip
    st.builds(lambda action, n: f"a:{action}:{n}", st.sampled_from(("seen", "resume", "hold", "x")),
              st.one_of(st.integers(-1, 12), st.integers(), st.text(max_size=8))),  # fmt: skip
    st.builds(lambda n: f"snooze:{n}", st.one_of(st.integers(-1, 5), st.text(max_size=8))),
).filter(_fits)

NAMES = st.one_of(
    st.sampled_from(("Ann", "Ben", "Cora", "<b>Dee</b>", "A & B", "\u202eEve", "😀" * 32,
                     "O'Neil", "x" * 64, "مريم", "</pre>")),  # fmt: skip
    st.text(min_size=1, max_size=64).filter(lambda name: name.strip() != ""),
)
DELTAS = st.one_of(
    st.sampled_from([dt.timedelta(minutes=m) for m in (1, 59, 60, 180, 23 * 60, 24 * 60, 25 * 60,
                                                       48 * 60, 7 * 24 * 60)]),  # fmt: skip
    st.integers(1, 9 * 24 * 60).map(lambda m: dt.timedelta(minutes=m)),
)
MEDIA = ("sticker", "photo", "photo_caption", "voice", "location", "document", "contact")

# Valid typed answers, by a phrase of the question (the question is the last paragraph).
TYPED = (
    ("Your body weight? Type", ("62 kg", "137 lb", "80")),
    ("How old are you", ("29", "45", "17", "9", "100")),
    ("body weight today", ("62 kg", "Skip", "140 lb")),
    ("When was it diagnosed", ("2026-02-01", "3 weeks ago", "yesterday", "today")),
    ("Which time zone", ("Berlin", "New York", "Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago",
                         "Australia/Lord_Howe", "Asia/Kathmandu")),  # fmt: skip
    ("Your time zone? Type", ("Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Kolkata")),
    ("remind you to check in each morning", ("7:15", "6am", "23:59", "00:00")),
    ("New check-in reminder time", ("7:15", "6am", "23:59", "00:00")),
    ("Before the injury", ("30 km", "20 miles", "180 min", "5 h")),
    ("Which two days", ("mon wed", "Saturday and Sunday")),
    ("hours did you sleep", ("7h30", "7,5", "9")),
    ("Calcium yesterday", ("1200 mg", "3", "2 servings")),
    ("Protein yesterday", ("100 g", "4", "3 portions")),
    ("at rest or walking around", ("0", "1/10")),
)
# Texts that show the chats reached a deep state (reported with --hypothesis-show-statistics).
MILESTONES = (
    ("You're all set", "reached: onboarding done"),
    ("Next:", "reached: a decision"),
    ("🛑", "reached: a stop"),
    ("Scaling back", "reached: a scale-back"),
    ("moving up to", "reached: an advance"),
    ("You are linked to your coach", "reached: a runner linked"),
    ("Good morning!", "reached: a morning reminder"),
    ("Your athletes:", "reached: an athlete list"),
    ("Correcting today's check-in", "reached: a correction"),
    ("everything about you is deleted", "reached: a deletion"),
    ("Your coach has", "reached: a coach action told"),
    ("has seen your alert", "reached: an alert seen"),
    ("set aside", "reached: an expired check-in"),
    ("All saved. Your settings", "reached: settings saved"),
    ("🚨", "reached: an urgent alert to a coach"),
    ("Marked as seen", "reached: an alert seen"),
    ("restarts one stage below", "reached: a resume"),
)
# Answers that are valid somewhere (for bursts of quick typing).
GOOD_WORDS = ("0", "No", "Yes", "8", "3", "4", "62 kg", "29", "/checkin", "/start", "/cancel",
              "/today", "Skip", "7h30", "1200 mg")  # fmt: skip
# Buttons that move a form forward; the state machine picks them three times out of four.
FORWARD = {"I agree — let's start", "✅ Looks right", "✅ Done", "Walking without pain",
           "Already doing some run/walk", "Yes", "4 weeks ago", "Europe/Berlin", "07:00",
           "Tue + Thu", "3 h", "Female", "Male"}  # fmt: skip


# --- the bot under test ----------------------------------------------------------------------


class ErrorRecords(logging.Handler):
    """Everything logged at ERROR or above while the bot runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


def _outbox_busy(db) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]


def _outbox_sent(db, chat_id: int) -> int:
    return db.execute("SELECT count(*) FROM outbox WHERE chat_id = ? AND status = 'sent'", [chat_id]).fetchone()[0]


def _rows_about(db, user_id: int) -> dict[str, int]:
    found = {}
    for table, columns in RUNNER_COLUMNS.items():
        where = " OR ".join(f"{c} = :id" for c in columns)
        count = db.execute(f"SELECT count(*) FROM {table} WHERE {where}", {"id": user_id}).fetchone()[0]
        if count:
            found[table] = count
    return found


def database_problems(db) -> list[str]:
    """Invariant 3: every stored row parses back; pairs and keys are consistent."""
    problems: list[str] = []
    checkin_keys, decision_keys = set(), set()
    for row in db.query("SELECT * FROM checkins"):
        checkin_keys.add((row["runner_id"], row["date"]))
        try:
            Checkin.model_validate({f: row[f] for f in CHECKIN_FIELDS})
        except Exception as exc:  # noqa: BLE001 - report every kind of failure
            problems.append(f"checkins row {row['runner_id']}/{row['date']} does not parse: {exc}")
    for row in db.query("SELECT * FROM decisions"):
        decision_keys.add((row["runner_id"], row["date"]))
        try:
            decision = Decision.model_validate_json(row["decision"])
        except Exception as exc:  # noqa: BLE001
            problems.append(f"decisions row {row['runner_id']}/{row['date']} does not parse: {exc}")
            continue
        copied = (decision.date.isoformat(), decision.action, decision.stage, decision.stage_before)
        if copied != (row["date"], row["action"], row["stage"], row["stage_before"]):
            problems.append(f"decisions row {row['runner_id']}/{row['date']}: columns {row} "
                            f"disagree with its JSON {copied}")  # fmt: skip
    if checkin_keys != decision_keys:
        problems.append(f"check-ins without a decision: {sorted(checkin_keys - decision_keys)}; "
                        f"decisions without a check-in: {sorted(decision_keys - checkin_keys)}")  # fmt: skip
    for table in ("checkins", "decisions"):
        for row in db.query(f"SELECT runner_id, date, count(*) AS n FROM {table} "
                            "GROUP BY runner_id, date HAVING n > 1"):  # fmt: skip
            problems.append(f"{table}: runner {row['runner_id']} has {row['n']} rows for {row['date']}")
    for row in db.query("SELECT user_id, profile FROM runners"):
        try:
            if row["profile"] is not None:
                Profile.model_validate_json(row["profile"])
            history(db, row["user_id"])
        except Exception as exc:  # noqa: BLE001
            problems.append(f"runner {row['user_id']}: profile or history does not parse: {exc}")
    for row in db.query("SELECT * FROM events"):
        try:
            Event.model_validate({"date": row["date"], "type": row["type"]})
        except Exception as exc:  # noqa: BLE001
            problems.append(f"events row {row['id']} does not parse: {exc}")
    for row in db.query("SELECT * FROM form_drafts"):
        try:
            answers = json.loads(row["answers"])
        except ValueError as exc:
            problems.append(f"draft of {row['user_id']}: answers are not JSON: {exc}")
            continue
        form = FORMS.get(row["form"])
        if not isinstance(answers, dict):
            problems.append(f"draft of {row['user_id']}: answers are not an object: {answers!r}")
        if form is None:
            problems.append(f"draft of {row['user_id']}: unknown form {row['form']!r}")
        elif row["question"] is not None and row["question"] not in {q.id for q in form.questions}:
            problems.append(f"draft of {row['user_id']}: {row['form']} has no question {row['question']!r}")
    return problems


class LiveBot:
    """The sandbox and the real bot on one event loop, with a clock the test moves."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.clock = Clock(START)
        self.errors: list[str] = []  # what reached PTB's error handlers
        self.logged = ErrorRecords()
        self.sandbox: Sandbox | None = None
        self.app = None

    async def start(self) -> None:
        self.sandbox = await Sandbox().start()
        settings_ = Settings(token=TOKEN, db=str(self.db_path), bot_api_url=self.sandbox.bot_api_url,
                             outbox_chat_interval=0)  # fmt: skip
        self.app = build_application(settings_, clock=self.clock)
        self.app.add_error_handler(self._on_error)
        logging.getLogger().addHandler(self.logged)
        await start(self.app, poll_timeout=5)
        # the test runs the minute tick itself, after each move of the clock
        for job in self.app.job_queue.get_jobs_by_name("minute-tick"):
            job.schedule_removal()

    async def _on_error(self, update: object, context) -> None:
        self.errors.append(f"{type(context.error).__name__}: {context.error} (update: {update})")

    async def stop(self) -> None:
        try:
            if self.app is not None:
                await stop(self.app)
        finally:
            logging.getLogger().removeHandler(self.logged)
            if self.sandbox is not None:
                await self.sandbox.stop()

    @property
    def store(self):
        return services(self.app).store

    def user(self, user_id: int) -> SandboxUser:
        return self.sandbox.users[user_id]

    async def settle(self) -> None:
        """Wait until every update is fetched and handled and the outbox is empty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        world = self.sandbox.world
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(
                    f"the bot did not settle within {SETTLE_TIMEOUT}s: "
                    f"{self.app.update_processor.active} update(s) in hand, "
                    f"{await self.store.run(_outbox_busy)} outbox row(s) pending"
                )
            await self.sandbox.wait_idle(quiet=QUIET, timeout=left)
            async with asyncio.timeout(max(left, 0.1)):
                await self.app.update_queue.join()
            idle = self.app.update_processor.active == 0
            idle = idle and not any(c.undelivered for c in world.chats.values())
            if idle and await self.store.run(_outbox_busy) == 0:
                return
            await asyncio.sleep(QUIET)


# --- the state machine ------------------------------------------------------------------------


def _last_paragraph(message: BotMessage | None) -> str:
    return ((message.text or "") if message else "").split("\n\n")[-1]


def _callback_buttons(message: BotMessage) -> list[tuple[str, str]]:
    return [(b.get("text", ""), b["callback_data"]) for row in message.inline_buttons for b in row
            if "callback_data" in b]  # fmt: skip


def _old_buttons(message: BotMessage) -> list[tuple[str, str]]:
    """Buttons of earlier versions of a message (an edit removed them)."""
    found = []
    for version in message.history:
        for row in (version.get("reply_markup") or {}).get("inline_keyboard", []):
            found.extend((b.get("text", ""), b["callback_data"]) for b in row if "callback_data" in b)
    return found


class ChatFuzz(RuleBasedStateMachine):
    """Two runners and a coach, each in a private chat with one real bot."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="stridecoach-fuzz-")
        self.loop = asyncio.Runner()
        self.live = LiveBot(Path(self.tmp.name) / "bot.db")
        self.codes: list[str] = []  # invite codes the bot has shown a coach
        self.code_owner: dict[str, int] = {}
        self.revoked: set[str] = set()  # codes replaced by /coach revoke
        self.scanned = dict.fromkeys(PEOPLE, 0)  # messages of each chat looked at so far
        self.apologies: list[str] = []
        self.exchanges = 0
        try:
            self.run(self.live.start())
        except BaseException:
            self.teardown()
            raise

    def run(self, coro: Awaitable):
        return self.loop.run(coro)

    def teardown(self) -> None:
        try:
            with contextlib.suppress(Exception):
                self.run(self.live.stop())
        finally:
            self.loop.close()
            self.tmp.cleanup()

    # --- helpers --------------------------------------------------------------------------

    def user(self, user_id: int) -> SandboxUser:
        return self.live.user(user_id)

    def transcripts(self) -> str:
        return "\n".join(f"--- {self.user(uid)!r}\n{self.user(uid).transcript(last=10)}" for uid in PEOPLE)

    def _scan(self) -> None:
        """Look at the messages sent since the last scan, in every chat: note invite codes,
        apologies and the deep states reached."""
        for uid in PEOPLE:
            messages = self.user(uid).messages
            for message in messages[self.scanned[uid]:]:
                text = message.text or message.caption or ""
                if text.startswith(APOLOGY):
                    self.apologies.append(f"{uid}: {text}")
                for marker, what in MILESTONES:
                    if marker in text:
                        event(what)
                if text.startswith("Done: your coach account is deleted"):  # its codes die
                    self.revoked |= {c for c, o in self.code_owner.items() if o == uid}
                for code in re.findall(r"\?start=c_(\S+)", text):
                    if code not in self.codes:
                        self.codes.append(code)
                        self.code_owner[code] = uid
                    if text.startswith("The old code no longer works"):
                        self.revoked |= {c for c, o in self.code_owner.items() if o == uid and c != code}
            self.scanned[uid] = len(messages)

    async def _expect_replies(self, plan: list[tuple[int, str, Callable[[SandboxUser], Awaitable[object]]]]) -> None:
        """Send every message of `plan` ((user, what, send) …) at once, without waiting in
        between, then check invariant 2: each user got at least as many replies as messages
        sent (outbox messages to the chat that went out meanwhile are not replies)."""
        before, pushed_before = {}, {}
        for uid, _, _ in plan:
            before[uid] = len(self.user(uid).messages)
            pushed_before[uid] = await self.live.store.run(_outbox_sent, uid)
        for uid, _, send in plan:
            await send(self.user(uid))
        self.exchanges += 1
        await self.live.settle()
        self._scan()
        for uid in before:
            user = self.user(uid)
            pushed = max(0, await self.live.store.run(_outbox_sent, uid) - pushed_before[uid])
            sent = [what for who, what, _ in plan if who == uid]
            replies = len(user.messages) - before[uid] - pushed
            assert replies >= len(sent), (
                f"invariant 2: {replies} repl(ies) to {len(sent)} message(s) {sent} from {user!r}\n"
                f"{user.transcript(last=8)}"
            )

    async def _expect_reply(self, user_id: int, what: str,
                            action: Callable[[SandboxUser], Awaitable[object]]) -> None:  # fmt: skip
        await self._expect_replies([(user_id, what, action)])

    def _text_plan(self, user_id: int, text: str):
        note(f"{user_id} says {text[:80]!r}{'…' if len(text) > 80 else ''} ({len(text)} chars)")
        return user_id, f"text {text[:60]!r}", lambda u: u.send(text)

    async def _say(self, user_id: int, text: str) -> None:
        await self._expect_replies([self._text_plan(user_id, text)])

    async def _press(self, user_id: int, data: str, message: BotMessage, label: str = "") -> None:
        await self._press_all([(user_id, data, message, label)])

    async def _press_all(self, plan: list[tuple[int, str, BotMessage, str]]) -> None:
        """Press every button of `plan` ((user, data, message, label) …) at once; invariant 2:
        every press is answered (answerCallbackQuery)."""
        queries = []
        for user_id, data, message, label in plan:
            runner = await self.live.store.run(get_runner, user_id)
            form_open = await self.live.store.run(load_draft, user_id) is not None
            if bug := known_bug(data, runner, form_open):
                event(f"skipped, known bug: {bug}")
                continue
            note(f"{user_id} presses {label!r} data={data!r} on message {message.message_id}")
            queries.append((user_id, data, label, await self.user(user_id).press_data(data, message)))
        self.exchanges += 1
        await self.live.settle()
        self._scan()
        for user_id, data, label, query_id in queries:
            user = self.user(user_id)
            assert any(a.query_id == query_id for a in user.callback_answers), (
                f"invariant 2: button {label!r} ({data!r}) of {user!r} was never answered\n"
                f"{user.transcript(last=8)}"
            )
            if confirm_is_fresh(data, self.live.clock()):  # a live "Delete everything"
                left = await self.live.store.run(_rows_about, user_id)
                assert not left, f"invariant 3: after 'Delete everything' {user!r} still has rows {left}"

    def _good_moves(self, user_id: int) -> tuple[list, list] | None:
        """(forward moves, other moves) for the open form question of the user, if any."""
        message = self.user(user_id).last
        if message is None:
            return None
        buttons = [(label, data) for label, data in _callback_buttons(message) if data.startswith("f:")]
        paragraph = _last_paragraph(message)
        typed = [("type", text) for phrase, answers in TYPED if phrase in paragraph for text in answers]
        if not buttons and not typed:
            return None
        field = question_of(message)
        wanted = {GREEN[field]} if field in GREEN else FORWARD  # a check-in question: green
        forward = [("tap", label, data) for label, data in buttons if label in wanted]
        others = [("tap", label, data) for label, data in buttons] + typed
        return forward, others

    async def _move(self, user_id: int, data: st.DataObject, green: bool = False) -> bool:
        """One valid answer to the user's open question: a forward one (green check-in
        answers, "Looks right" …) always if `green`, else three times out of four."""
        moves = self._good_moves(user_id)
        if moves is None:
            return False
        forward, others = moves
        if forward and (green or data.draw(st.integers(0, 3), label="bias") < 3):
            pool = forward
        else:
            pool = others
        move = data.draw(st.sampled_from(pool), label="move")
        if move[0] == "tap":
            await self._press(user_id, move[2], self.user(user_id).last, move[1])
        else:
            await self._say(user_id, move[1])
        return True

    # --- rules ----------------------------------------------------------------------------

    @initialize(names=st.tuples(NAMES, NAMES, NAMES), warm=st.booleans(), data=st.data())
    def meet(self, names, warm, data):
        """Create the three chats; half the runs start warm: the coach signed up, the runners
        onboarded (validly, with random choices) and the first one linked."""
        for user_id, name in zip(PEOPLE, names, strict=True):
            self.live.sandbox.user(user_id, first_name=name)
        if not warm:
            return

        async def warm_up():
            await self._say(COACH, "/coach")
            for runner in RUNNERS:
                await self._fill_in(runner, "/start", data, green=runner == RUNNERS[0])
            if self.codes:  # the runner is asked first (consent), then links
                await self._say(RUNNERS[0], f"/coach {self.codes[-1]}")
                ask = self.user(RUNNERS[0]).messages[-1]
                if "Link" in ask.button_data:
                    await self._press(RUNNERS[0], ask.button_data["Link"], ask, "Link")

        self.run(warm_up())

    @rule(who=st.sampled_from(PEOPLE), text=TEXTS)
    def send_text(self, who, text):
        self.run(self._say(who, text))

    @rule(who=st.sampled_from(PEOPLE), line=COMMAND_LINES)
    def send_command(self, who, line):
        self.run(self._say(who, line))

    @rule(line=COACH_LINES)
    def coach_command(self, line):
        self.run(self._say(COACH, line))

    @rule(who=st.sampled_from(PEOPLE), kind=st.sampled_from(MEDIA), caption=st.text(max_size=20))
    def send_media(self, who, kind, caption):
        async def send(user: SandboxUser):
            if kind == "sticker":
                await user.send_sticker()
            elif kind == "photo":
                await user.send_photo()
            elif kind == "photo_caption":
                await user.send_photo(caption=caption or "7")
            elif kind == "voice":
                await user.send_voice()
            elif kind == "location":
                await user.send_location()
            elif kind == "document":
                await user.send_document(b"a,b\n1,2\n", "data.csv", "text/csv")
            else:
                await user.send_raw(contact={"phone_number": "+10000000000", "first_name": "X"})

        note(f"{who} sends a {kind}")
        self.run(self._expect_reply(who, kind, send))

    def _with_buttons(self, old: bool) -> list[tuple[int, BotMessage, str, str]]:
        found = []
        for uid in PEOPLE:
            for message in self.user(uid).messages:
                if message.deleted:
                    continue
                buttons = _old_buttons(message) if old else _callback_buttons(message)
                found.extend((uid, message, label, data) for label, data in buttons)
        return found

    def _latest_buttons(self) -> list[tuple[int, BotMessage, str, str]]:
        found = []
        for uid in PEOPLE:
            shown = [m for m in self.user(uid).messages if not m.deleted and _callback_buttons(m)]
            if shown:
                found.extend((uid, shown[-1], label, data) for label, data in _callback_buttons(shown[-1]))
        return found

    @precondition(lambda self: self._latest_buttons())
    @rule(data=st.data())
    def press_shown(self, data):
        """Press a button of the newest message with buttons in some chat."""
        uid, message, label, callback = data.draw(st.sampled_from(self._latest_buttons()), label="button")
        self.run(self._press(uid, callback, message, label))

    @precondition(lambda self: self._with_buttons(old=False) or self._with_buttons(old=True))
    @rule(data=st.data())
    def press_stale(self, data):
        """Press any button of any message, including ones an edit has since removed."""
        pool = self._with_buttons(old=True) + self._with_buttons(old=False)
        uid, message, label, callback = data.draw(st.sampled_from(pool), label="button")
        self.run(self._press(uid, callback, message, label))

    @precondition(lambda self: any(self.user(uid).last for uid in PEOPLE))
    @rule(data=st.data(), callback=FORGED)
    def press_forged(self, data, callback):
        """Forged callback data on one of the user's messages."""
        uid = data.draw(st.sampled_from([u for u in PEOPLE if self.user(u).last]), label="who")
        messages = [m for m in self.user(uid).messages if not m.deleted]
        message = data.draw(st.sampled_from(messages[::-1]), label="message")
        self.run(self._press(uid, callback, message, "<forged>"))

    @precondition(lambda self: any(self._good_moves(uid) for uid in PEOPLE))
    @rule(data=st.data())
    def answer_well(self, data):
        """A valid answer (button or typed) to an open form question."""
        uid = data.draw(st.sampled_from([u for u in PEOPLE if self._good_moves(u)]), label="who")
        self.run(self._move(uid, data))

    async def _fill_in(self, who: int, opener: str | None, data: st.DataObject,
                       green: bool = False, most: int = 40) -> None:  # fmt: skip
        """Open a form (or take the open one) and answer it validly, to the end or for at
        most `most` answers (a form left half done)."""
        if opener:
            await self._say(who, opener)
        for _ in range(most):
            if self.exchanges >= EXCHANGES or not await self._move(who, data, green):
                return

    @rule(who=st.sampled_from(PEOPLE), opener=st.sampled_from(("/settings", None)), data=st.data(),
          most=st.one_of(st.just(40), st.integers(0, 6)))  # fmt: skip
    def complete_form(self, who, opener, data, most):
        self.run(self._fill_in(who, opener, data, most=most))

    @rule(who=st.sampled_from(RUNNERS), data=st.data(), green=st.booleans())
    def onboard(self, who, data, green):
        """/start and valid answers: onboarding, then the first check-in."""
        self.run(self._fill_in(who, "/start", data, green))

    @rule(who=st.sampled_from(RUNNERS), days=st.integers(1, 3), data=st.data())
    def green_days(self, who, days, data):
        """Day after day: the next morning comes (07:00 in Berlin), then a green check-in."""

        async def go():
            for _ in range(days):
                if self.exchanges >= EXCHANGES:
                    return
                now = self.live.clock.now + dt.timedelta(days=1)
                self.live.clock.now = now.replace(hour=6, minute=0)
                note(f"clock → {self.live.clock.now}")
                await self._tick()
                await self._fill_in(who, "/checkin", data, green=True)

        self.run(go())

    @rule(who=st.sampled_from(RUNNERS), data=st.data(), green=st.booleans(),
          most=st.one_of(st.just(40), st.integers(0, 6)))  # fmt: skip
    def check_in(self, who, data, green, most):
        """Today's check-in: all green (so the plan moves up over the days) or mixed."""
        self.run(self._fill_in(who, "/checkin", data, green, most))

    @rule(who=st.sampled_from(PEOPLE), confirm=st.booleans())
    def delete_data(self, who, confirm):
        """/delete, then "Delete everything" or "Keep my data"."""

        async def go():
            await self._say(who, "/delete")
            message = self.user(who).last
            buttons = dict(_callback_buttons(message)) if message else {}
            label = "Delete everything" if confirm else "Keep my data"
            if label in buttons:
                before = len(self.user(who).messages)
                await self._press(who, buttons[label], message, label)
                said = " ".join(m.text or "" for m in self.user(who).messages[before:])
                if "everything about you is deleted" in said:  # a coach's account goes too
                    self.revoked |= {c for c in self.codes if self.code_owner.get(c) == who}

        self.run(go())

    @precondition(lambda self: self._alert_buttons())
    @rule(data=st.data())
    def coach_answers_alert(self, data):
        """The coach presses Seen / Resume plan / Keep on hold on an alert."""
        message, label, callback = data.draw(st.sampled_from(self._alert_buttons()), label="button")
        self.run(self._press(COACH, callback, message, label))

    def _alert_buttons(self) -> list[tuple[BotMessage, str, str]]:
        return [(m, label, data) for m in self.user(COACH).messages if not m.deleted
                for label, data in _callback_buttons(m) if data.startswith("a:")]  # fmt: skip

    @rule(lines=st.tuples(*[st.one_of(TEXTS, COMMAND_LINES)] * len(PEOPLE)))
    def all_at_once(self, lines):
        """The three users send a message at the same moment."""
        self.run(self._expect_replies([self._text_plan(uid, line) for uid, line in zip(PEOPLE, lines, strict=True)]))

    @rule(who=st.sampled_from(PEOPLE), lines=st.lists(st.one_of(TEXTS, COMMAND_LINES, st.sampled_from(GOOD_WORDS)),
                                                     min_size=2, max_size=4))  # fmt: skip
    def burst(self, who, lines):
        """One user sends several messages quickly, before the bot answers the first."""
        self.run(self._expect_replies([self._text_plan(who, line) for line in lines]))

    @precondition(lambda self: self._latest_buttons())
    @rule(data=st.data(), times=st.integers(2, 3))
    def double_tap(self, data, times):
        """A button pressed two or three times in quick succession."""
        uid, message, label, callback = data.draw(st.sampled_from(self._latest_buttons()), label="button")
        self.run(self._press_all([(uid, callback, message, label)] * times))

    @rule(who=st.sampled_from((COACH, COACH, COACH, *RUNNERS)), revoke=st.booleans())
    def coach_signup(self, who, revoke):
        """/coach (sign up, see the invite) or /coach revoke (a new code)."""
        self.run(self._say(who, "/coach revoke" if revoke else "/coach"))

    @precondition(lambda self: self.codes)
    @rule(who=st.sampled_from(PEOPLE), data=st.data())
    def link(self, who, data):
        code = data.draw(st.sampled_from(self.codes[::-1]), label="code")
        line = data.draw(st.sampled_from((f"/start c_{code}", f"/coach {code}", f"/coach  {code} ")))
        before = len(self.user(who).messages)
        self.run(self._say(who, line))
        said = " ".join(m.text or "" for m in self.user(who).messages[before:])
        if code in self.revoked:
            expected = "does not work"  # a revoked code links nobody (docs/DESIGN.md privacy)
        elif self.code_owner[code] == who:
            expected = "your own coach code"
        else:  # consent first: asked, or already linked, or asked after onboarding's consent
            expected = ("Link to coach", "linked to", "Hi! I'm stridecoach", "continue where we left off")
        expected = (expected,) if isinstance(expected, str) else expected
        assert any(e in said for e in expected), f"linking with {code!r} ({line!r}): expected {expected!r}, got {said!r}"

    async def _tick(self) -> None:
        """The minute tick, as the job queue would run it (an exception here is what would
        reach PTB's error handler from the job: invariant 1)."""
        await run_tick(self.live.app)
        await self.live.settle()

    @rule(delta=DELTAS)
    def advance_clock(self, delta):
        note(f"clock +{delta}")
        self.live.clock.advance(seconds=delta.total_seconds())
        self.run(self._tick())

    @rule(hour=st.integers(0, 23))
    def next_day_at(self, hour):
        """Jump to the next day at a UTC hour (07:00 Berlin is 06:00 UTC), then tick."""

        now = self.live.clock.now + dt.timedelta(days=1)
        self.live.clock.now = now.replace(hour=hour, minute=0)
        note(f"clock → {self.live.clock.now}")
        self.run(self._tick())

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def nothing_went_wrong(self):
        live = self.live
        assert not live.errors, f"invariant 1: error handler reached: {live.errors}\n{self.transcripts()}"
        assert not live.logged.records, f"invariant 1: logged at ERROR: {live.logged.records}"
        self._scan()
        assert not self.apologies, f"invariant 1: the bot apologised: {self.apologies}\n{self.transcripts()}"

    @invariant()
    def database_is_valid(self):
        problems = self.run(self.live.store.run(database_problems))
        assert not problems, "invariant 3:\n" + "\n".join(problems)


TestFuzzChats = ChatFuzz.TestCase
TestFuzzChats.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# --- bugs found by the fuzzer: minimal reproductions ----------------------------------------


@pytest.fixture
def live():
    """The real bot on a private loop, for the small reproductions below."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = asyncio.Runner()
        bot = LiveBot(Path(tmp) / "bot.db")
        runner.run(bot.start())
        try:
            yield runner, bot
        finally:
            runner.run(bot.stop())
            runner.close()


def _clean(bot: LiveBot, user: SandboxUser, query_id: str) -> list[str]:
    """What went wrong with a press: errors, no answer, an apology."""
    wrong = list(bot.errors)
    if not any(a.query_id == query_id for a in user.callback_answers):
        wrong.append("the callback query was never answered")
    wrong += [m.text for m in user.messages if (m.text or "").startswith(APOLOGY)]
    return wrong


@pytest.mark.parametrize("label, restarted", [
    ("Snooze 1 h", False),
    ("Check in now", False),
    ("Correct today's answers", False),
    ("Check in now", True),
    ("Correct today's answers", True),
])  # fmt: skip
def test_old_checkin_buttons_after_delete_are_answered_politely(live, label, restarted):
    runner, bot = live

    async def go():
        ann, question = await onboard(bot.sandbox, 3001)
        await answer_checkin(ann, question)
        offer = await reply(ann, "/checkin")  # "already checked in … Correct today's answers"
        bot.clock.advance(days=1)
        await run_tick(bot.app)
        reminder = await ann.wait_for_message()  # Check in now / Snooze 1 h / Snooze 3 h
        assert reminder.text.startswith("Good morning")
        await reply(ann, "/delete")
        await tap(ann, "Delete everything")
        if restarted:  # a runner row again, without a profile
            await reply(ann, "/start")
            await tap(ann, "No thanks")
        await bot.settle()
        message = offer if label == "Correct today's answers" else reminder
        query_id = await ann.press(label, message)
        await bot.settle()
        return ann, query_id

    ann, query_id = runner.run(go())
    assert _clean(bot, ann, query_id) == []


def test_alert_button_with_an_id_beyond_sqlite_integer_is_answered(live):
    runner, bot = live

    async def go():
        cora = bot.sandbox.user(3101, first_name="Cora")
        await reply(cora, "/coach")
        query_id = await cora.press_data("a:seen:9223372036854775808", cora.last)
        await bot.settle()
        return cora, query_id

    cora, query_id = runner.run(go())
    assert _clean(bot, cora, query_id) == []


def test_weekly_summary_with_one_painful_day_goes_out(live):
    runner, bot = live

    async def go():
        ann, question = await onboard(bot.sandbox, 3201, "Ann")
        await answer_checkin(ann, question, pain_rest="2")  # Monday; her only check-in
        ben, question = await onboard(bot.sandbox, 3202, "Ben")
        await answer_checkin(ben, question)
        bot.clock.now = dt.datetime(2026, 3, 8, 17, 0, tzinfo=dt.UTC)  # Sunday 18:00 in Berlin
        await run_tick(bot.app)
        await bot.settle()
        return ann, ben

    ann, ben = runner.run(go())
    for user in (ann, ben):
        assert any((m.text or m.caption or "").startswith("Your week") for m in user.messages[-3:])
