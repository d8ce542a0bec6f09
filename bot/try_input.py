"""What a line typed into `stridecoach try` means: a try command (/as, /tomorrow …), a button
press, or text for the bot.

Answers are what they look like. Typed text is sent as text — "3" on a 0–10 scale is the
answer 3, never "the third button". A button is pressed by its label (exactly, or by the
start of one label of the current question; any case, emoji and punctuation ignored) or by
an explicit `#2`. A number only ever presses the button whose label is that number. Only
the current question's buttons are pressed this way: the last message on screen with buttons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.sandbox import BotMessage
from bot.sandbox.client import normalise
from bot.try_screen import Person

MARKER = re.compile(r"^#(\d+)$")
NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
TRY_COMMANDS = ("as", "tomorrow", "at", "days", "wait", "clock", "who", "tryhelp", "quit")
INVITE = "{invite}"


@dataclass
class Command:
    name: str
    arg: str


@dataclass
class Press:
    label: str
    message: BotMessage


@dataclass
class Text:
    text: str


@dataclass
class Problem:
    """A line that cannot be done as typed; the message says what would work."""

    message: str


Action = Command | Press | Text | Problem


def labels(message: BotMessage) -> list[str]:
    return [label for row in message.buttons for label in row]


def interpret(line: str, person: Person) -> Action:
    text = line.strip()
    if text.startswith("/"):
        name, _, arg = text[1:].partition(" ")
        if name.lower() in TRY_COMMANDS:
            return Command(name.lower(), arg.strip())
        return Text(text)
    current = person.current()
    marker = MARKER.match(text)
    if marker:
        if current is None:
            return Problem("There are no buttons on screen to press.")
        choices = labels(current)
        number = int(marker.group(1))
        if not 1 <= number <= len(choices):
            return Problem(f"There is no button #{number}: the buttons are #1–#{len(choices)}.")
        return Press(choices[number - 1], current)
    wanted = normalise(text)
    if not wanted:
        return Text(text)
    if current is None:
        return Text(text)
    # only the current question's buttons: older messages may still show buttons (a form's
    # earlier message, yesterday's reminder) and "no" or "0" must not press one of those
    for label in labels(current):
        if normalise(label) == wanted:
            return Press(label, current)
    if not NUMBER.match(text):
        starts = [label for label in labels(current) if normalise(label).startswith(wanted)]
        if len(starts) == 1:
            return Press(starts[0], current)
    return Text(text)


def with_invite(text: str, code: str | None) -> str | Problem:
    """`{invite}` in a line stands for the coach invite code shown last (a script cannot
    know the random code in advance)."""
    if INVITE not in text:
        return text
    if code is None:
        return Problem("No invite code has been shown yet: a coach gets one with /coach.")
    return text.replace(INVITE, code)
