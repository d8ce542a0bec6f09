"""PTB handlers for seeing progress and taking your data with you: /plan, /progress,
/history, /export (/delete is dialogs/deleting.py)."""

import asyncio
import base64
import datetime as dt

from telegram import Bot, InputFile, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from dialogs import exits, standing
from dialogs.charts import progress_png
from dialogs.context import base_of, onboarded
from dialogs.export import export_csvs
from dialogs.history import history_table
from dialogs.plan import plan_text
from protocols import Day
from protocols.words import in_words
from storage import (
    Store,
    events_between,
    export_runner,
    get_runner,
    history,
)

PROGRESS_COMMANDS = (
    ("plan", "Your next 7 days"),
    ("progress", "Your progress chart (/progress all for everything)"),
    ("history", "Your last 14 check-ins"),
    ("export", "Your data as CSV files"),
)
def _days(db, runner_id: int, limit: int | None = None) -> list[Day]:
    return history(db, runner_id, limit=limit)


def plan_reply(db, runner_id: int, today) -> str:
    """/plan's text: the next 7 days, the ladder and the way out of any stuck state."""
    runner = get_runner(db, runner_id)
    days = _days(db, runner_id, limit=30)
    # the events the next check-in will apply: dated after the last check-in
    since = days[-1].date + dt.timedelta(days=1) if days else None
    events = events_between(db, runner_id, since, None)
    text = in_words(plan_text(runner.profile, days, today, runner.tz, events))
    latest = days[-1].decision if days else None
    stage = latest.state.stage if latest else runner.profile.start_stage
    stopped = latest is not None and latest.state.stopped_at is not None
    ladder = standing.ladder_text(runner.profile, stage, stopped)
    way_out = exits.exit_of(exits.states(db, runner_id))[0]
    return "\n\n".join(part for part in (text, ladder, way_out) if part)


async def plan_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/plan: the next 7 days, assuming green days."""
    store, chat, base = await base_of(update, context)
    if await onboarded(store, chat, base.user_id):
        text = await store.run(plan_reply, base.user_id, base.today)
        keyboard = await store.run(lambda db: exits.exit_of(exits.states(db, base.user_id))[1])
        await chat.send(text, keyboard)


async def send_chart(store: Store, bot: Bot, chat_id: int, runner_id: int, weeks: int | None) -> None:
    """Render the progress chart off the event loop and send it as a photo."""
    runner = await store.run(get_runner, runner_id)
    days = await store.run(_days, runner_id)
    png = await asyncio.to_thread(progress_png, days, runner.profile, weeks=weeks)
    span = "everything so far" if weeks is None else f"the last {weeks} weeks"
    await bot.send_photo(chat_id, png, caption=f"{runner.first_name or 'Progress'}: {span}.")


async def chart_payload(store: Store, payload: dict) -> dict:
    """Outbox hook: a payload asking for {"chart": {"runner_id", "weeks"}} gets the PNG,
    rendered at send time off the event loop (weekly summaries)."""
    if payload.get("squad_chart"):  # the coach's weekly digest
        from dialogs import digest

        return await digest.chart_payload(store, payload)
    chart = payload.get("chart")
    if not chart:
        return payload
    runner = await store.run(get_runner, chart["runner_id"])
    if runner is None or runner.profile is None:
        return {k: v for k, v in payload.items() if k != "chart"}
    days = await store.run(_days, runner.user_id)
    png = await asyncio.to_thread(progress_png, days, runner.profile, weeks=chart.get("weeks", 8))
    rest = {k: v for k, v in payload.items() if k != "chart"}
    return {**rest, "photo_b64": base64.b64encode(png).decode()}


async def progress_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/progress [all]: pain, weekly running minutes and stage as a chart."""
    store, chat, base = await base_of(update, context)
    if not await onboarded(store, chat, base.user_id):
        return
    weeks = None if (context.args or [""])[0].lower() == "all" else 8
    await send_chart(store, context.bot, chat.chat_id, base.user_id, weeks)


async def history_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/history: the last 14 check-ins as a table."""
    store, chat, base = await base_of(update, context)
    if not await onboarded(store, chat, base.user_id):
        return
    table = history_table(await store.run(_days, base.user_id, 14))
    await chat.send(table, html=table.startswith("<pre>"))


async def export_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export: check-ins, decisions and coach actions as CSV documents."""
    store, chat, base = await base_of(update, context)
    if not await onboarded(store, chat, base.user_id):
        return
    files = export_csvs(await store.run(export_runner, base.user_id))
    await chat.send("Your data, as CSV files (open them in any spreadsheet):")
    for name, data in files.items():
        await context.bot.send_document(chat.chat_id, InputFile(data, filename=name))


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, handler in (("plan", plan_cmd), ("progress", progress_cmd), ("history", history_cmd),
                          ("export", export_cmd)):  # fmt: skip
        app.add_handler(CommandHandler(name, handler, filters=private))
