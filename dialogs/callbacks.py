"""Every kind of button the bot sends: its callback_data built and parsed in one place, and
one answer to a button that no longer works.

A kind is a small frozen dataclass: `build(button)` gives its callback_data, `parse(data)`
reads any string back into a kind, or None for anything stale, forged or foreign (it never
raises); dialogs/routing.py gives each prefix its one handler. The formats are the wire format: buttons stay in chats and in queued outbox rows
for weeks, so a format never changes; a kind may only gain fields at its end. Telegram allows
at most 64 bytes of callback_data (Bot API, InlineKeyboardButton); tests/dialogs/
test_callbacks.py checks the longest each builder can make.
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar

STALE = "That button no longer works."
STALE_NOT_SET_UP = "That button no longer works — send /start to set up."
MAX_BYTES = 64
MAX_ID = 2**63 - 1  # SQLite's largest integer: ids and stamps above it are forged

ALERT_ACTIONS = ("seen", "resume", "resume!", "hold", "back")  # "resume!": confirmed
PICK_PURPOSES = ("card", "clear", "clear_walking", "clear_running", "resume", "hold")
CONFIRM_VERBS = ("no", "walking", "running", "resume", "hold")  # "no": cancel
ROLES = ("coach", "runner", "no")
CHECKIN_OFFERS = ("start", "correct", "today")
SNOOZE_HOURS = (1, 3)
EXITS = ("invite", "ask", "unpause")
MENU = ("help", "settings", "plan")


_ID = re.compile(r"0|[1-9][0-9]{0,18}")
_NAME = re.compile(r"[a-z0-9_]{1,40}")


def _id(text: str) -> int | None:
    """A non-negative whole number as the bot writes one (ASCII digits, no leading zero)."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _name(text: str) -> str | None:
    """A form's or question's name: lower-case letters, digits and underscores."""
    return text if _NAME.fullmatch(text) else None


@dataclass(frozen=True)
class FormAnswer:
    """`f:<form>:<question>:<index>`: the index-th button of a form's question."""

    PREFIX: ClassVar[str] = "f"
    form: str
    question: str
    index: int

    def fields(self) -> tuple:
        return self.form, self.question, self.index

    @classmethod
    def read(cls, rest: str) -> "FormAnswer | None":
        parts = rest.split(":")
        if len(parts) != 3:
            return None
        form, question, index = _name(parts[0]), _name(parts[1]), _id(parts[2])
        return None if form is None or question is None or index is None else cls(form, question, index)


@dataclass(frozen=True)
class AlertPress:
    """`a:<action>:<alert id>`: Seen, Resume plan (and its confirmation), Keep on hold, Back."""

    PREFIX: ClassVar[str] = "a"
    action: str
    alert_id: int

    def fields(self) -> tuple:
        return self.action, self.alert_id

    @classmethod
    def read(cls, rest: str) -> "AlertPress | None":
        action, _, raw = rest.partition(":")
        alert_id = _id(raw)
        return cls(action, alert_id) if action in ALERT_ACTIONS and alert_id is not None else None


@dataclass(frozen=True)
class Pick:
    """`p:<purpose>:<runner id>`: an athlete chosen from a list, a card or an alert."""

    PREFIX: ClassVar[str] = "p"
    purpose: str
    runner_id: int

    def fields(self) -> tuple:
        return self.purpose, self.runner_id

    @classmethod
    def read(cls, rest: str) -> "Pick | None":
        purpose, _, raw = rest.partition(":")
        runner_id = _id(raw)
        return cls(purpose, runner_id) if purpose in PICK_PURPOSES and runner_id is not None else None


@dataclass(frozen=True)
class Confirm:
    """`k:<verb>:<runner id>:<unix time of the prompt>`: a coach confirms (or cancels) a plan
    change; the prompt's time makes the key that has it done once."""

    PREFIX: ClassVar[str] = "k"
    verb: str
    runner_id: int
    stamp: int

    def fields(self) -> tuple:
        return self.verb, self.runner_id, self.stamp

    @classmethod
    def read(cls, rest: str) -> "Confirm | None":
        parts = rest.split(":")
        if len(parts) != 3 or parts[0] not in CONFIRM_VERBS:
            return None
        runner_id, stamp = _id(parts[1]), _id(parts[2])
        return None if runner_id is None or stamp is None else cls(parts[0], runner_id, stamp)


@dataclass(frozen=True)
class Undo:
    """`u:<coach action id>`: take back a clearance or hold."""

    PREFIX: ClassVar[str] = "u"
    action_id: int

    def fields(self) -> tuple:
        return (self.action_id,)

    @classmethod
    def read(cls, rest: str) -> "Undo | None":
        action_id = _id(rest)
        return None if action_id is None else cls(action_id)


@dataclass(frozen=True)
class Role:
    """`role:<coach|runner|no>`: the answer to "set up as a coach (or a runner) too?"."""

    PREFIX: ClassVar[str] = "role"
    choice: str

    def fields(self) -> tuple:
        return (self.choice,)

    @classmethod
    def read(cls, rest: str) -> "Role | None":
        return cls(rest) if rest in ROLES else None


@dataclass(frozen=True)
class CoachDelete:
    """`cdel:coach:<unix time of the question>` deletes the coach account; `cdel:cancel`
    keeps it. A confirmation without a readable time (`stamp` None) counts as expired."""

    PREFIX: ClassVar[str] = "cdel"
    confirm: bool
    stamp: int | None = None

    def fields(self) -> tuple:
        if not self.confirm:
            return ("cancel",)
        return ("coach",) if self.stamp is None else ("coach", self.stamp)

    @classmethod
    def read(cls, rest: str) -> "CoachDelete | None":
        if rest == "cancel":
            return cls(False)
        if rest == "coach" or rest.startswith("coach:"):
            return cls(True, _id(rest.removeprefix("coach").removeprefix(":")))
        return None


