"""What `stridecoach try` prints: each person's messages under their name, buttons numbered
beside them (#1, #2 …), edits marked, pop-up answers to presses, and pictures and documents
saved under ./stridecoach-try-files/ with their path.

The order within one reply is chosen so that the current question is the last thing on
screen: pop-ups first, then old questions turned into "answered" (no buttons any more), then
new messages, then messages edited into the next question.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.sandbox import BotMessage, SandboxUser

FILES_DIR = "stridecoach-try-files"
INDENT = "     "


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "person"


def button_rows(message: BotMessage) -> list[str]:
    lines, number = [], 1
    for row in message.buttons:
        cells = []
        for label in row:
            cells.append(f"#{number} {label}")
            number += 1
        lines.append(INDENT + "   ".join(cells))
    return lines


@dataclass
class Person:
    """Someone typing in the terminal: a name and their sandbox user (their chat)."""

    name: str
    user: SandboxUser
    printed: dict[int, int] = field(default_factory=dict)  # message id → versions printed
    answers_printed: int = 0
    texts: dict[int, str] = field(default_factory=dict)  # message id → the text printed last
    shown: list[BotMessage] = field(default_factory=list)  # in the order they were printed

    def current(self) -> BotMessage | None:
        """The newest question on screen: the last printed message that still has buttons."""
        return next((m for m in reversed(self.shown) if m.buttons), None)


class Screen:
    """Prints to `out` and saves files; remembers whose block and which moment it printed last."""

    def __init__(self, out: Callable[[str], None], files_dir: Path, open_files: bool = False,
                 stamp: Callable[[], str] | None = None,
                 clock: Callable[[], dt.datetime] | None = None) -> None:  # fmt: skip
        self.out = out
        self.clock = clock  # the bot's "now", for file names
        self.files_dir = files_dir
        self.open_files = open_files
        self.stamp = stamp  # the clock as the person typing reads it
        self.block: str | None = None  # whose messages were printed last
        self.last_stamp: str | None = None
        self.saved: list[Path] = []

    def line(self, text: str) -> None:
        self.out(text)

    def header(self, person: Person) -> None:
        if self.block != person.name:
            self.out(f"── {person.name} ──")
            self.block = person.name

    def typed(self, person: Person, text: str, pressed: str | None, echo: bool) -> None:
        """A line the person typed (echoed in scripts) and the button it pressed, if any."""
        self.block = person.name
        note = f"   (pressed “{pressed}”)" if pressed is not None else ""
        if echo:
            self.out(f"{person.name}> {text}{note}")
        elif note:
            self.out("  " + note.strip())

    def time_mark(self, force: bool = False) -> None:
        if self.stamp is None:
            return
        stamp = self.stamp()
        if force or stamp != self.last_stamp:
            self.out(f"⏰ {stamp}")
            self.last_stamp = stamp
            self.block = None

    def pending(self, person: Person) -> bool:
        chat = person.user.chat
        return len(chat.callback_answers) > person.answers_printed or any(
            person.printed.get(m.message_id) != len(m.history) + 1 for m in chat.messages
        )

    def flush(self, person: Person) -> None:
        """Print what is new in `person`'s chat since the last flush."""
        if not self.pending(person):
            return
        chat = person.user.chat
        answers = chat.callback_answers[person.answers_printed :]
        person.answers_printed = len(chat.callback_answers)
        fresh, answered, turned = [], [], []
        for message in chat.messages:
            versions = len(message.history) + 1
            before = person.printed.get(message.message_id)
            if before == versions:
                continue
            person.printed[message.message_id] = versions
            if before is None:
                fresh.append(message)
            elif message.buttons:
                turned.append(message)
            else:
                answered.append(message)
        self.time_mark()
        self.header(person)
        for answer in answers:
            if answer.text:
                kind = "alert box" if answer.show_alert else "pop-up"
                self.out(f"  bot ({kind}): {answer.text}")
        for message in answered:
            self._message(person, message, "edited")
        for message in fresh:
            self._message(person, message, None)
        for message in turned:
            self._message(person, message, "edited")

    def reshow(self, person: Person) -> None:
        """On switching to a person: their open question again, so it is the last thing shown."""
        current = person.current()
        self.header(person)
        if current is not None:  # its first line is enough to recognise it
            first = (current.text or current.caption or "").split("\n", 1)[0]
            self.out("\n".join([f"  bot (still open): {first} …", *button_rows(current)]))

    def _message(self, person: Person, message: BotMessage, mark: str | None) -> None:
        who = f"bot ({mark})" if mark else "bot"
        body = message.text if message.text is not None else (message.caption or "")
        before = person.texts.get(message.message_id)
        person.texts[message.message_id] = body
        if mark == "edited" and before:
            body = only_new(before, body)
        attachment = None
        if message.photo is not None or message.document is not None:
            attachment = self._save(person, message)
        lines = [
            f"  {who}: " + (f"[{attachment}] " if attachment else "") + body.replace("\n", "\n  ")
        ]
        lines += button_rows(message)
        self.out("\n".join(line.rstrip() for line in "\n".join(lines).split("\n")))
        if message in person.shown:
            person.shown.remove(message)
        person.shown.append(message)

    def _save(self, person: Person, message: BotMessage) -> str:
        """Write a photo or document to the files folder; the line that says where."""
        stored = message.photo or message.document
        kind = "picture" if message.photo is not None else "file"
        if message.photo is not None:  # uploads carry no useful name ("application.octet-stream")
            name = "picture" + image_suffix(stored.data)
        else:
            name = stored.file_name or "file.bin"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        when = self.clock().strftime("%Y%m%d-%H%M") if self.clock else "file"
        stem = f"{slug(person.name)}-{when}-{message.message_id:03d}-{name}"
        path, copy = self.files_dir / stem, 1
        while path.exists() and path.read_bytes() != stored.data:  # an earlier session's file
            copy += 1
            path = self.files_dir / f"{copy}-{stem}"
        path.write_bytes(stored.data)
        self.saved.append(path)
        if self.open_files:
            open_with_viewer(path)
        return f"{kind} saved: {display_path(path)}, {size(len(stored.data))}"


def image_suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".img"


def only_new(before: str, after: str) -> str:
    """An edited text without the paragraphs that were on screen already: a form's message
    keeps the question just answered above the next one."""
    starts = [0] + [i + 2 for i in range(len(before)) if before.startswith("\n\n", i)]
    for start in starts:
        shown = before[start:]
        if shown.strip() and after.startswith(shown) and after != shown:
            return "…" + after[len(shown) :].lstrip("\n")
    return after


def display_path(path: Path) -> str:
    try:
        return "./" + str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} kB"


def open_with_viewer(path: Path) -> None:
    """Hand a file to the system's viewer without waiting for it; silent if there is none."""
    if sys.platform == "darwin":
        command = ["open", str(path)]
    elif sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606
        return
    elif shutil.which("xdg-open"):
        command = ["xdg-open", str(path)]
    else:
        return
    subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)  # fmt: skip
