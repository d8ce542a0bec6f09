"""The minute tick (docs/DESIGN.md decision 3) and the outbox sender's place in the application."""

import datetime as dt
import logging
from functools import partial

from telegram.ext import Application, ContextTypes

import storage
from bot.outbox import OutboxSender
from bot.outbox_limits import OutboxLimits
from bot.services import services
from bot.settings import Settings
from dialogs import alerts, checkin, digest, progress_handlers, reminders

log = logging.getLogger(__name__)


async def run_tick(app: Application) -> int:
    """One tick: reminders due in each runner's zone, unseen alerts, coach digests."""
    found = services(app)
    store, now = found.store, found.now()
    grace = dt.timedelta(minutes=found.settings.reminder_grace_minutes)
    queued, after = 0, 0
    while after is not None:  # a batch per call: runners' answers get the database in between
        count, after = await store.run(reminders.tick_batch, now, grace, after)
        queued += count
    await store.run(checkin.finish_stale_stops, now)  # a stopped check-in's day has ended
    queued += await store.run(alerts.resend_unseen, now)
    queued += await store.run(digest.tick, now)
    await _prune_daily(app, now)
    found.last_tick = now
    if queued:
        log.info("tick queued %d message(s)", queued)
        found.wake_outbox()
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
    found = services(app)
    if found.pruned_on == now.date():
        return
    retention = dt.timedelta(days=found.settings.retention_days)
    rows, entries = await found.store.run(prune, now, retention)
    found.pruned_on = now.date()
    if rows or entries:
        log.info("pruned %d finished outbox row(s) and %d reminder-log entries older than %d days",
                 rows, entries, retention.days)  # fmt: skip


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_tick(context.application)


def outbox_limits(settings: Settings) -> OutboxLimits:
    max_age_s = settings.outbox_max_age_minutes * 60
    return OutboxLimits(
        rate_per_s=settings.outbox_rate, per_chat_interval_s=settings.outbox_chat_interval,
        max_attempts=settings.outbox_max_attempts, max_age_s=max_age_s,
        urgent_max_age_s=min(alerts.URGENT_MAX_AGE_S, max_age_s),
    )  # fmt: skip


async def start(app: Application) -> None:
    """Start the outbox sender and the minute tick (call after the bot is initialised)."""
    found = services(app)
    sender = OutboxSender(
        app.bot, found.store, outbox_limits(found.settings),
        prepare=partial(progress_handlers.chart_payload, found.store),
        busy=getattr(app.update_processor, "busy", None),
        on_give_up=alerts.alert_undelivered,
    )  # fmt: skip
    found.outbox = sender
    await sender.start()
    app.job_queue.run_repeating(
        _job, interval=found.settings.tick_seconds, first=1, name="minute-tick",
        job_kwargs={"misfire_grace_time": 30, "coalesce": True, "max_instances": 1},
    )  # fmt: skip


async def stop(app: Application) -> None:
    sender = services(app).outbox
    if sender is not None:
        await sender.stop()
