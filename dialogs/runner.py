"""The generic form runner (docs/DESIGN.md decision 2).

It asks the current question, parses button presses and typed text with the same parser,
stores each answer in the database as it arrives and resumes after a restart exactly where
it stopped. A button from a question that is no longer current gets a polite "closed".

A button answer turns the question's message into the next question (the answer shown above
it): one edit instead of an edit and a new message, so a press costs two Bot API calls, not
three. A typed answer comes below the question, so the next question is sent below it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from dialogs import callbacks
from dialogs.callbacks import FormAnswer
from dialogs.chat import Chat, Keyboard
from dialogs.forms import ECHO, SENT, Form, FormContext, Question
from dialogs.parsing import Invalid
from storage import Draft, Store, clear_draft, load_draft, save_draft

log = logging.getLogger(__name__)

FORMS: dict[str, Form] = {}
CLOSED = "That question is closed — please answer the latest one."
NEED_TEXT = "I need a typed answer or a button here."
RETURN_TO = "_return_to"
END = "__end__"  # a `goto` target that finishes the form at once


@dataclass(frozen=True)
class OpenForm:
    """What `current()` found: the open form and its draft, or the expired case (the draft
    was out of date, so it was dropped and the user told why; nothing is open now)."""

    draft: Draft | None = None
    form: Form | None = None
    expired: bool = False


EXPIRED = OpenForm(expired=True)


def register(form: Form) -> Form:
    FORMS[form.name] = form
    return form


def callback_data(form: Form, q: Question, index: int) -> str:
    return callbacks.build(FormAnswer(form.name, q.id, index))


def keyboard(form: Form, q: Question, ctx: FormContext) -> Keyboard:
    rows, index = [], 0
    for row in q.keyboard(ctx):
        cells = []
        for label in row:
            cells.append((label, callback_data(form, q, index)))
            index += 1
        rows.append(cells)
    return rows


def _label(form: Form, q: Question, ctx: FormContext, index: int) -> str | None:
    flat = [label for row in q.keyboard(ctx) for label in row]
    return flat[index] if 0 <= index < len(flat) else None


async def ask(store: Store, chat: Chat, form: Form, q: Question, ctx: FormContext,
              note: str | None = None) -> None:  # fmt: skip
    """Save the draft at question `q`, then send it (with a note above it, if any)."""
    await store.write(save_draft, ctx.user_id, form.name, q.id, ctx.answers)
    text = q.text(ctx) if note is None else f"{note}\n\n{q.text(ctx)}"
    message_id = await chat.send(text, keyboard(form, q, ctx))
    await store.write(save_draft, ctx.user_id, form.name, q.id, ctx.answers, message_id)


async def start(store: Store, chat: Chat, form: Form, ctx: FormContext,
                note: str | None = None) -> None:  # fmt: skip
    """Open `form` for this user (replacing any other) at its first question."""
    first = form.first(ctx)
    if first is None:
        await store.run(clear_draft, ctx.user_id)
        await _finish(store, chat, form, ctx)
        return
    await ask(store, chat, form, first, ctx, note)


async def _finish(store: Store, chat: Chat, form: Form, ctx: FormContext) -> None:
    """The form's end, then the form it names next (e.g. onboarding → the first check-in)."""
    following = await form.finish(ctx, chat, store)
    if following is None:
        return
    nxt = FORMS[following]
    fresh = FormContext(ctx.user_id, ctx.chat_id, ctx.first_name, ctx.today, ctx.now)
    if nxt.opens is not None:
        await nxt.opens(fresh, chat, store)
    else:
        await start(store, chat, nxt, fresh)


UNREAD: Any = object()  # `current()`'s default: read the draft from the database


async def current(store: Store, user_id: int, chat: Chat | None = None,
                  base: FormContext | None = None,
                  draft: Draft | None = UNREAD) -> OpenForm | None:  # fmt: skip
    """The open form and its draft (read here unless the caller read it with the zone), None
    when no form is open; an expired one is dropped (and the user told why): EXPIRED."""
    if draft is UNREAD:
        draft = await store.read(load_draft, user_id)
    if draft is None or draft.form not in FORMS or draft.question is None:
        return None
    form = FORMS[draft.form]
    if form.expired is not None and base is not None:
        why = form.expired(_context(base, dict(draft.answers)))
        if why:
            await store.run(_drop_expired, form, user_id, dict(draft.answers), base.now)
            if chat is not None:
                await chat.send(why)
            return EXPIRED
    return OpenForm(draft, form)


def _context(base: FormContext, answers: dict[str, Any]) -> FormContext:
    return FormContext(base.user_id, base.chat_id, base.first_name, base.today, base.now, answers)


