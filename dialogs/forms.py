"""Forms as data (docs/DESIGN.md decision 2): questions with buttons, a parser and conditions."""

import datetime as dt
import inspect
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


Parse = Callable[[str], Any] | Callable[[str, FormContext], Any]


def _wants_context(parse: Parse) -> bool:
    """Whether a parser takes the form's context as well as the text."""
    try:
        params = inspect.signature(parse).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: text only
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str | Callable[[FormContext], str]
    parse: Parse  # (text) or (text, context) → the value, or raises parsing.Invalid
    buttons: Buttons | Callable[[FormContext], Buttons] = ()
    ask_if: Callable[[FormContext], bool] | None = None
    label: str = ""  # short name, used in summaries and "change something"
    show: Callable[[Any], str] = str  # a stored answer in words
    goto: Callable[[Any, FormContext], str | None] | None = None  # jump after this answer
    # the ✓ line after an answer: (what was typed or pressed, its value) → words; default:
    # the pressed button's own words, else `show(value)`
    echo: Callable[[str, Any], str] | None = None
    wants_context: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wants_context", _wants_context(self.parse))

    def read(self, text: str, ctx: FormContext) -> Any:
        """The answer's value: the parser given the text, and the context if it asks for it."""
        return self.parse(text, ctx) if self.wants_context else self.parse(text)

    def text(self, ctx: FormContext) -> str:
        return self.prompt(ctx) if callable(self.prompt) else self.prompt

    def keyboard(self, ctx: FormContext) -> Buttons:
        return self.buttons(ctx) if callable(self.buttons) else self.buttons

    def applies(self, ctx: FormContext) -> bool:
        return self.ask_if is None or self.ask_if(ctx)


# (context, Chat, Store) → the name of the form to open next (the runner opens it), or None
Finish = Callable[[FormContext, Any, Any], Awaitable[str | None]]
# how a form is opened when another form's end names it: (context, Chat, Store)
Opener = Callable[[FormContext, Any, Any], Awaitable[None]]
# after an answer is stored, before the next question: (context, question answered, Chat,
# Store) → None, a note shown above the next question, or SENT (it sent messages of its own:
# the next question goes out as a new message below them)
OnAnswer = Callable[[FormContext, "Question", Any, Any], Awaitable[str | None]]
SENT = "__sent__"
ECHO = "_echo"  # answers[ECHO][question id]: the words the ✓ line shows


@dataclass(frozen=True)
class Form:
    """A named list of questions and what to do with the answers."""

    name: str
    questions: tuple[Question, ...]
    finish: Finish  # called with the context, the `Chat` and the `Store`
    # an open draft that no longer makes sense (e.g. a check-in begun on an earlier day)
    expired: Callable[[FormContext], str | None] | None = None  # → why, shown to the user
    on_answer: OnAnswer | None = None
    # an expired draft's answers worth keeping: (db, user id, answers, now), run on the
    # database thread before the draft is dropped
    salvage: Callable[[Any, int, dict, Any], None] | None = None
    # opened after another form names it: None → at its first question, no answers yet
    opens: Opener | None = None

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
