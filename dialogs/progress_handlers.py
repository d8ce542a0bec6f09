"""PTB handlers for seeing progress and owning your data: /plan, /progress, /history,
/export, /delete."""

import asyncio
import base64
import datetime as dt

from telegram import Bot, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from dialogs import exits, standing
from dialogs.charts import progress_png
from dialogs.context import answer_query, base_of, onboarded
from dialogs.export import export_csvs
from dialogs.history import history_table
from dialogs.plan import plan_text
from protocols import Day
from protocols.words import in_words
from storage import (
    Priority,
    Store,
    athletes_of,
    coaches_of,
    delete_runner,
    enqueue,
    events_between,
    export_runner,
    get_coach,
    get_runner,
    history,
    log_action,
    wipe_free_space,
)

PROGRESS_COMMANDS = (
    ("plan", "Your next 7 days"),
    ("progress", "Your progress chart (/progress all for everything)"),
    ("history", "Your last 14 check-ins"),
    ("export", "Your data as CSV files"),
    ("delete", "Delete all your data"),
)
DELETE_EXPLAINED = (
    "This deletes everything I store about you: your profile, every check-in and plan, "
    "reminders, coach links and alerts. Your coaches are told you left. It cannot be undone "
    "— /export first if you want a copy."
)


def _days(db, runner_id: int, limit: int | None = None) -> list[Day]:
    return history(db, runner_id, limit=limit)


def _plan(db, runner_id: int, today) -> str:
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
        text = await store.run(_plan, base.user_id, base.today)
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


async def delete_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: explain, then ask to confirm with a button."""
    store, chat, base = await base_of(update, context)
    from dialogs import coach_handlers  # a coach chooses what to delete

    if await coach_handlers.delete_prompt(update, context):
        return
    runner, coach = await store.run(_holdings, base.user_id)
    if runner is None and coach is None:
        await chat.send("I have no data about you.")
        return
    confirm = f"del:confirm:{int(base.now.timestamp())}"
    text = DELETE_EXPLAINED if runner is not None else DELETE_COACH_ONLY
    rows = [[("Delete everything", confirm)], [("Keep my data", "del:cancel")]]
    if runner is not None and coach is not None:
        text += " " + DELETE_COACH_TOO
        rows.insert(1, [("Delete only my coach account", f"cdel:coach:{int(base.now.timestamp())}")])
    await chat.send(text, rows)


DELETE_COACH_ONLY = (
    "This deletes everything I store about you as a coach: your sign-up, your invite link "
    "(it stops working) and your links to your athletes. Their own data stays theirs. It "
    "cannot be undone."
)
DELETE_COACH_TOO = "Your coach account goes too: your invite link stops working and your athletes are unlinked."
DELETED = "Done: everything about you is deleted. If you ever want to start again, send /start."
ALREADY_DELETED = "Already done: I hold no data about you."


def _holdings(db, user_id: int):
    return get_runner(db, user_id), get_coach(db, user_id)


def _delete(db, runner_id: int) -> int | None:
    """Remove every row about the person and tell their coaches, in one transaction; None
    (and nothing written, not even an audit entry) when there was nothing to delete, so a
    repeated or forged confirmation is a no-op."""
    with db.atomic():
        runner, coach = _holdings(db, runner_id)
        if runner is None and coach is None:
            return None
        coaches = coaches_of(db, runner_id)
        athletes = athletes_of(db, runner_id) if coach is not None else []
        deleted = delete_runner(db, runner_id)
        if coach is not None:  # their athletes learn that their coach has gone
            from dialogs.coach import tell_athletes_coach_left

            tell_athletes_coach_left(db, coach, athletes)
        name = runner.first_name if runner and runner.first_name else "A runner"
        for other in coaches:  # about them by id only in outbox_about, gone once it is sent
            enqueue(db, other.chat_id, "runner_left", {"text": f"{name} has left stridecoach; their data is deleted."},
                    about=(runner_id,), priority=Priority.NOTICE)  # fmt: skip
        log_action(db, "runner_deleted")  # without their id
    return deleted


DELETE_VALID_S = 600  # an old confirm button met by chance must not wipe a runner's data
DELETE_EXPIRED = "That button has expired — nothing was deleted. Send /delete again if you still want to."


def _confirm_is_fresh(data: str, now: dt.datetime) -> bool:
    """`del:confirm:<unix time of the /delete>` pressed within DELETE_VALID_S."""
    try:
        asked = int(data.removeprefix("del:confirm:"))
    except ValueError:
        return False  # a forged button, or one made before buttons carried their time
    return -60 <= now.timestamp() - asked <= DELETE_VALID_S


async def delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm or keep. Presses reach here only from the person's own private chat (see
    dialogs.handlers.foreign_press); a repeat after the deletion only answers."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    data = query.data or ""
    if data.startswith("del:confirm") and not _confirm_is_fresh(data, base.now):
        await answer_query(query, DELETE_EXPIRED)
        return
    if data.startswith("del:confirm"):
        deleted = await store.run(_delete, base.user_id)
        if deleted is None:
            await answer_query(query, ALREADY_DELETED)
            return
        await answer_query(query)
        await store.run(wipe_free_space)  # the deleted bytes leave the write-ahead log too
        await chat.send(DELETED)
        await chat.edit(query.message.message_id, query.message.text or DELETE_EXPLAINED)  # drops the buttons
        if chat.wake:
            chat.wake()
    else:
        await answer_query(query)
        await chat.send("Nothing was deleted.")


def install(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, handler in (("plan", plan_cmd), ("progress", progress_cmd), ("history", history_cmd),
                          ("export", export_cmd), ("delete", delete_cmd)):  # fmt: skip
        app.add_handler(CommandHandler(name, handler, filters=private))
    app.add_handler(CallbackQueryHandler(delete_button, pattern=r"^del:"))
