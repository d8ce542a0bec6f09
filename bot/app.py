"""The PTB Application: Bot API server, per-user ordering, database, handlers, commands."""

import datetime as dt
import gc
import logging
import sys
from collections.abc import Callable

from telegram.ext import Application, ApplicationBuilder

from bot import scheduler
from bot.inbox import Inbox
from bot.journal import JournaledRequest
from bot.ordering import PerUserUpdateProcessor
from bot.polling import Poller
from bot.services import BotServices, services
from bot.settings import Settings
from dialogs import handlers
from storage import Store, migrate, quick_check

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


# CPython hands the GIL to a waiting thread only every 5 ms by default. The database thread
# (storage.Store) needs it after every query while the event loop is busy, so under load each
# database call could add up to 5 ms to a runner's reply. Paced load (benchmarks/
# checkin_load.py): p95 115 ms at 0.5 ms, 28 ms at 0.1 ms, for about the same CPU.
SWITCH_INTERVAL_S = 0.0001
GC_THRESHOLDS = (50_000, 20, 20)
WORKER_PRELOAD = ("dialogs.checkin",)  # imported once in the fork server, not per worker
# Handlers running at once (bot/ordering.py). Each one in flight at a hard kill can have its
# last reply repeated after the restart (Telegram took it, the bot never read the answer):
# benchmarks/crash.py counted 32–43 repeats a kill at 256 and 2–7 at 16, but at 16 (and 64)
# the saturated load gave 23–44 % fewer updates/s when Telegram answered slowly (the
# sandbox starved of CPU, benchmarks/README.md): every handler waits a round trip or two, so
# fewer at once means fewer a second. Kills are rare, slow answers would be daily: 256.
HANDLING_AT_ONCE = 256


def tune_process() -> None:
    """Process-wide settings for the bot's own process, once its modules are imported (not
    for code that merely imports the bot, such as the tests)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    # The ~130k objects of the imported libraries never die; frozen, the collector stops
    # re-scanning them in every full collection (tens of ms each, a latency spike under load).
    gc.collect()
    gc.freeze()
    # Each update allocates thousands of short-lived PTB objects. With CPython's default
    # thresholds (700, 10, 10) the collector ran ~4,000 times in a load run, promoted objects
    # still in flight to older generations and took ~10 % of the bot's time, in pauses of up
    # to 85 ms; with these it ran 6 times (benchmarks/checkin_load.py, same peak RSS).
    gc.set_threshold(*GC_THRESHOLDS)


async def prepare(app: Application) -> None:
    """Before taking updates: schema migrations, the updates stored but not handled before
    the last stop (queued first), the command menu (setMyCommands), then the outbox sender
    and the minute tick.

    bot.lifecycle calls it as post_init; code that starts the application by hand calls it
    after `initialize()`.
    """
    found = services(app)
    problems = await found.store.run(quick_check)
    if problems != ["ok"]:  # the bot still runs (runners may be served), /healthz says 503
        found.integrity = problems
        log.error("the database %s failed its integrity check (%s): restore it from a "
                  "backup (`stridecoach db backup` makes them)", found.settings.db,
                  problems[0])  # fmt: skip
    await found.store.run(migrate)
    found.store.start_worker()  # after the migrations: it opens the database as it is then
    inbox = found.inbox
    await inbox.replay()
    inbox.start()
    await app.bot.set_my_commands(handlers.bot_commands())
    await scheduler.start(app)


async def start(app: Application, *, poll_timeout: int = 10) -> None:
    """Initialise, prepare and start long polling inside a running event loop."""
    await app.initialize()
    await prepare(app)
    await app.start()
    poller = services(app).poller = Poller(app, timeout=poll_timeout)
    await poller.start()


async def stop(app: Application) -> None:
    found = services(app)
    poller, found.poller = found.poller, None
    if poller is not None:
        await poller.stop()
    await app.stop()
    await app.post_stop(app)
    await app.shutdown()


def build_application(settings: Settings, *, clock: Clock | None = None) -> Application:
    """An Application wired to the Bot API at `settings.bot_api_url` and the database."""
    token = settings.token.get_secret_value() if settings.token else ""
    store = Store(settings.db, worker=WORKER_PRELOAD if settings.decision_worker else None)
    request = JournaledRequest(connections=256, pool_timeout=30)

    async def post_stop(app: Application) -> None:
        await scheduler.stop(app)
        await services(app).inbox.stop()

    async def post_shutdown(app: Application) -> None:
        store.close()

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.file_url)
        .updater(None)  # we fetch ourselves: bot/polling.py (nothing confirmed before stored)
        .concurrent_updates(PerUserUpdateProcessor(256, HANDLING_AT_ONCE))
        .request(request)
        .get_updates_request(JournaledRequest(connections=1))  # never journals (getUpdates)
        .post_init(prepare)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    processor = app.update_processor
    inbox = Inbox(app, store)
    processor.on_begin = inbox.begin
    processor.on_done = inbox.done
    request.recorder = inbox.record  # the handlers' calls, journaled per update
    BotServices(
        store=store, settings=settings, clock=clock, inbox=inbox,
        histogram=processor.histogram, update_outcomes=processor.outcomes,  # for /healthz
        on_update_failed=processor.outcomes.failed,  # dialogs' on_error
    ).install(app)  # fmt: skip
    handlers.install(app)
    return app
