"""PTB handlers for coaches: /coach, /athletes, /athlete, /clear, /hold, /resume <n>, alerts."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from dialogs import coach, linking, progress_handlers
from dialogs.context import answer_query, base_of, now_of, store_of
from storage import get_coach, upsert_runner

COACH_COMMANDS = (
    ("coach", "Coaches: sign up and get your invite link"),
    ("athletes", "Coaches: your linked runners"),
    ("athlete", "Coaches: one runner in detail, e.g. /athlete 1"),
    ("clear", "Coaches: clear a runner for running, e.g. /clear 1"),
    ("hold", "Coaches: hold a runner's progression, e.g. /hold 1"),
)


async def coach_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/coach: sign up; /coach revoke; /coach zone <city>; /coach <code> links a runner."""
    store, chat, base = await base_of(update, context)
    args = context.args or []
    user = update.effective_user
    if not args:
        code = await store.run(coach.sign_up, user.id, chat.chat_id, user.first_name or "")
        await chat.send(coach.invite_text(context.bot.username, code))
    elif args[0].lower() == "revoke":
        code = await store.run(coach.revoke, user.id)
        if code is None:
            await chat.send(coach.NOT_A_COACH)
        else:
            await chat.send("The old code no longer works.\n\n" + coach.invite_text(context.bot.username, code))
    elif args[0].lower() == "zone":
        await chat.send(await store.run(coach.set_zone, user.id, " ".join(args[1:])))
    elif args[0].lower() == "leave":  # the runner's side: unlink from a coach (asks first)
        await chat.send(*await store.run(linking.leave_offer, user.id))
    else:  # a runner with a coach's code: asked before anything is linked or told
        await store.run(upsert_runner, user.id, chat.chat_id, user.first_name or "")
        await chat.send(*await store.run(linking.offer, user.id, args[0]))


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> bool:
    """A runner links to a coach by code (from /coach <code> or /start c_<code>)."""
    store, chat, base = await base_of(update, context)
    user = update.effective_user
    text, linked = await store.run(coach.link_by_code, user.id, chat.chat_id, user.first_name or "", code)
    await chat.send(text)
    if linked and chat.wake:
        chat.wake()
    return linked


async def athletes_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/athletes: each linked runner with a traffic light."""
    store, chat, base = await base_of(update, context)
    await chat.send(await store.run(coach.athletes_text, base.user_id, now_of(context)))


async def athlete_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/athlete <n>: the last 14 days, stage, next step, open alerts, and the chart."""
    store, chat, base = await base_of(update, context)
    number = (context.args or [None])[0]
    text, is_html = await store.run(coach.athlete_text, base.user_id, number)
    await chat.send(text, html=is_html)
    runner = await store.run(coach.athlete_runner, base.user_id, number)
    if runner is not None:
        await progress_handlers.send_chart(store, context.bot, chat.chat_id, runner.user_id, weeks=8)


def _action(kind: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        store, chat, base = await base_of(update, context)
        number = (context.args or [None])[0]
        await chat.send(await store.run(coach.act, base.user_id, number, kind, now_of(context)))
        if chat.wake:
            chat.wake()

    handler.__doc__ = f"/{kind} <n>: a coach action on a linked runner."
    return handler


coach_resume = _action("resume")


async def alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Seen / Resume plan / Keep on hold on an alert message."""
    query = update.callback_query
    store = store_of(context)
    toast = await store.run(coach.alert_button, update.effective_user.id, query.data or "", now_of(context))
    await answer_query(query, toast)
    wake = context.bot_data.get("wake")
    if wake:
        wake()


async def is_coach(store, user_id: int) -> bool:
    return await store.run(get_coach, user_id) is not None


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("coach", coach_cmd, filters=private))
    app.add_handler(CommandHandler("athletes", athletes_cmd, filters=private))
    app.add_handler(CommandHandler("athlete", athlete_cmd, filters=private))
    app.add_handler(CommandHandler("clear", _action("running_cleared"), filters=private))
    app.add_handler(CommandHandler("hold", _action("hold"), filters=private))
    app.add_handler(CallbackQueryHandler(alert_button, pattern=r"^a:"))
