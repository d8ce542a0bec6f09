"""`stridecoach try`: answers are what they look like, the current question ends the screen,
several people, a clock that moves (with the minute tick), files saved, and the terminal."""

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from bot import try_screen
from bot.sandbox import BotMessage
from bot.sandbox.state import StoredFile
from bot.try_clock import ClockError, TryClock, duration, next_at
from bot.try_input import Command, Press, Problem, Text, interpret
from bot.try_screen import Person, Screen, only_new
from bot.try_session import Session
from storage import get_checkin, open_db

ROOT = Path(__file__).resolve().parents[2]
MONDAY = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC)  # 07:30 in Berlin
ONBOARDING = ("/start", "i agree", "Shin — inner edge", "4 weeks ago", "Walking without pain",
              "yes", "yes", "62 kg", "29", "female", "3 h", "no", "Berlin", "yes", "07:00",
              "Tue + Thu", "looks right")  # fmt: skip


class FakeChat:
    """Just enough of a chat for BotMessage."""


def question(labels: list[list[str]], text: str = "Q?") -> BotMessage:
    markup = {"inline_keyboard": [[{"text": b, "callback_data": b} for b in row] for row in labels]}
    return BotMessage(chat=FakeChat(), message_id=1, date=1, text=text, reply_markup=markup)


def person_with(*messages: BotMessage) -> Person:
    person = Person("ann", user=None)
    person.shown.extend(messages)
    return person


PAIN = [[str(n) for n in range(6)], [str(n) for n in range(6, 11)]]


# --- what a typed line means ---------------------------------------------------------------


def test_a_number_is_the_label_with_that_number_never_a_position():
    grid = question(PAIN)
    for typed in ("3", "10", "0"):
        action = interpret(typed, person_with(grid))
        assert isinstance(action, Press) and action.label == typed
    sleep = question([["5", "6", "7"], ["7.5", "8", "9+"]])
    assert interpret("6", person_with(sleep)) == Press("6", sleep)
    # "4" and "7.2" are no labels: they go to the bot as text (no prefix match for numbers:
    # "7" would otherwise be the start of "7.5")
    assert interpret("4", person_with(sleep)) == Text("4")
    assert interpret("7.2", person_with(sleep)) == Text("7.2")
    assert interpret("7", person_with(sleep)) == Press("7", sleep)
    assert interpret("11", person_with(grid)) == Text("11")


def test_a_label_by_any_case_or_a_unique_start_and_hash_n_by_position():
    q = question([["✅ Looks right"], ["✏️ Change something"]])
    assert interpret("LOOKS RIGHT", person_with(q)).label == "✅ Looks right"
    assert interpret("chan", person_with(q)).label == "✏️ Change something"
    assert interpret("#2", person_with(q)).label == "✏️ Change something"
    assert isinstance(interpret("#3", person_with(q)), Problem)
    snooze = question([["Check in now"], ["Snooze 1 h", "Snooze 3 h"]])
    assert interpret("snooze", person_with(snooze)) == Text("snooze")  # ambiguous: text
    assert interpret("snooze 3", person_with(snooze)).label == "Snooze 3 h"
    assert interpret("62 kg", person_with(snooze)) == Text("62 kg")


def test_only_the_current_question_is_pressed_by_label():
    old = question([["No", "Yes"]], "an earlier question still showing buttons")
    current = question([["None", "A few hours"]], "the question on screen")
    person = person_with(old, current)
    assert interpret("yes", person) == Text("yes")
    assert interpret("no", person).label == "None"  # the start of a current label
    assert isinstance(interpret("#1", Person("x", user=None)), Problem)  # nothing on screen


def test_try_commands_and_bot_commands():
    person = person_with(question([["Yes"]]))
    assert interpret("/as coach", person) == Command("as", "coach")
    assert interpret("/days 7", person) == Command("days", "7")
    assert interpret("/checkin", person) == Text("/checkin")
    assert interpret("/resume 1", person) == Text("/resume 1")


def test_an_edited_form_message_shows_only_what_is_new():
    before = "Did bone pain wake you?\n✓ no\n\nBone pain this morning?"
    after = "Bone pain this morning?\n✓ 0\n\nDoes pressing on the bone hurt?"
    assert only_new(before, after) == "…✓ 0\n\nDoes pressing on the bone hurt?"
    assert only_new("Something else", after) == after


