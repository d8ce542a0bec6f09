"""PTB handlers for coaches: /coach, /athletes, /athlete, /clear, /hold, /resume, and the
buttons of athlete lists, cards, confirmations, undo and alerts."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from dialogs import (
    alert_buttons,
    coach,
    coach_actions,
    linking,
    onboarding,
    progress_handlers,
    runner,
    squad,
)
from dialogs.callbacks import AlertPress, Confirm, Pick, Role, Undo, build
from dialogs.context import answer_query, base_of, now_of, store_of
from dialogs.services import services
from storage import get_coach, upsert_runner

COACH_COMMANDS = (
    ("coach", "Coaches: sign up and get your invite link"),
    ("athletes", "Coaches: your athletes"),
    ("athlete", "Coaches: one athlete's card, e.g. /athlete Ann"),
    ("clear", "Coaches: clear walking or running, e.g. /clear Ann"),
    ("hold", "Coaches: hold an athlete's plan, e.g. /hold Ann"),
)
KINDS = {"walking": "walking", "walk": "walking", "running": "running", "run": "running"}
BECOME_COACH = (
    "You are set up here as a runner. Do you also want to set up as a coach or clinician, "
    "to look after other runners? Your own plan stays exactly as it is."
)


async def coach_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/coach: sign up (a runner is asked first); /coach revoke; /coach zone <city>;
    /coach <code> links a runner to a coach."""
    store, chat, base = await base_of(update, context)
    args = context.args or []
    user = update.effective_user
    if not args:
        is_coach, is_runner = await store.run(coach.role, user.id)
        if is_runner and not is_coach:
            await chat.send(BECOME_COACH, [[("Yes, set me up as a coach", build(Role("coach")))],
                                           [("No, thanks", build(Role("no")))]])  # fmt: skip
            return
        await _sign_up(update, context)
    elif args[0].lower() == "revoke":
        done = await store.run(coach.revoke, user.id)
        if done is None:
            await chat.send(coach.NOT_A_COACH)
        else:
            await chat.send("The old code no longer works.\n\n" + coach.invite_text(context.bot.username, *done))
    elif args[0].lower() == "zone":
        await chat.send(await store.run(coach.set_zone, user.id, " ".join(args[1:])))
    elif args[0].lower() == "leave":  # the runner's side: unlink from a coach (asks first)
        await chat.send(*await store.run(linking.leave_offer, user.id))
    else:  # a runner with a coach's code: asked before anything is linked or told
        await store.run(upsert_runner, user.id, chat.chat_id, user.first_name or "")
        await chat.send(*await store.run(linking.offer, user.id, args[0]))


async def _sign_up(update: Update, context: ContextTypes.DEFAULT_TYPE, replace: int | None = None) -> None:
    """Sign up and show the invite (on the question's message `replace`, if given)."""
    store, chat, base = await base_of(update, context)
    user = update.effective_user
    new = await store.run(get_coach, user.id) is None
    code, tz = await store.run(coach.sign_up, user.id, chat.chat_id, user.first_name or "")
    text = coach.invite_text(context.bot.username, code, tz) + ("\n\n" + coach.COACH_MENU if new else "")
    if replace is None or not await chat.replace(replace, text):
        await chat.send(text)


async def role_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Role) -> None:
    """The answer to "do you also want to set up as a coach?" (or a coach's "runner too")."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    await answer_query(query)
    asked = query.message.message_id if query.message is not None else None
    if pressed.choice == "coach":
        await _sign_up(update, context, asked)
    elif pressed.choice == "runner":
        user = update.effective_user
        await store.run(upsert_runner, user.id, chat.chat_id, user.first_name)
        if not await runner.reask(store, chat, base, "Let's continue where we left off."):
            await runner.start(store, chat, onboarding.FORM, base)
    else:
        text = "OK — nothing changed. /coach asks again whenever you like."
        if asked is None or not await chat.replace(asked, text):
            await chat.send(text)


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> bool:
    """A runner links to a coach by code (from /coach <code> or /start c_<code>)."""
    store, chat, base = await base_of(update, context)
    user = update.effective_user
    text, linked = await store.run(coach.link_by_code, user.id, chat.chat_id, user.first_name or "", code)
    await chat.send(text)
    if linked:
        chat.wake_outbox()
    return linked


async def athletes_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/athletes: each linked athlete as a button that opens their card."""
    store, chat, base = await base_of(update, context)
    text, keyboard = await store.run(squad.athletes_view, base.user_id, now_of(context))
    await chat.send(text, keyboard)


