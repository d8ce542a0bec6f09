"""`GET /healthz`: is the bot able to do its work?

The answer is JSON:

    {"status": "ok" | "unhealthy", "problems": [...],
     "database": {"ok": true, "error": null}, "outbox_backlog": 0,
     "last_tick": "2026-03-02T06:01:00+00:00", "last_tick_age_s": 12.5,
     "sender": {...OutboxSender.health()...}}

HTTP 200 when healthy; 503, each reason a line of "problems", when:
- the database does not answer a trivial query (through the Store, so the database thread
  is checked too);
- a database write failed with a storage error (full disk, I/O error, a damaged page) in
  the last minute, or no write has succeeded since (`StorageHealth`);
- `PRAGMA quick_check` at start-up found the file damaged (`integrity`);
- the last handled update failed within the last minute (a runner got "Sorry…");
- the outbox sender's loop failed within the last minute (no reminders or alerts go out);
- the sender is under a bot-wide flood-control pause of more than `PAUSE_LIMIT_S`;
- the minute tick has not run for `STALE_TICK` (a stuck job queue means no reminders).
  Before the first tick the start of the health server stands in for it.
The outbox backlog, rows given up on (`outbox_failed_24h`) and the sender's counters are
reported but do not make the bot unhealthy: a backlog during a big fan-out is normal.

Webhook mode serves it beside the webhook; polling mode serves it only when
STRIDECOACH_HEALTH_PORT is set (`attach`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from aiohttp import web
from telegram.ext import Application

import storage
from bot.ordering import Histogram, percentile_ms
from bot.services import BotServices, services

log = logging.getLogger(__name__)

STALE_TICK = dt.timedelta(minutes=3)
DB_TIMEOUT_S = 5.0
RECENT_S = 60.0  # an error this recent makes the bot unhealthy
PAUSE_LIMIT_S = 60.0  # a bot-wide flood-control pause longer than this: unhealthy
PTB_APP = web.AppKey("ptb_app", Application)
STARTED = web.AppKey("started", dt.datetime)


def _probe(db: Any, now: dt.datetime) -> tuple[int, int]:
    db.execute("SELECT 1").fetchone()
    return storage.backlog_count(db), storage.failed_count(db, now - dt.timedelta(days=1))


def _updates(histogram: Histogram | None) -> dict[str, Any] | None:
    """Updates handled since start and their bot-side time: percentiles and the histogram."""
    if histogram is None:
        return None
    counts = histogram.counts
    p50, p95 = (percentile_ms(counts, q) for q in (0.5, 0.95))
    return {"handled": sum(counts),  # percentiles are bucket bounds; null beyond the last
            "p50_ms": None if p50 == float("inf") else p50,
            "p95_ms": None if p95 == float("inf") else p95, **histogram.snapshot()}  # fmt: skip


async def report(
    found: BotServices, started: dt.datetime | None = None
) -> tuple[bool, dict[str, Any]]:
    """(healthy, body) from the application's services (store, sender, last tick, clock)."""
    problems: list[str] = []
    database: dict[str, Any] = {"ok": False, "error": None}
    backlog = failed = None
    now = found.now()
    store = found.store
    try:
        backlog, failed = await asyncio.wait_for(store.run(_probe, now), DB_TIMEOUT_S)
        database["ok"] = True
    except TimeoutError:
        database["error"] = f"no answer within {DB_TIMEOUT_S:g} s"
    except Exception as exc:  # any failure means: not reachable
        database["error"] = type(exc).__name__
    if not database["ok"]:
        problems.append("database unreachable")
    if problem := store.health.problem():
        problems.append(problem)
    if integrity := found.integrity:
        problems.append(f"database integrity check at start-up failed: {integrity[0]}")
    outcomes = found.update_outcomes
    if outcomes is not None and (problem := outcomes.problem(RECENT_S)):
        problems.append(problem)
    sender_health = found.outbox.health() if found.outbox is not None else None
    problems += _sender_problems(sender_health or {})

    last_tick = found.last_tick
    since = last_tick or started
    age = (now - since).total_seconds() if since else None
    if age is not None and age > STALE_TICK.total_seconds():
        problems.append(f"no scheduler tick for {age:.0f} s")

    body = {
        "status": "unhealthy" if problems else "ok",
        "problems": problems,
        "database": database,
        "outbox_backlog": backlog,
        "outbox_failed_24h": failed,
        "last_tick": last_tick.isoformat() if last_tick else None,
        "last_tick_age_s": round(age, 1) if age is not None and last_tick else None,
        "sender": sender_health,
        "updates": _updates(found.histogram),
    }
    return not problems, body


def _sender_problems(sender: dict[str, Any]) -> list[str]:
    problems = []
    error_age = sender.get("last_loop_error_age_s")
    if error_age is not None and error_age <= RECENT_S:
        problems.append(f"outbox sender failed {error_age:.0f} s ago")
    paused = sender.get("paused_s") or 0
    if paused > PAUSE_LIMIT_S:
        problems.append(f"outbox sender paused by flood control for {paused:.0f} s more")
    return problems


async def handle(request: web.Request) -> web.Response:
    app = request.app[PTB_APP]
    healthy, body = await report(services(app), request.app.get(STARTED))
    return web.json_response(body, status=200 if healthy else 503)


def add_routes(web_app: web.Application, app: Application) -> None:
    """Serve GET /healthz for `app` on `web_app`."""
    web_app[PTB_APP] = app
    web_app[STARTED] = services(app).now()
    web_app.router.add_get("/healthz", handle)


async def start_server(web_app: web.Application, listen: str, port: int) -> web.AppRunner:
    """Start serving `web_app` on listen:port; returns the runner (`await runner.cleanup()`)."""
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=5)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def attach(app: Application, listen: str, port: int) -> None:
    """Polling mode: serve /healthz on listen:port while `app` runs (started after its
    post_init, stopped before its post_stop / post_shutdown)."""
    original_init, original_stop, original_shutdown = (
        app.post_init,
        app.post_stop,
        app.post_shutdown,
    )
    runners: list[web.AppRunner] = []

    async def stop_server() -> None:
        while runners:
            await runners.pop().cleanup()

    async def post_init(app: Application) -> None:
        if original_init:
            await original_init(app)
        web_app = web.Application()
        add_routes(web_app, app)
        runners.append(await start_server(web_app, listen, port))
        log.info("health check on http://%s:%d/healthz", listen, port)

    async def post_stop(app: Application) -> None:
        await stop_server()
        if original_stop:
            await original_stop(app)

    async def post_shutdown(app: Application) -> None:
        await stop_server()
        if original_shutdown:
            await original_shutdown(app)

    app.post_init, app.post_stop, app.post_shutdown = post_init, post_stop, post_shutdown
