"""The runner's buttons outside forms: coach consent and leaving, clinician invites, the ways
out of dead-end states, and the menu a free message gets."""

from telegram import Update
from telegram.ext import ContextTypes

from dialogs import exits, linking, runner, settings, texts
from dialogs.chat import Chat
from dialogs.context import onboarded
from dialogs.forms import FormContext
from storage import Store, get_runner

ASK = {
    exits.STOPPED_COACH: "review their stopped plan and resume it (/resume) once they are clear",
    exits.HOLD: "look at the hold on their plan (/resume lifts it)",
    exits.LOCKED_COACH: "confirm their running clearance (/clear) if their clinician agrees",
}


async def open_settings(store: Store, chat: Chat, base: FormContext, at: str | None = None) -> None:
    """/settings at its menu, or straight at one question (a way-out button)."""
    base.answers = await store.run(settings.initial, base.user_id)
    if at is None:
        await runner.start(store, chat, settings.FORM, base)
        return
    await runner.ask(store, chat, settings.FORM, settings.FORM.question(at), base)


def _ask_what(db, user_id: int) -> str:
    found = exits.states(db, user_id)
    return next((ASK[s] for s in found if s in ASK), "look at their plan")


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE, store: Store, chat: Chat,
                base: FormContext, data: str) -> None:  # fmt: skip
    user = update.effective_user
    username = context.bot.username
    kind, _, rest = data.partition(":")
    if kind == "link":
        if rest == "n":
            await chat.send("OK — not linked, and the coach was not told. A new invite link works any time.")
        elif await onboarded(store, chat, user.id):
            await chat.send(await store.run(linking.accept, user.id, chat.chat_id, user.first_name or "",
                                            rest.removeprefix("y:")))  # fmt: skip
            _wake(chat)
    elif kind == "leave":
        if rest == "keep":
            await chat.send("OK — you stay linked.")
            return
        try:
            coach_id = int(rest)
        except ValueError:
            await chat.send("That button no longer works.")
            return
        await chat.send(await store.run(linking.leave, user.id, coach_id))
        _wake(chat)
    elif kind == "rinv":
        if rest == "n":
            await chat.send("OK — nothing was linked.")
            return
        await chat.send(await store.run(linking.clinician_accept, user.id, chat.chat_id,
                                        user.first_name or "", rest.removeprefix("y:"), username))  # fmt: skip
        _wake(chat)
    elif kind == "exit" and await onboarded(store, chat, user.id):
        await _exit(store, chat, base, rest, username)
    elif kind == "settings" and await onboarded(store, chat, user.id):
        if rest not in {q.id for q in settings.QUESTIONS}:
            await chat.send("That button no longer works.")
            return
        await open_settings(store, chat, base, rest)
    elif kind == "menu":
        await _menu(update, context, store, chat, base, rest)


async def _exit(store: Store, chat: Chat, base: FormContext, what: str, username: str) -> None:
    if what == "invite":
        await chat.send(await store.run(linking.clinician_invite, base.user_id, username))
    elif what == "ask":
        await chat.send(await store.run(lambda db: linking.ask_coach(db, base.user_id, _ask_what(db, base.user_id))))
        _wake(chat)
    elif what == "unpause":
        from dialogs import handlers  # the same change as /resume

        row = await store.run(get_runner, base.user_id)
        if row.paused:
            await store.run(handlers._set_pause, base.user_id, False, base.now)
        await chat.send(f"Reminders are on again at {row.checkin_time}. /checkin any time.")


async def _menu(update, context, store: Store, chat: Chat, base: FormContext, what: str) -> None:
    if what == "help":
        await chat.send(texts.HELP)
    elif what == "settings" and await onboarded(store, chat, base.user_id):
        await open_settings(store, chat, base)
    elif what == "plan" and await onboarded(store, chat, base.user_id):
        from dialogs import progress_handlers

        await chat.send(await store.run(progress_handlers._plan, base.user_id, base.today))


def _wake(chat: Chat) -> None:
    if chat.wake is not None:
        chat.wake()
