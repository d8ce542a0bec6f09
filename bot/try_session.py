"""One `stridecoach try` session: the sandbox, the real bot on its injectable clock, the
people typing, and what each line does.

The bot runs exactly as in production (polling the sandbox over HTTP, the outbox sender, the
same handlers); only its minute tick is driven from here, once for each minute the clock
moves over, instead of once a real minute.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from bot import try_clock
from bot.app import build_application, start, stop
from bot.sandbox import ButtonNotFound, Sandbox
from bot.scheduler import run_tick
from bot.services import services
from bot.settings import Settings
from bot.try_clock import ClockError, TryClock
from bot.try_input import Command, Press, Problem, Text, interpret, with_invite
from bot.try_screen import Person, Screen
from storage import backlog_count, get_coach, get_runner

TOKEN = "4242:TRY"
FIRST_PERSON = "runner"
QUIET_S = 0.08  # no bot activity for this long (after every update was handled) = it is done
SETTLE_TIMEOUT_S = 60
# the tick runs for every minute on the way (~3 ms each): a month takes a minute or two
MAX_DAYS = 31
INVITE = re.compile(r"start=c_([A-Za-z0-9_-]+)")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")

HELP = """Try commands (everything else goes to the bot as typed):
  /as NAME      type as someone else (a new name is a new person who starts with nothing)
  /who          who is here, and who is typing
  /tomorrow     move the clock one day on (the same time tomorrow)
  /at HH:MM     move the clock to the next HH:MM in the typing person's zone
  /days N       move the clock N days on
  /wait 2h      move the clock on by 30m, 2h, 1d 6h …
  /clock        show the clock (/clock 2026-03-02 06:30 sets it, forward only)
  /quit         leave (Ctrl-D too)
