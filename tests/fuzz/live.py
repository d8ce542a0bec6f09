"""The bot under test for the chat fuzzer: the sandbox and the real bot on one event loop,
with a clock the test moves, what reached its error handlers and logs, and the database
checks of invariant 3."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from bot.app import build_application, start, stop
from bot.sandbox import Sandbox, SandboxUser
from bot.services import services
from bot.settings import Settings
from bot.settle import settle
from dialogs.runner import FORMS
from protocols import Checkin, Decision, Event, Profile
from storage import history
from storage.checkins import CHECKIN_FIELDS
from storage.privacy import RUNNER_COLUMNS
from tests.e2e.harness import Clock

TOKEN = "123456:FUZZ-TEST-TOKEN"
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # a Monday, 07:00 in Berlin
SETTLE_TIMEOUT = 20.0


class ErrorRecords(logging.Handler):
    """Everything logged at ERROR or above while the bot runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


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
        await settle(self.app, self.sandbox.world, SETTLE_TIMEOUT)