async def athlete_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/athlete <name or number>: the card and the chart."""
    store, chat, base = await base_of(update, context)
    found = await store.run(squad.find, base.user_id, " ".join(context.args or []), "card")
    await _card_or_say(context, store, chat, base.user_id, found)


async def _card_or_say(context, store, chat, coach_id: int, found: squad.Found) -> None:
    if found.runner is None:
        await chat.send(found.text, found.keyboard)
        return
    text, keyboard = await store.run(squad.card, coach_id, found.runner, found.ref, now_of(context))
    await chat.send(text, keyboard, html=True)
    if found.runner.profile is not None:
        await progress_handlers.send_chart(store, context.bot, chat.chat_id, found.runner.user_id, weeks=8)


def _action(verb: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        store, chat, base = await base_of(update, context)
        args = list(context.args or [])
        kind = verb
        if verb == "clear" and args and args[-1].lower() in KINDS:
            kind = KINDS[args.pop().lower()]
        found = await store.run(squad.find, base.user_id, " ".join(args), verb)
        text, keyboard = await store.run(coach_actions.prompt, base.user_id, found, kind, now_of(context))
        await chat.send(text, keyboard)

    handler.__doc__ = f"/{verb} <name or number>: asks to confirm, naming the athlete and bone."
    return handler


coach_resume = _action("resume")


async def pick_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Pick) -> None:
    """An athlete chosen from a list, a card or an alert."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    purpose = pressed.purpose
    found = await store.run(squad.linked, base.user_id, pressed.runner_id)
    if found.runner is None:
        await answer_query(query, found.text)
        return
    await answer_query(query)
    if purpose == "card":
        await _card_or_say(context, store, chat, base.user_id, found)
        return
    verb = {"clear_walking": "walking", "clear_running": "running"}.get(purpose, purpose)
    text, keyboard = await store.run(coach_actions.prompt, base.user_id, found, verb, now_of(context))
    await chat.send(text, keyboard)


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Confirm | Undo) -> None:
    """A plan change confirmed (or cancelled), or undone."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    if isinstance(pressed, Undo):
        outcome = await store.run(coach_actions.undo, base.user_id, pressed.action_id, now_of(context))
    else:
        outcome = await store.run(coach_actions.confirm_press, base.user_id, pressed, now_of(context))
    if not outcome.done:
        await answer_query(query, outcome.text)
        return
    await answer_query(query)
    if query.message is None or not await chat.replace(query.message.message_id, outcome.text, outcome.undo):
        await chat.send(outcome.text, outcome.undo)
    chat.wake_outbox()


async def alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: AlertPress) -> None:
    """Seen / Resume plan / Keep on hold on an alert: done once, the alert rewritten."""
    query = update.callback_query
    store = store_of(context)
    message = query.message
    shown = getattr(message, "text", None)
    result = await store.run(alert_buttons.press, update.effective_user.id, pressed, shown, now_of(context))
    await answer_query(query, result.toast)
    if result.text is not None and message is not None:
        store, chat, base = await base_of(update, context)
        await chat.replace(message.message_id, result.text, result.keyboard)
    services(context).wake_outbox()


ROUTES = {AlertPress: alert_button, Pick: pick_button, Confirm: confirm_button, Undo: confirm_button,
          Role: role_button}  # fmt: skip


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("coach", coach_cmd, filters=private))
    app.add_handler(CommandHandler("athletes", athletes_cmd, filters=private))
    app.add_handler(CommandHandler("athlete", athlete_cmd, filters=private))
    app.add_handler(CommandHandler("clear", _action("clear"), filters=private))
    app.add_handler(CommandHandler("hold", _action("hold"), filters=private))


async def coach_only(store, user_id: int) -> bool:
    """A coach who is not (yet) set up as a runner: /start, /help and /resume are theirs."""
    is_coach, is_runner = await store.run(coach.role, user_id)
    return is_coach and not is_runner


async def coach_welcome(chat, first_name: str | None) -> None:
    await chat.send(f"Welcome back, {first_name or 'coach'}! You are set up as a coach.\n\n" + coach.COACH_MENU,
                    [[("I'm a runner too — set me up", build(Role("runner")))]])  # fmt: skip


async def help_text(store, user_id: int, runner_help: str) -> str:
    """/help: the runner's list, the coach's, or both."""
    is_coach, is_runner = await store.run(coach.role, user_id)
    if is_coach and not is_runner:
        return coach.COACH_MENU + "\n\nSetting up as a runner too? Send /start and tap the button."
    if is_coach:
        return runner_help + "\n\n" + coach.COACH_MENU
    return runner_help
