"""PTB handlers for the runner's commands, typed answers, buttons and odd messages."""

import datetime as dt
import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from dialogs import (
    checkin,
    coach_handlers,
    deleting,
    freetext,
    linking,
    onboarding,
    progress_handlers,
    routing,
    runner,
    runner_buttons,
    texts,
)
from dialogs.callbacks import (
    STALE,
    STALE_NOT_SET_UP,
    CheckinOffer,
    CoachDelete,
    Delete,
    FormAnswer,
    ResumeSelf,
    Snooze,
)
from dialogs.chat import Chat
from dialogs.context import answer_query, base_and_draft, base_of, onboarded, store_of
from dialogs.forms import FormContext
from dialogs.pausing import set_pause
from dialogs.services import services
from dialogs.today import show_today
from dialogs.zones import zone
from protocols import Event
from storage import (
    Store,
    add_event,
    decision_on,
    events_between,
    get_runner,
    latest_decision,
    set_active,
    set_snoozed_until,
    upsert_runner,
)

log = logging.getLogger(__name__)

COMMANDS = (
    ("checkin", "Morning check-in, then today's session"),
    ("today", "Today's session again"),
    ("settings", "Your bone, clearances, days, reminders, coach"),
    ("pause", "Pause all reminders"),
    ("resume", "Turn reminders back on"),
    ("start", "Set up, or welcome back"),
    ("help", "What I can do"),
    ("privacy", "What I store and who sees it"),
    ("cancel", "Leave the current questions"),
)
MID_FORM = "Let's continue where we left off."
SORRY = "Sorry — something went wrong on my side. Your answers so far are saved; please try again."


async def start_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: onboarding, the form in progress, or welcome back; /start c_<code> asks before
    linking to a coach; /start r_<code> is a clinician opening a runner's invite."""
    store, chat, base = await base_of(update, context)
    user = update.effective_user
    payload = (context.args or [""])[0]
    if payload.startswith("r_"):  # a runner's invite for their clinician: no runner row made
        await chat.send(*await store.run(linking.clinician_offer, user.id, payload[2:]))
        return
    if not payload.startswith("c_") and await coach_handlers.coach_only(store, user.id):
        if not await runner.reask(store, chat, base, MID_FORM):  # a coach setting up as a runner
            await coach_handlers.coach_welcome(chat, user.first_name)
        return
    row = await store.run(upsert_runner, user.id, chat.chat_id, user.first_name)
    if not row.active:
        await store.run(set_active, user.id, True)
    code = payload[2:] if payload.startswith("c_") else None  # https://t.me/<bot>?start=c_<code>
    name = None
    if code is not None and row.profile is not None:
        await chat.send(*await store.run(linking.offer, user.id, code))
    elif code is not None:  # kept until the runner has agreed to everything, then asked
        name = await store.run(linking.coach_name, code)
        if name is None:
            await chat.send(linking.BAD_CODE)
        elif await store.run(linking.own_code, user.id, code):
            await chat.send(linking.OWN_CODE)
            return
    if await runner.reask(store, chat, base, MID_FORM):
        return
    if row.profile is not None:
        await chat.send(f"Welcome back, {user.first_name or 'runner'}! Send /checkin for today's check-in, or /help.")
        return
    if name is not None:
        base.answers = {"_invite": code, "_coach_name": name}
    await runner.start(store, chat, onboarding.FORM, base)


async def checkin_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/checkin: today's check-in (or the form already open)."""
    store, chat, base = await base_of(update, context)
    if await runner.reask(store, chat, base, MID_FORM):
        return
    row = await store.run(get_runner, base.user_id)
    if row is None or row.profile is None:
        await chat.send(texts.NOT_ONBOARDED)
        return
    await checkin.begin(store, chat, base.user_id, base.first_name, base.now)


async def today_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today: today's prescription again."""
    store, chat, base = await base_of(update, context)
    await show_today(store, chat, base)
    await runner.reask(store, chat, base, MID_FORM)


async def help_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the command list."""
    store, chat, base = await base_of(update, context)
    await chat.send(await coach_handlers.help_text(store, base.user_id, texts.HELP))
    await runner.reask(store, chat, base, MID_FORM)


async def privacy_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is stored, why, who sees it."""
    store, chat, base = await base_of(update, context)
    await chat.send(texts.PRIVACY)
    await runner.reask(store, chat, base, MID_FORM)


