"""Forms as data (docs/DESIGN.md decision 2): questions with buttons, a parser and conditions."""

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Buttons = tuple[tuple[str, ...], ...]


@dataclass
class FormContext:
    """What prompts, parsers and conditions may read: who, today, and the answers so far.

    Keys of `answers` starting with "_" are facts fixed when the form started (e.g. whether
    yesterday had a loading session), so a form resumed after a restart asks the same things.
    """

    user_id: int
    chat_id: int
    first_name: str
    today: dt.date
    now: dt.datetime
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str | Callable[[FormContext], str]
    parse: Callable[[str, FormContext], Any]
    buttons: Buttons | Callable[[FormContext], Buttons] = ()
    ask_if: Callable[[FormContext], bool] | None = None
    label: str = ""  # short name, used in summaries and "change something"
    show: Callable[[Any], str] = str  # a stored answer in words
    goto: Callable[[Any, FormContext], str | None] | None = None  # jump after this answer

    def text(self, ctx: FormContext) -> str:
        return self.prompt(ctx) if callable(self.prompt) else self.prompt

    def keyboard(self, ctx: FormContext) -> Buttons:
        return self.buttons(ctx) if callable(self.buttons) else self.buttons

    def applies(self, ctx: FormContext) -> bool:
        return self.ask_if is None or self.ask_if(ctx)


Finish = Callable[[FormContext, Any, Any], Awaitable[None]]  # (context, Chat, Store)


@dataclass(frozen=True)
class Form:
    """A named list of questions and what to do with the answers."""

    name: str
    questions: tuple[Question, ...]
    finish: Finish  # called with the context, the `Chat` and the `Store`
    # an open draft that no longer makes sense (e.g. a check-in begun on an earlier day)
    expired: Callable[[FormContext], str | None] | None = None  # → why, shown to the user

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def first(self, ctx: FormContext) -> Question | None:
        return self.after(None, ctx)

    def after(self, qid: str | None, ctx: FormContext) -> Question | None:
        """The next question that applies after `qid` (or the first one)."""
        ids = [q.id for q in self.questions]
        start = 0 if qid is None else ids.index(qid) + 1
        for q in self.questions[start:]:
            if q.applies(ctx):
                return q
        return None


def show_yes_no(value: Any) -> str:
    return "yes" if value else "no"