While the clock moves, the bot's minute tick runs for every minute skipped: reminders,
nudges, alerts, the Sunday summary and the Monday digest arrive when they are due.
Buttons: type a label, the start of one (any case) or #N. A typed number is sent as text.
{invite} in a line is the coach invite code shown last."""


def user_id(name: str) -> int:
    """A stable Telegram id per name, so a person is the same one in the next session."""
    return 10_000_000 + zlib.crc32(name.casefold().encode()) % 90_000_000


class Session:
    """The sandbox and the bot, for one terminal; `handle(line)` does one typed line."""

    def __init__(self, db: str, clock: TryClock, out: Callable[[str], None],
                 files_dir: Path, *, open_files: bool = False, echo: bool = False,
                 fresh: bool = False) -> None:  # fmt: skip
        self.db = db
        self.clock = clock
        self.echo = echo
        self.fresh = fresh  # nothing happened yet in a new database: /clock may go anywhere
        self.screen = Screen(out, files_dir, open_files, stamp=self.stamp, clock=clock)
        self.people: dict[str, Person] = {}
        self.typing: Person | None = None
        self.invite: str | None = None
        self.zones: dict[int, str] = {}
        self.sandbox: Sandbox | None = None
        self.app = None
        self.finished = False

    # --- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        self.sandbox = await Sandbox().start()
        settings = Settings(token=TOKEN, db=self.db, bot_api_url=self.sandbox.bot_api_url,
                            outbox_chat_interval=0, outbox_rate=1000)  # fmt: skip
        self.app = build_application(settings, clock=self.clock)
        await start(self.app, poll_timeout=1)
        for job in self.app.job_queue.jobs():  # the tick runs when the clock moves
            job.schedule_removal()
        self.typing = self.person(FIRST_PERSON)
        self.screen.last_stamp = self.stamp()  # the first screen says what time it is

    async def close(self) -> None:
        try:
            if self.app is not None:
                await stop(self.app)
        finally:
            if self.sandbox is not None:
                await self.sandbox.stop()
        try_clock.save(self.db, self.clock.now)

    def person(self, name: str) -> Person:
        key = name.casefold()
        if key not in self.people:
            first = name[0].upper() + name[1:]
            self.people[key] = Person(name, self.sandbox.user(user_id(name), first_name=first))
        return self.people[key]

    # --- the clock as people read it --------------------------------------------------------

    def zone(self, person: Person | None) -> str | None:
        return self.zones.get(person.user.id) if person else None

    def stamp(self) -> str:
        return try_clock.show(self.clock.now, self.zone(self.typing))

    def short_stamp(self) -> str:
        """"Mon 07:30": the clock in the typing person's zone, for the prompt."""
        local = self.clock.now.astimezone(try_clock.zone_of(self.zone(self.typing)))
        return local.strftime("%a %H:%M")

    async def _learn_zones(self) -> None:
        """Each person's zone as the bot has it (a runner's from onboarding, a coach's)."""
        store = services(self.app).store
        for person in self.people.values():
            uid = person.user.id
            runner = await store.run(get_runner, uid)
            coach = None if runner is not None else await store.run(get_coach, uid)
            row = runner or coach
            if row is not None and row.tz:
                self.zones[uid] = row.tz

    # --- one line ---------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Do one typed line; False when it could not be done as typed (a message says why)."""
        text = line.strip()
        if not text:
            return True
        person = self.typing
        action = interpret(text, person)
        if isinstance(action, Command):
            self.screen.typed(person, text, None, self.echo)
            return await self._command(action)
        if isinstance(action, Text):
            replaced = with_invite(action.text, self.invite)
            action = replaced if isinstance(replaced, Problem) else Text(replaced)
        if isinstance(action, Problem):
            self.screen.typed(person, text, None, self.echo)
            self.screen.line(f"  try: {action.message}")
            return False
        self.fresh = False
        if isinstance(action, Press):
            self.screen.typed(person, text, action.label, self.echo)
            try:
                await person.user.press(action.label, action.message)
            except (ButtonNotFound, ValueError) as exc:
                self.screen.line(f"  try: {exc}")
                return False
        else:
            self.screen.typed(person, text, None, self.echo)
            await person.user.send(action.text)
        await self.settle()
        return True

    async def _command(self, command: Command) -> bool:
        try:
            if command.name == "quit":
                self.finished = True
            elif command.name == "tryhelp":
                self.screen.line(HELP)
            elif command.name == "who":
                self._who()
            elif command.name == "as":
                return self._switch(command.arg)
            else:
                await self._move(command)
        except ClockError as exc:
            self.screen.line(f"  try: {exc}")
            return False
        return True

    def _who(self) -> None:
        for person in self.people.values():
            you = "  ← typing" if person is self.typing else ""
            self.screen.line(f"  {person.name} (Telegram id {person.user.id}){you}")

    def _switch(self, name: str) -> bool:
        if not NAME.match(name):
            self.screen.line("  try: /as needs a name of letters and digits, e.g. /as coach.")
            return False
        known = name.casefold() in self.people
        self.typing = self.person(name)
        self.screen.block = None
        if not known:
            self.screen.line(f"── {self.typing.name} (new: starts with nothing; try /start) ──")
            self.screen.block = self.typing.name
        else:
            self.screen.reshow(self.typing)
        return True

    async def _move(self, command: Command) -> None:
        await self._learn_zones()
        now, zone, arg = self.clock.now, self.zone(self.typing), command.arg
        if command.name == "tomorrow":
            target = now + dt.timedelta(days=1)
        elif command.name == "days":
            if not arg.isdigit() or not 1 <= int(arg) <= MAX_DAYS:
                raise ClockError(
                    f"/days needs a number of days from 1 to {MAX_DAYS}, e.g. /days 7."
                )
            target = now + dt.timedelta(days=int(arg))
        elif command.name == "wait":
            target = now + try_clock.duration(arg)
        elif command.name == "at":
            target = try_clock.next_at(now, arg, zone)
        elif not arg:  # /clock
            self.screen.time_mark(force=True)
            return
        else:
            target = try_clock.parse_moment(arg, zone)
            if self.fresh:  # nothing has happened yet: the clock may start anywhere
                self.clock.now = target
                self.screen.time_mark(force=True)
                return
            if target <= now:
                raise ClockError("The clock only moves forward once the bot has data; "
                                 f"it is {self.stamp()}.")  # fmt: skip
        await self.advance(target)

    async def advance(self, target: dt.datetime) -> None:
        """Move the clock to `target`, running the minute tick at each minute on the way."""
        began = self.clock.now
        if target - began > dt.timedelta(days=MAX_DAYS):
            raise ClockError(f"The clock moves at most {MAX_DAYS} days at a time.")
        for minute in self.clock.minutes_until(target):
            self.clock.now = minute
            if await run_tick(self.app):
                await self.settle()
        self.clock.now = target
        days, rest = divmod(int((target - began).total_seconds() // 60), 24 * 60)
        moved = " ".join(part for part in (
            f"{days} day{'s' * (days != 1)}" if days else "",
            f"{rest // 60} h" if rest // 60 else "",
            f"{rest % 60} min" if rest % 60 else "",
        ) if part)  # fmt: skip
        self.screen.line(f"⏰ {self.stamp()}  (moved {moved or '0 min'})")
        self.screen.last_stamp = self.stamp()
        self.screen.block = None

    # --- waiting for the bot ----------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until the bot has handled everything and delivered its outbox, then print."""
        store = services(self.app).store
        processor = self.app.update_processor
        world = self.sandbox.world
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            pending = any(chat.undelivered for chat in world.chats.values())
            queue = getattr(self.app, "update_queue", None)  # fetched, not yet handed over
            busy = getattr(processor, "active", 0) > 0 or bool(queue and queue.qsize())
            if not pending and not busy and not await store.run(backlog_count):
                last = max((c.last_activity for c in world.chats.values()), default=0.0)
                quiet_left = last + QUIET_S - time.monotonic()
                if quiet_left <= 0:
                    break
                await world.changed.wait(quiet_left)
            else:
                await world.changed.wait(0.05)
        self._print_all()

    def _print_all(self) -> None:
        """The person typing last, so their question ends the screen."""
        others = [p for p in self.people.values() if p is not self.typing]
        for person in [*others, self.typing]:
            self._note_invite(person)
            self.screen.flush(person)

    def _note_invite(self, person: Person) -> None:
        for message in person.user.chat.messages[-5:]:
            found = INVITE.search(message.text or "")
            if found:
                self.invite = found.group(1)
