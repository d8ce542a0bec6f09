"""The runner's buttons outside forms: coach consent and leaving, clinician invites, the ways
out of dead-end states, and the menu a free message gets (one handler per kind of button,
dialogs/callbacks.py)."""

from telegram import Update
from telegram.ext import ContextTypes

from dialogs import exits, linking, runner, settings, texts
from dialogs.callbacks import STALE, ClinicianInvite, Exit, Leave, Link, Menu, SettingsAt
from dialogs.chat import Chat
from dialogs.context import answer_query, base_of, onboarded
from dialogs.forms import FormContext
from dialogs.pausing import set_pause
from dialogs.progress_handlers import plan_reply
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


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Store, Chat, FormContext]:
    """Every button here answers the press first (no toast), then replies in the chat."""
    store, chat, base = await base_of(update, context)
    await answer_query(update.callback_query)
    return store, chat, base


async def link_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Link) -> None:
    """The runner's consent to link to a coach (from /coach <code> or an invite link)."""
    store, chat, base = await _pressed(update, context)
    user = update.effective_user
    if pressed.code is None:
        await chat.send("OK — not linked, and the coach was not told. A new invite link works any time.")
    elif await onboarded(store, chat, user.id):
        await chat.send(await store.run(linking.accept, user.id, chat.chat_id, user.first_name or "", pressed.code))
        chat.wake_outbox()


async def leave_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Leave) -> None:
    """Unlink from a coach (/coach leave), or stay linked."""
    store, chat, base = await _pressed(update, context)
    if pressed.coach_id is None:
        await chat.send("OK — you stay linked.")
        return
    await chat.send(await store.run(linking.leave, update.effective_user.id, pressed.coach_id))
    chat.wake_outbox()


async def clinician_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: ClinicianInvite) -> None:
    """A clinician accepts (or declines) a runner's invite."""
    store, chat, base = await _pressed(update, context)
    if pressed.code is None:
        await chat.send("OK — nothing was linked.")
        return
    user = update.effective_user
    await chat.send(await store.run(linking.clinician_accept, user.id, chat.chat_id, user.first_name or "",
                                    pressed.code, context.bot.username))  # fmt: skip
    chat.wake_outbox()


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: SettingsAt) -> None:
    """A way out that opens /settings at one question."""
    store, chat, base = await _pressed(update, context)
    if not await onboarded(store, chat, base.user_id):
        return
    if pressed.question not in {q.id for q in settings.QUESTIONS}:
        await chat.send(STALE)
        return
    await open_settings(store, chat, base, pressed.question)


async def exit_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Exit) -> None:
    """Invite your clinician, ask my coach, turn reminders on."""
    store, chat, base = await _pressed(update, context)
    if not await onboarded(store, chat, base.user_id):
        return
    if pressed.what == "invite":
        await chat.send(await store.run(linking.clinician_invite, base.user_id, context.bot.username))
    elif pressed.what == "ask":
        await chat.send(await store.run(lambda db: linking.ask_coach(db, base.user_id, _ask_what(db, base.user_id))))
        chat.wake_outbox()
    elif pressed.what == "unpause":  # the same change as /resume
        row = await store.run(get_runner, base.user_id)
        if row.paused:
            await store.run(set_pause, base.user_id, False, base.now)
        await chat.send(f"Reminders are on again at {row.checkin_time}. /checkin any time.")


async def menu_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Menu) -> None:
    """The menu a free message gets: help, settings, the week's plan."""
    store, chat, base = await _pressed(update, context)
    if pressed.what == "help":
        await chat.send(texts.HELP)
    elif pressed.what == "settings" and await onboarded(store, chat, base.user_id):
        await open_settings(store, chat, base)
    elif pressed.what == "plan" and await onboarded(store, chat, base.user_id):
        await chat.send(await store.run(plan_reply, base.user_id, base.today))


ROUTES = {Link: link_button, Leave: leave_button, ClinicianInvite: clinician_button,
          SettingsAt: settings_button, Exit: exit_button, Menu: menu_button}  # fmt: skip

