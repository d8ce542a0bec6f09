"""The minute tick (docs/DESIGN.md decision 3) and the outbox sender's place in the application."""

import datetime as dt
import logging
from functools import partial

from telegram.ext import Application, ContextTypes

import storage
from bot.outbox import OutboxSender
from bot.settings import Settings
from dialogs import alerts, digest, progress_handlers, reminders

log = logging.getLogger(__name__)


async def run_tick(app: Application) -> int:
    """One tick: reminders due in each runner's zone, unseen alerts, coach digests."""
    store = app.bot_data["store"]
    clock = app.bot_data.get("clock")
    now = clock() if clock else dt.datetime.now(dt.UTC)
    grace = app.bot_data["reminder_grace"]
    queued, after = 0, 0
    while after is not None:  # a batch per call: runners' answers get the database in between
        count, after = await store.run(reminders.tick_batch, now, grace, after)
        queued += count
    queued += await store.run(alerts.resend_unseen, now)
    queued += await store.run(digest.tick, now)
    await _prune_daily(app, now)
    app.bot_data["last_tick"] = now
    if queued:
        log.info("tick queued %d message(s)", queued)
        app.bot_data["wake"]()
    return queued


def prune(db, now: dt.datetime, retention: dt.timedelta) -> tuple[int, int]:
    """Forget delivered (or given-up) outbox rows and reminder-log entries older than
    `retention`: (outbox rows, log entries) deleted. The reminder log is only needed for the
    last days (a reminder happens once a local date; catch-up looks back two days)."""
    with db.atomic():
        rows = storage.delete_finished_before(db, now - retention)
        entries = storage.prune_reminder_log(db, (now - retention).date())
    return rows, entries


async def _prune_daily(app: Application, now: dt.datetime) -> None:
    """At the first tick of each UTC day (and the first after a start): one cheap pass."""
    if app.bot_data.get("pruned_on") == now.date():
        return
    retention = dt.timedelta(days=app.bot_data["settings"].retention_days)
    rows, entries = await app.bot_data["store"].run(prune, now, retention)
    app.bot_data["pruned_on"] = now.date()
    if rows or entries:
        log.info("pruned %d finished outbox row(s) and %d reminder-log entries older than %d days",
                 rows, entries, retention.days)  # fmt: skip


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_tick(context.application)


async def start(app: Application, settings: Settings) -> None:
    """Start the outbox sender and the minute tick (call after the bot is initialised)."""
    store = app.bot_data["store"]
    sender = OutboxSender(
        app.bot,
        store,
        rate_per_s=settings.outbox_rate,
        per_chat_interval_s=settings.outbox_chat_interval,
        prepare=partial(progress_handlers.chart_payload, store),
        busy=getattr(app.update_processor, "busy", None),
        max_attempts=settings.outbox_max_attempts,
        max_age_s=settings.outbox_max_age_minutes * 60,
        urgent_max_age_s=min(alerts.URGENT_MAX_AGE_S, settings.outbox_max_age_minutes * 60),
        urgent_priority=alerts.URGENT_PRIORITY,
        on_give_up=alerts.alert_undelivered,
    )
    app.bot_data["sender"] = sender
    app.bot_data["wake"] = sender.wake
    app.bot_data["reminder_grace"] = dt.timedelta(minutes=settings.reminder_grace_minutes)
    await sender.start()
    app.job_queue.run_repeating(
        _job, interval=settings.tick_seconds, first=1, name="minute-tick",
        job_kwargs={"misfire_grace_time": 30, "coalesce": True, "max_instances": 1},
    )  # fmt: skip


async def stop(app: Application) -> None:
    sender = app.bot_data.get("sender")
    if sender is not None:
        await sender.stop()
