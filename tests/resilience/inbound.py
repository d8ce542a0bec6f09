"""Hard kills with inbound updates in flight: taken from Telegram (answered 200 in webhook
mode, confirmed by the getUpdates offset in polling mode) but not yet handled.

Each round, `users` new people each send three commands at once — /help, /privacy, /today —
every one of which the bot answers with exactly one message of its own (the command list, the
privacy note, "Let's set you up first"). The real bot (`stridecoach run`, a subprocess) is
killed with SIGKILL once Telegram counts a random share of the round as taken, and started
again on the same database. Telegram is the sandbox; in webhook mode the updates are POSTed
to the bot as Telegram does, over up to 40 connections at once (the sandbox's own sender posts
one at a time), each retried until it is answered 200 — so a POST cut by the kill comes again
after the restart, a copy of an update the bot may have stored already.

Then every command must be answered, once, and per person in the order sent. At the kill the
bot's database is read (the process is dead, the file as it left it) for which updates were
marked handled, and which had journaled replies (bot/journal.py):

- lost: a command with no answer;
- handled twice: a command answered again after the restart although its update was marked
  handled before the kill — the inbox ran a finished update again (must be 0);
- answered twice: a command the person got two answers to, whatever the cause: what a person
  would see. Its part `answered_in_flight` is the repeats of replies that were on their way at
  the kill: Telegram had taken the sendMessage (the person has it), its answer had not been read
  by the bot (no journal entry), so the re-run sends it again. Telegram gives a bot no way to
  learn afterwards whether a call it never heard back from went through (sendMessage has no
  idempotency key, and a bot cannot read a chat), so the alternative to repeating those is
  dropping them, and one dropped "stop and see your clinician" is worse than a repeated /help;
- replies_unread_at_kill: replies Telegram had taken whose answer the bot had not read when it
  died, the ceiling of `answered_in_flight`;
- out of order: a person whose answers came in another order than the commands.

`in_flight_at_kill` counts commands taken (acknowledged to Telegram) but not yet answered when
the process died: what would have been lost without the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import signal
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import aiohttp

from bot.sandbox import Sandbox
from bot.webhook import SECRET_HEADER
from dialogs import texts
from tests.deploy.helpers import free_port, start_polling_bot, start_webhook_bot

COMMANDS = {"/help": texts.HELP, "/privacy": texts.PRIVACY, "/today": texts.NOT_ONBOARDED}
FIRST_USER = 700_000
FIRST_UPDATE = 900_000_000
CONNECTIONS = 40  # Telegram's default max_connections for a webhook


@dataclass
class InboundReport:
    mode: str
    rounds: int = 0
    kills: int = 0
    updates: int = 0
    taken_at_kill: int = 0  # acknowledged to Telegram before the kill, over all rounds
    in_flight_at_kill: int = 0  # acknowledged but not yet answered when killed
    lost: int = 0
    handled_twice: int = 0
    answered_twice: int = 0
    answered_in_flight: int = 0  # the part of answered_twice: reply in flight at the kill
    replies_unread_at_kill: int = 0
    journaled_at_kill: int = 0  # unhandled updates whose handler had journaled calls
    copies_posted: int = 0  # webhook: POSTs retried after the kill (the bot may have them)
    out_of_order: int = 0
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)

    def json_line(self) -> str:
        data = asdict(self)
        data["details"] = data["details"][:10]
        return json.dumps(data)


def answers(user) -> list[str]:
    """The commands `user` got an answer to, in the order the answers came."""
    return answers_in(user.messages)


def answers_in(messages) -> list[str]:
    found = []
    for message in messages:
        for command, text in COMMANDS.items():
            if (message.text or "") == text:
                found.append(command)
    return found


class Poster:
    """Telegram's side of a webhook: POSTs updates over CONNECTIONS connections, each again
    and again until the bot answers 200."""

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret
        self.acknowledged = 0
        self.retried = 0

    async def deliver(self, updates: list[dict]) -> None:
        queue = list(reversed(updates))
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await asyncio.gather(*(self._worker(session, queue) for _ in range(CONNECTIONS)))

    async def _worker(self, session: aiohttp.ClientSession, queue: list[dict]) -> None:
        headers = {SECRET_HEADER: self.secret, "Content-Type": "application/json"}
        while queue:
            body = json.dumps(queue.pop()).encode()
            for attempt in itertools.count():
                self.retried += attempt == 1
                try:
                    async with session.post(self.url, data=body, headers=headers) as response:
                        await response.read()
                        if response.status == 200:
                            self.acknowledged += 1
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05)


def at_kill(db: str, ids: list[int]) -> tuple[set[int], int]:
    """Read after the kill: the ids marked handled, and how many unhandled ones had journaled
    calls (bot/journal.py)."""
    conn = sqlite3.connect(db)
    try:
        handled = {uid for (uid,) in conn.execute(
            "SELECT update_id FROM inbox WHERE handled_at IS NOT NULL AND update_id BETWEEN ? AND ?",
            [min(ids), max(ids)])}  # fmt: skip
        journaled = conn.execute(
            "SELECT count(DISTINCT r.update_id) FROM inbox_replies r JOIN inbox i "
            "USING (update_id) WHERE i.handled_at IS NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    return handled & set(ids), journaled


def confirmed(sandbox: Sandbox, pending_before: int) -> int:
    """Polling: updates confirmed by the getUpdates offset (dropped from Telegram's queue)."""
    return pending_before - len(sandbox.world.updates)


def command_update(update_id: int, person, text: str) -> dict:
    """A private-chat command from `person`, as Telegram would POST it."""
    who = {"id": person.id, "is_bot": False, "first_name": person.chat.user.first_name}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": person.id, "type": "private", "first_name": person.chat.user.first_name},
        "from": who, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}  # fmt: skip