def _drop_expired(db, form: Form, user_id: int, answers: dict, now) -> None:
    with db.atomic():
        if form.salvage is not None:
            form.salvage(db, user_id, answers, now)
        clear_draft(db, user_id)


LATE = "I had already moved on when that message came in — here is the current question."


async def answer_text(store: Store, chat: Chat, base: FormContext, text: str,
                      message_id: int | None = None, draft: Draft | None = UNREAD) -> bool:  # fmt: skip
    """A typed answer to the open form; False when no form is open.

    A text sent before the current question was shown (its message id is older, as ids in a
    chat are one sequence) was meant for an earlier question — typically an answer sent twice
    while waiting: it is not applied to a question the runner had not seen; that one is asked
    again."""
    found = await current(store, base.user_id, chat, base, draft)
    if found is None or found.expired:
        return found is not None
    draft, form = found.draft, found.form
    ctx = _context(base, dict(draft.answers))
    if draft.message_id is None:
        # the process stopped between saving this question and sending it: show it first,
        # rather than guess which question the text was meant for
        await ask(store, chat, form, form.question(draft.question), ctx)
        return True
    if message_id is not None and message_id < draft.message_id:
        await ask(store, chat, form, form.question(draft.question), ctx, LATE)
        return True
    await _accept(store, chat, form, draft, ctx, text)
    return True


async def answer_button(store: Store, chat: Chat, base: FormContext, pressed: FormAnswer,
                        draft: Draft | None = UNREAD,
                        ack: Callable[[], Awaitable[None]] | None = None,
                        message_id: int | None = None) -> str | None:  # fmt: skip
    """A press of a form's button on message `message_id`; returns the text for the button's
    toast (None: no toast). `ack` answers the press without a toast: called as soon as the
    press is known to be valid."""
    form_name, qid = pressed.form, pressed.question
    found = await current(store, base.user_id, chat, base, draft)
    if found is not None and found.expired:
        return None
    if found is None or found.draft.form != form_name or found.draft.question != qid:
        if found is not None and message_id is not None and message_id == found.draft.message_id:
            await _show_current(store, chat, found, base, form_name, qid)
        return CLOSED
    draft, form = found.draft, found.form
    ctx = _context(base, dict(draft.answers))
    label = _label(form, form.question(qid), ctx, pressed.index)
    if label is None:
        return callbacks.STALE
    # a valid press: stop the button's spinner now, beside storing it and asking on
    acked = asyncio.create_task(ack()) if ack is not None else None
    try:
        # in place only on the question's own message (not a copy sent after a failed edit)
        await _accept(store, chat, form, draft, ctx, label, in_place=message_id == draft.message_id,
                      answered=acked)  # fmt: skip
    finally:
        if acked is not None:
            await acked
    return None


async def _show_current(store: Store, chat: Chat, found: OpenForm, base: FormContext,
                        form_name: str, qid: str) -> None:  # fmt: skip
    """A press on the open form's own message, from the question answered just before the
    current one: a repeated press, or the process stopped between storing that answer and
    showing the next question. Make sure the message shows the current question (a no-op if
    it already does). Older or unknown questions cannot be on show there: nothing to do."""
    draft, form = found.draft, found.form
    if form_name != draft.form or qid not in draft.answers:  # "_…" facts are answers too
        return
    pressed = next((q for q in form.questions if q.id == qid), None)
    current_q = form.question(draft.question)
    if pressed is None or _next(form, pressed, draft.answers[qid],
                                _context(base, dict(draft.answers))) is not current_q:  # fmt: skip
        return
    ctx = _context(base, dict(draft.answers))
    if not await chat.replace(draft.message_id, _moved_on(pressed, ctx, current_q),
                              keyboard(form, current_q, ctx)):  # fmt: skip
        await ask(store, chat, form, current_q, ctx)


def _answered(q: Question, ctx: FormContext) -> str:
    """A question with its answer, as the answered question's message shows it: the chosen
    button's words, or what a typed answer was understood as."""
    shown = ctx.answers.get(ECHO, {}).get(q.id)
    return f"{q.text(ctx)}\n✓ {shown if shown is not None else q.show(ctx.answers[q.id])}"


def _echo(q: Question, ctx: FormContext, text: str, value: Any) -> str:
    if q.echo is not None:
        return q.echo(text, value)
    labels = [label for row in q.keyboard(ctx) for label in row]
    return text if text in labels else q.show(value)