async def cancel_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: leave the open form."""
    store, chat, base = await base_of(update, context)
    form = await runner.cancel(store, base.user_id)
    if form is None:
        await chat.send("Nothing to cancel. /help lists what I can do.")
    elif form == "onboarding":
        await chat.send("Stopped. Send /start to set up again whenever you like.")
    else:
        await chat.send("Stopped. Nothing from those answers was used — send /checkin to start again.")


async def settings_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: check-in time, zone, strength days, nudge."""
    store, chat, base = await base_of(update, context)
    if await runner.reask(store, chat, base, MID_FORM):
        return
    if await onboarded(store, chat, base.user_id) is not None:
        await runner_buttons.open_settings(store, chat, base)


async def pause_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause: no reminders, and nothing counts as missed, until /resume."""
    store, chat, base = await base_of(update, context)
    row = await onboarded(store, chat, base.user_id)
    if row is None:
        return
    if row.paused:
        await chat.send("Reminders are already paused. /resume turns them back on.")
        return
    await store.run(set_pause, base.user_id, True, base.now)
    await chat.send(
        "Reminders paused. While paused, days without a check-in do not count as missed. "
        "/resume turns them back on."
    )


async def resume_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume: reminders on again; /resume <n> is the coach resuming an athlete."""
    if context.args or await coach_handlers.coach_only(store_of(context), update.effective_user.id):
        await coach_handlers.coach_resume(update, context)
        return
    store, chat, base = await base_of(update, context)
    row = await onboarded(store, chat, base.user_id)
    if row is None:
        return
    if not row.paused:
        await chat.send(f"Reminders are on: every morning at {row.checkin_time}. /pause stops them.")
        return
    await store.run(set_pause, base.user_id, False, base.now)
    await chat.send(f"Welcome back! Reminders are on again at {row.checkin_time}. /checkin any time.")


async def unknown_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command."""
    store, chat, base = await base_of(update, context)
    if not await runner.reask(store, chat, base, "I don't know that command. " + MID_FORM):
        await chat.send("I don't know that command. /help lists what I can do.")


async def text_msg(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: an answer to the open form, or a pointer to /help."""
    store, chat, base, draft = await base_and_draft(update, context)
    message = update.effective_message
    if not await runner.answer_text(store, chat, base, message.text, message.message_id, draft):
        await chat.send(*freetext.answer(message.text))


async def other_msg(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice …: re-ask the open question, or say what works."""
    if update.effective_chat is None or update.effective_user is None:
        return
    store, chat, base = await base_of(update, context)
    if not await runner.not_text(store, chat, base):
        await chat.send(texts.NO_FORM)


FOREIGN_PRESS = "That button works only in your own chat with me."


async def foreign_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before any other button handler: a press counts only on a message in the presser's
    own private chat with the bot. A press in a group (on a message carrying someone's form
    data), or on an inline message with no chat (`inline_message_id`), is answered and
    changes nothing."""
    query = update.callback_query
    message = query.message
    if message is not None and message.chat.type == "private" and message.chat.id == query.from_user.id:
        return
    await answer_query(query, STALE if message is None else FOREIGN_PRESS)
    raise ApplicationHandlerStop


async def form_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: FormAnswer) -> None:
    """A form's answer button: the hot path, one database read before the answer is shown."""
    query = update.callback_query
    store, chat, base, draft = await base_and_draft(update, context)
    acked = False

    async def ack() -> None:
        nonlocal acked
        acked = True
        await answer_query(query)

    message_id = query.message.message_id if query.message is not None else None
    toast = await runner.answer_button(store, chat, base, pressed, draft, ack, message_id)
    if not acked:
        await answer_query(query, toast)


async def checkin_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: CheckinOffer) -> None:
    """Check in now, correct today's answers, or today's plan (reminders, offers, menus)."""
    store, chat, base = await base_of(update, context)
    await answer_query(update.callback_query)
    if pressed.what == "today":
        await show_today(store, chat, base)
        return
    if await runner.reask(store, chat, base, MID_FORM):
        return
    if await onboarded(store, chat, base.user_id):
        await checkin.begin(store, chat, base.user_id, base.first_name, base.now,
                            correcting=pressed.what == "correct")  # fmt: skip