async def run_inbound(workdir: Path, mode: str, *, rounds: int = 1, users: int = 100,
                      seed: int = 7, timeout: float = 90.0) -> InboundReport:  # fmt: skip
    """`rounds` rounds of `users` × 3 commands, one kill -9 each, in `mode` ("webhook" or
    "polling")."""
    rng = random.Random(seed)
    report = InboundReport(mode)
    started = time.monotonic()
    db, logs, port = str(workdir / "bot.db"), workdir / "logs", free_port()
    async with Sandbox() as sandbox:

        async def start():
            if mode == "webhook":
                return await start_webhook_bot(sandbox, db, logs, port)
            return await start_polling_bot(sandbox, db, logs)

        bot = await start()
        try:
            for n in range(rounds):
                people = [sandbox.user(FIRST_USER + n * users + i, f"P{n}-{i}")
                          for i in range(users)]  # fmt: skip
                total = len(people) * len(COMMANDS)
                kill_at = rng.randint(total // 10, total * 9 // 10)
                if mode == "webhook":
                    secret = (workdir / "bot.db.webhook-secret").read_text().strip()
                    poster = Poster(f"http://127.0.0.1:{port}/tg/updates", secret)
                    ids = itertools.count(FIRST_UPDATE + n * total)
                    updates = [command_update(next(ids), p, c) for c in COMMANDS for p in people]
                    update_of = {(u["message"]["from"]["id"], u["message"]["text"]): u["update_id"]
                                 for u in updates}  # fmt: skip
                    posting = asyncio.create_task(poster.deliver(updates))
                    acknowledged = partial(getattr, poster, "acknowledged")
                else:
                    update_of = {}
                    for command in COMMANDS:  # everyone's three commands, in this order
                        for person in people:
                            await person.send(command)
                            update_of[person.id, command] = sandbox.world.updates[-1]["update_id"]
                    acknowledged = partial(confirmed, sandbox, len(sandbox.world.updates))
                deadline = time.monotonic() + timeout
                while acknowledged() < kill_at:
                    if time.monotonic() > deadline or bot.proc.returncode is not None:
                        raise AssertionError(f"the bot took only {acknowledged()} of {total} "
                                             "updates:\n" + bot.output()[-3000:])  # fmt: skip
                    await asyncio.sleep(0.001)
                bot.proc.send_signal(signal.SIGKILL)
                await bot.proc.wait()
                report.kills += 1
                got = acknowledged()
                before_kill = {p.id: len(p.messages) for p in people}
                answered = sum(len(answers(p)) for p in people)
                report.taken_at_kill += got
                report.in_flight_at_kill += max(0, got - answered)
                handled, journaled = at_kill(db, list(update_of.values()))
                report.journaled_at_kill += journaled
                report.replies_unread_at_kill += max(0, answered - len(handled))
                bot = await start()
                deadline = time.monotonic() + timeout
                while sum(len(set(answers(p))) for p in people) < total:
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.05)
                if mode == "webhook":
                    await asyncio.wait_for(posting, timeout)
                    report.copies_posted += poster.retried
                with contextlib.suppress(TimeoutError):
                    await sandbox.wait_idle(quiet=1.0, timeout=15)
                report.rounds += 1
                report.updates += total
                for person in people:
                    seen = answers(person)
                    early = answers_in(person.messages[:before_kill[person.id]])
                    for command in COMMANDS:
                        count = seen.count(command)
                        report.lost += count == 0
                        report.answered_twice += count > 1
                        if update_of[person.id, command] in handled:
                            report.handled_twice += count > 1
                        else:  # in hand at the kill: its reply was already at Telegram
                            report.answered_in_flight += count > 1 and early.count(command) == 1
                        if count != 1:
                            report.details.append(f"{person!r}: {command} answered {count}×")
                    firsts = list(dict.fromkeys(seen))
                    if firsts != [c for c in COMMANDS if c in firsts]:
                        report.out_of_order += 1
                        report.details.append(f"{person!r}: answers in the order {seen}")
            assert await bot.terminate() == 0, bot.output()[-3000:]
        finally:
            await bot.kill()
    report.seconds = round(time.monotonic() - started, 1)
    return report