def test_pictures_and_documents_are_saved_with_their_path_and_opened_if_asked(
    tmp_path, monkeypatch
):
    png = b"\x89PNG\r\n\x1a\n" + b"chart" * 100
    photo = StoredFile("P1", "U1", "photo", png, "application.octet-stream")
    csv = StoredFile("D1", "U2", "document", b"date,pain\n", "checkins.csv")
    chat = FakeChat()
    chat.messages = [BotMessage(chat=chat, message_id=7, date=1, caption="Your week", photo=photo),
                     BotMessage(chat=chat, message_id=8, date=1, document=csv)]  # fmt: skip
    chat.callback_answers = []
    person = Person("Ann", user=type("User", (), {"chat": chat})())
    opened: list[Path] = []
    monkeypatch.setattr(try_screen, "open_with_viewer", opened.append)
    monkeypatch.chdir(tmp_path)
    out: list[str] = []
    clock = lambda: dt.datetime(2026, 3, 8, 17, 0, tzinfo=dt.UTC)  # noqa: E731
    Screen(out.append, Path("stridecoach-try-files"), open_files=True, clock=clock).flush(person)
    picture = tmp_path / "stridecoach-try-files" / "ann-20260308-1700-007-picture.png"
    document = tmp_path / "stridecoach-try-files" / "ann-20260308-1700-008-checkins.csv"
    assert picture.read_bytes() == png and document.read_bytes() == b"date,pain\n"
    assert (
        f"[picture saved: ./stridecoach-try-files/{picture.name}, 508 bytes] Your week" in out[-2]
    )
    assert f"[file saved: ./stridecoach-try-files/{document.name}, 10 bytes]" in out[-1]
    assert [p.name for p in opened] == [picture.name, document.name]


# --- the clock -----------------------------------------------------------------------------


def test_clock_moves():
    clock = TryClock(MONDAY)
    assert len(clock.minutes_until(MONDAY + dt.timedelta(days=1))) == 24 * 60
    assert next_at(MONDAY, "07:00", "Europe/Berlin") == dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC)
    assert next_at(MONDAY, "8:15", "Europe/Berlin") == dt.datetime(2026, 3, 2, 7, 15, tzinfo=dt.UTC)
    assert duration("1d 2h") == dt.timedelta(days=1, hours=2)
    assert duration("45 min") == dt.timedelta(minutes=45)
    for bad in ("", "soon", "0m"):
        with pytest.raises(ClockError):
            duration(bad)
    with pytest.raises(ClockError):
        next_at(MONDAY, "25:00", None)


# --- a session against the real bot --------------------------------------------------------


async def session_in(tmp_path: Path, out: list[str]) -> Session:
    screen_files = tmp_path / "files"
    session = Session(str(tmp_path / "try.db"), TryClock(MONDAY), out.append, screen_files,
                      echo=True, fresh=True)  # fmt: skip
    await session.open()
    return session


async def play(session: Session, *lines: str) -> None:
    for line in lines:
        assert await session.handle(line), line


async def test_typed_numbers_on_0_to_10_scales_are_stored_as_typed(tmp_path):
    out: list[str] = []
    session = await session_in(tmp_path, out)
    try:
        await play(session, *ONBOARDING)
        # pain 3 at rest (a red flag: the stop, then the rest), 10 on waking, typed; sleep typed
        # as 6 (a label) — each stored as typed
        await play(session, "something's not right", "3", "no", "10", "no", "no", "no", "no",
                   "6", "1200 mg", "100 g", "0")  # fmt: skip
        ann = session.typing.user.id
    finally:
        await session.close()
    db = open_db(str(tmp_path / "try.db"))
    stored = get_checkin(db, ann, dt.date(2026, 3, 2))
    assert (stored.pain_rest, stored.pain_morning, stored.sleep_hours) == (3, 10, 6)
    assert (stored.calcium_mg, stored.protein_g) == (1200, 100)
    screen = "\n".join(out)
    assert "runner> 3   (pressed “3”)" in screen and "✓ 10" in screen and "✓ 6 h" in screen


async def test_the_current_question_is_the_last_thing_on_screen(tmp_path):
    out: list[str] = []
    session = await session_in(tmp_path, out)
    try:
        await play(session, *ONBOARDING[:7])
        before = len(out)
        await play(session, "62 kg")  # a typed answer: the old question is edited, a new one sent
        printed = "\n".join(out[before:])
        assert printed.index("✓ 62 kg") < printed.index("How old are you?")
        assert out[-1].startswith("  bot: How old are you?")
        await play(session, "29")
        assert out[-1].endswith("#3 Prefer not to say")  # the buttons end the screen
    finally:
        await session.close()