def _moved_on(q: Question, ctx: FormContext, nxt: Question, note: str | None = None) -> str:
    """The message of a question answered by button, turned into the next question."""
    between = f"\n\n{note}" if note else ""
    return f"{_answered(q, ctx)}{between}\n\n{nxt.text(ctx)}"


async def not_text(store: Store, chat: Chat, base: FormContext) -> bool:
    """A sticker, photo, voice … while a form is open: re-ask with what is valid."""
    return await reask(store, chat, base, NEED_TEXT)


async def reask(store: Store, chat: Chat, base: FormContext, note: str) -> bool:
    """Show the open form's current question again (e.g. after /start mid-form)."""
    found = await current(store, base.user_id, chat, base)
    if found is None or found.expired:
        return found is not None
    draft, form = found.draft, found.form
    ctx = _context(base, dict(draft.answers))
    await ask(store, chat, form, form.question(draft.question), ctx, note)
    return True


async def cancel(store: Store, user_id: int) -> str | None:
    """Leave the open form; returns its name, or None when there was none."""
    draft = await store.run(load_draft, user_id)
    if draft is None:
        return None
    await store.run(clear_draft, user_id)
    return draft.form


# How long a form's last press waits for its answer to go out before the form's end is
# worked out: time for the request to be written (the sandbox answers in ~1 ms), not for a
# round trip to Telegram (~100 ms from a server), which the result would then wait for too.
ANSWER_HEAD_START_S = 0.02


async def _accept(store: Store, chat: Chat, form: Form, draft: Draft, ctx: FormContext,
                  text: str, in_place: bool = False,
                  answered: asyncio.Task | None = None) -> None:  # fmt: skip
    """Store the answer and go on: the next question, in the answered question's message when
    `in_place` (a button answer), else below; or finish the form. `answered`: the press's
    answer (its spinner stopping), under way beside this."""
    q = form.question(draft.question)
    try:
        value = q.read(text, ctx)
    except Invalid as exc:
        await ask(store, chat, form, q, ctx, f"⚠️ {exc}")
        return
    ctx.answers[q.id] = value
    ctx.answers.setdefault(ECHO, {})[q.id] = _echo(q, ctx, text, value)
    shown = draft.message_id
    note = None
    if form.on_answer is not None:
        note = await form.on_answer(ctx, q, chat, store)
        if note == SENT:
            # it spoke first (a stop): the answered question keeps its answer, the next
            # question (if any) comes below what it sent
            in_place, note = False, None
    nxt = _next(form, q, value, ctx)  # after on_answer: it may add facts to the answers
    if nxt is None:
        if answered is not None:
            # The end's work (a check-in's decision and forecast, ~10 ms of CPU, when there is
            # no decision worker; other forms' ends) runs on the loop without a pause, so an
            # answer merely under way would go out only after it:
            # the button would spin until the result came. Given a head start, it goes out
            # first; the head start is short, so a slow Telegram never holds the result back
            # by more (a stop must not wait on a spinner).
            await asyncio.wait({answered}, timeout=ANSWER_HEAD_START_S)
        await store.write(save_draft, ctx.user_id, form.name, q.id, ctx.answers)
        await _finish(store, chat, form, ctx)  # clears the draft together with what it saves
        if shown is not None:  # after the result, so the result is the reply; cosmetic
            await chat.edit(shown, _answered(q, ctx))
        return
    if in_place and shown is not None:
        # stored first: should the process stop before the edit, a press on this message
        # finds it is meant to show `nxt` and shows it (_show_current)
        await store.write(save_draft, ctx.user_id, form.name, nxt.id, ctx.answers, shown)
        moved = _moved_on(q, ctx, nxt, note)
        if await chat.replace(shown, moved, keyboard(form, nxt, ctx)):
            return
        shown = None  # not replaced (network, …): the question goes out as a new message
    # the answered question shows its answer; that edit is cosmetic (Chat.edit never
    # raises), so it goes out alongside the next question rather than before it
    edit = asyncio.create_task(chat.edit(shown, _answered(q, ctx))) if shown is not None else None
    try:
        await ask(store, chat, form, nxt, ctx, note)
    finally:
        if edit is not None:
            await edit


def _next(form: Form, q: Question, value: Any, ctx: FormContext) -> Question | None:
    """Where the form goes after `q`: a jump, back to a summary, or the next that applies."""
    if q.goto is not None:
        target = q.goto(value, ctx)
        if target == END:
            return None
        if target is not None:
            return form.question(target)
    back = ctx.answers.get(RETURN_TO)
    if back and q.id != back:
        ctx.answers.pop(RETURN_TO)
        return form.question(back)
    return form.after(q.id, ctx)