async def snooze_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Snooze) -> None:
    """Snooze 1 h / 3 h on a reminder: once, however often it is pressed."""
    store, chat, base = await base_of(update, context)
    await answer_query(update.callback_query, await _snooze(store, base, pressed.hours))


async def _snooze(store: Store, base: FormContext, hours: int) -> str:
    row = await store.run(get_runner, base.user_id)
    if row is None or row.profile is None:
        return STALE_NOT_SET_UP
    if await store.run(decision_on, base.user_id, base.today) is not None:
        return "You have already checked in today — nothing to snooze."
    if row.snoozed_until is not None and row.snoozed_until > base.now:  # a repeat press
        local = row.snoozed_until.astimezone(zone(row.tz))
        return f"Already snoozed — I'll remind you at {local:%H:%M}."
    until = base.now + dt.timedelta(hours=hours)
    await store.run(set_snoozed_until, base.user_id, until)
    local = until.astimezone(zone(row.tz))
    return f"OK — I'll remind you again at {local:%H:%M}."


async def resume_self_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: ResumeSelf) -> None:
    """"I have seen my clinician" after a stop."""
    store, chat, base = await base_of(update, context)
    await answer_query(update.callback_query, await _resume_self(store, chat, base))


async def _resume_self(store: Store, chat: Chat, base: FormContext) -> str | None:
    """The runner confirms a clinician visit (low-risk site, no coach): a resume event."""
    row = await store.run(get_runner, base.user_id)
    latest = await store.run(latest_decision, base.user_id)
    if row is None or latest is None or latest.action != "stop":
        return STALE
    if not await store.run(_resume_once, base.user_id, latest.date, base.now):
        return "Already noted — your plan restarts at your next fully clear check-in."
    await chat.send(
        "Thank you. Your plan restarts one stage below at your next check-in, once that "
        "check-in is fully clear. If anything hurts, stay with rest and your clinician's advice."
    )
    return None


def _resume_once(db, user_id: int, stopped_on: dt.date, now: dt.datetime) -> bool:
    """A resume event after the stop of `stopped_on`, unless one is there already (a repeated
    press); True if added. One transaction, so two presses cannot both add one."""
    with db.atomic():
        after = stopped_on + dt.timedelta(days=1)
        if any(e.type == "resume" for e in events_between(db, user_id, after, None)):
            return False
        add_event(db, user_id, Event(date=checkin.event_date(db, user_id, now), type="resume"), user_id)
    return True


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One user's error is logged and answered; nobody else is affected."""
    log.error("update failed: %s", context.error, exc_info=context.error)
    services(context).update_failed(update)  # for /healthz
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except Exception:  # noqa: BLE001 - the apology itself may fail (blocked, network)
            log.warning("could not send the apology to chat %s", update.effective_chat.id)


# one handler per kind of button (dialogs/callbacks.py); any other press is answered as stale
ROUTES = {
    FormAnswer: form_button,
    CheckinOffer: checkin_button,
    Snooze: snooze_button,
    ResumeSelf: resume_self_button,
    **runner_buttons.ROUTES,
    **coach_handlers.ROUTES,
    Delete: deleting.delete_button,
    CoachDelete: deleting.coach_delete_button,
}


def install(app: Application) -> None:
    """Register every handler on a PTB application: specific ones before catch-alls."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CallbackQueryHandler(foreign_press), group=-1)
    coach_handlers.install(app)
    progress_handlers.install(app)
    deleting.install(app)
    for name, handler in (("start", start_cmd), ("checkin", checkin_cmd), ("today", today_cmd),
                          ("help", help_cmd), ("privacy", privacy_cmd), ("cancel", cancel_cmd),
                          ("settings", settings_cmd), ("pause", pause_cmd), ("resume", resume_cmd)):  # fmt: skip
        app.add_handler(CommandHandler(name, handler, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_cmd))
    app.add_handler(MessageHandler(private & filters.TEXT, text_msg))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, other_msg))
    routing.install(app, ROUTES)
    app.add_error_handler(on_error)


def bot_commands() -> list[BotCommand]:
    every = (*COMMANDS, *progress_handlers.PROGRESS_COMMANDS, *deleting.DELETE_COMMANDS,
             *coach_handlers.COACH_COMMANDS)  # fmt: skip
    return [BotCommand(name, description) for name, description in every]