async def test_people_each_under_their_name_and_a_new_one_starts_with_nothing(tmp_path):
    out: list[str] = []
    session = await session_in(tmp_path, out)
    try:
        await play(session, "/as Kay", "/coach", "/as Ann", "/start c_{invite}", "i agree", "link",
                   *ONBOARDING[2:])  # consent first: linked once onboarding is done  # fmt: skip
        screen = "\n".join(out)
        assert "── Kay (new: starts with nothing; try /start) ──" in screen
        kay_block = screen[screen.index("── Kay ──") :]
        assert kay_block.splitlines()[1].startswith("  bot: Ann linked to you")
        assert "You are linked to your coach Kay" in screen.split("── Ann ──")[-1]
        await play(session, "/as Bo")
        assert session.typing.user.chat.messages == []
        assert not await session.handle("/as no spaces")
    finally:
        await session.close()


async def test_moving_the_clock_runs_the_tick_for_the_skipped_minutes(tmp_path):
    out: list[str] = []
    session = await session_in(tmp_path, out)
    try:
        await play(session, *ONBOARDING, "all clear", "8", "3", "4", "0")
        before = len(out)
        await play(session, "/days 2")
        moved = out[before:]
        marks = [line for line in moved if line.startswith("⏰")]
        # Tue 07:00 reminder (+ strength), Tue 10:00 nudge, Wed 07:00 reminder, then "now"
        assert marks == ["⏰ Tue 03 Mar 2026 07:00 CET", "⏰ Tue 03 Mar 2026 10:00 CET",
                         "⏰ Wed 04 Mar 2026 07:00 CET", "⏰ Wed 04 Mar 2026 07:30 CET  (moved 2 days)"]  # fmt: skip
        assert sum("Check in now" in line for line in moved) == 3
        assert session.clock.now == MONDAY + dt.timedelta(days=2)
        await play(session, "snooze 1")
        assert any("bot (pop-up):" in line and "08:30" in line for line in out[-3:])
        assert not await session.handle("/clock 2026-03-01 06:00")  # no going back with data
    finally:
        await session.close()


# --- the terminal --------------------------------------------------------------------------


class Output:
    """What the process printed, read on demand; `until` waits for text printed after the
    previous wait."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream, self.text, self.mark = stream, "", 0

    async def until(self, marker: str) -> None:
        async with asyncio.timeout(30):
            while marker not in self.text[self.mark :]:
                chunk = (await self.stream.read(4096)).decode()
                if not chunk:
                    raise AssertionError(f"output ended before {marker!r}:\n{self.text}")
                self.text += chunk
        self.mark = self.text.index(marker, self.mark) + len(marker)


@pytest.mark.slow  # drives stridecoach try in a subprocess, three sessions
async def test_try_in_a_terminal_keeps_its_data_and_clock(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("STRIDECOACH_TOKEN", None)

    async def run(lines: list[str], until: list[str]) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "try", "--start", "2026-03-02T06:30", cwd=tmp_path,
            env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out = Output(proc.stdout)
        try:
            await out.until("Type /start to begin")
            for line, marker in zip(lines, until, strict=True):
                proc.stdin.write(line.encode() + b"\n")
                await out.until(marker)
            proc.stdin.write(b"/quit\n")
            await proc.stdin.drain()
            async with asyncio.timeout(30):
                assert await proc.wait() == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        return out.text

    first = await run(["/start", "#1"], ["#1 I agree", "Heel"])
    assert "Clock: Mon 02 Mar 2026 06:30 UTC" in first and "/as coach" in first
    assert "bot (edited): …✓ I agree" in first and "runner> " in first
    assert (tmp_path / "stridecoach-try.db").exists()
    second = await run(["/wait 2h", "/start"], ["(moved 2 h)", "Let's continue"])
    assert "Clock: Mon 02 Mar 2026 06:30 UTC" in second  # as --start says: no data after it
    third = await run(["/clock"], ["⏰"])
    assert "Clock: Mon 02 Mar 2026 08:30 UTC" in third  # not back before the last session
    assert "Which bone was injured?" in second  # the form goes on where it stopped