@dataclass(frozen=True)
class Delete:
    """`del:confirm:<unix time of the /delete>` deletes everything; `del:cancel` keeps it. A
    confirmation without a readable time (made before buttons carried one, or forged) counts
    as expired."""

    PREFIX: ClassVar[str] = "del"
    confirm: bool
    stamp: int | None = None

    def fields(self) -> tuple:
        if not self.confirm:
            return ("cancel",)
        return ("confirm",) if self.stamp is None else ("confirm", self.stamp)

    @classmethod
    def read(cls, rest: str) -> "Delete | None":
        if rest == "cancel":
            return cls(False)
        if rest == "confirm" or rest.startswith("confirm:"):
            return cls(True, _id(rest.removeprefix("confirm").removeprefix(":")))
        return None


@dataclass(frozen=True)
class CheckinOffer:
    """`checkin:<start|correct|today>`: check in now, correct today's answers, today's plan."""

    PREFIX: ClassVar[str] = "checkin"
    what: str

    def fields(self) -> tuple:
        return (self.what,)

    @classmethod
    def read(cls, rest: str) -> "CheckinOffer | None":
        return cls(rest) if rest in CHECKIN_OFFERS else None


@dataclass(frozen=True)
class Snooze:
    """`snooze:<hours>`: remind me again later (1 or 3 hours)."""

    PREFIX: ClassVar[str] = "snooze"
    hours: int

    def fields(self) -> tuple:
        return (self.hours,)

    @classmethod
    def read(cls, rest: str) -> "Snooze | None":
        hours = _id(rest)
        return cls(hours) if hours in SNOOZE_HOURS else None


@dataclass(frozen=True)
class ResumeSelf:
    """`resume:self`: "I have seen my clinician" after a stop (low-risk bone, no coach)."""

    PREFIX: ClassVar[str] = "resume"

    def fields(self) -> tuple:
        return ("self",)

    @classmethod
    def read(cls, rest: str) -> "ResumeSelf | None":
        return cls() if rest == "self" else None


@dataclass(frozen=True)
class _Code:
    """`<prefix>:y:<code>` accepts the invite with that code; `<prefix>:n` declines."""

    code: str | None  # None: not now

    def fields(self) -> tuple:
        return ("n",) if self.code is None else ("y", self.code)

    @classmethod
    def read(cls, rest: str) -> Any:
        if rest == "n":
            return cls(None)
        code = rest.removeprefix("y:")
        return cls(code) if rest.startswith("y:") and code else None


@dataclass(frozen=True)
class Link(_Code):
    """`link:y:<coach code>` / `link:n`: the runner's consent to link to a coach."""

    PREFIX: ClassVar[str] = "link"


@dataclass(frozen=True)
class ClinicianInvite(_Code):
    """`rinv:y:<runner's invite code>` / `rinv:n`: a clinician accepts a runner's invite."""

    PREFIX: ClassVar[str] = "rinv"


@dataclass(frozen=True)
class Leave:
    """`leave:<coach id>` unlinks from that coach; `leave:keep` stays linked."""

    PREFIX: ClassVar[str] = "leave"
    coach_id: int | None  # None: keep

    def fields(self) -> tuple:
        return ("keep",) if self.coach_id is None else (self.coach_id,)

    @classmethod
    def read(cls, rest: str) -> "Leave | None":
        if rest == "keep":
            return cls(None)
        coach_id = _id(rest)
        return None if coach_id is None else cls(coach_id)


@dataclass(frozen=True)
class Exit:
    """`exit:<invite|ask|unpause>`: a way out of a stuck state (dialogs/exits.py)."""

    PREFIX: ClassVar[str] = "exit"
    what: str

    def fields(self) -> tuple:
        return (self.what,)

    @classmethod
    def read(cls, rest: str) -> "Exit | None":
        return cls(rest) if rest in EXITS else None


@dataclass(frozen=True)
class SettingsAt:
    """`settings:<question id>`: /settings opened at that question (a way-out button)."""

    PREFIX: ClassVar[str] = "settings"
    question: str

    def fields(self) -> tuple:
        return (self.question,)

    @classmethod
    def read(cls, rest: str) -> "SettingsAt | None":
        question = _name(rest)
        return None if question is None else cls(question)


@dataclass(frozen=True)
class Menu:
    """`menu:<help|settings|plan>`: the menu a free message gets."""

    PREFIX: ClassVar[str] = "menu"
    what: str

    def fields(self) -> tuple:
        return (self.what,)

    @classmethod
    def read(cls, rest: str) -> "Menu | None":
        return cls(rest) if rest in MENU else None


Button = (FormAnswer | AlertPress | Pick | Confirm | Undo | Role | CoachDelete | Delete | CheckinOffer
          | Snooze | ResumeSelf | Link | ClinicianInvite | Leave | Exit | SettingsAt | Menu)  # fmt: skip
KINDS: tuple[type, ...] = Button.__args__
BY_PREFIX = {kind.PREFIX: kind for kind in KINDS}


def build(button: Button) -> str:
    """The callback_data of a button."""
    return ":".join((button.PREFIX, *(str(f) for f in button.fields())))


def parse(data: str | None) -> Button | None:
    """The button `data` stands for, or None: stale, forged or not ours. Never raises."""
    if not isinstance(data, str) or len(data) > MAX_BYTES or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    prefix, sep, rest = data.partition(":")
    kind = BY_PREFIX.get(prefix)
    return kind.read(rest) if kind is not None and sep else None
