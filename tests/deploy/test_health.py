"""GET /healthz: 200 when the database answers and the minute tick is recent, else 503."""

import datetime as dt

from aiohttp import web

from bot import health
from bot.inbox import Inbox
from bot.services import BotServices
from bot.settings import Settings
from storage import Store, enqueue, migrate
from tests.deploy.helpers import http

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


class FakeSender:
    def health(self):
        return {"running": True, "sent": 3}


class FakeApp:
    def __init__(self, found):
        self.bot_data = {}
        found.install(self)


def services_of(store, **fields) -> BotServices:
    """The services /healthz reads, at the fixed time NOW."""
    return BotServices(store=store, settings=Settings(), inbox=Inbox(None, store),  # type: ignore[arg-type]
                       clock=lambda: NOW, **fields)  # fmt: skip


async def make_store(tmp_path) -> Store:
    store = Store(tmp_path / "bot.db")
    await store.run(migrate)
    return store


async def test_healthy_with_a_recent_tick(tmp_path):
    store = await make_store(tmp_path)
    try:
        await store.run(enqueue, 1, "reminder", {"text": "Hi"})
        found = services_of(store, outbox=FakeSender(), last_tick=NOW - dt.timedelta(minutes=2))
        healthy, body = await health.report(found)
        assert healthy and body["status"] == "ok" and body["problems"] == []
        assert body["database"] == {"ok": True, "error": None}
        assert body["outbox_backlog"] == 1
        assert body["last_tick"] == "2026-03-02T05:58:00+00:00" and body["last_tick_age_s"] == 120
        assert body["sender"] == {"running": True, "sent": 3}
    finally:
        store.close()


async def test_a_stale_tick_is_unhealthy(tmp_path):
    store = await make_store(tmp_path)
    try:
        found = services_of(store, last_tick=NOW - dt.timedelta(minutes=3, seconds=1))
        healthy, body = await health.report(found)
        assert not healthy and body["status"] == "unhealthy"
        assert body["problems"] == ["no scheduler tick for 181 s"]
        # no tick yet: the start of the health server counts as one
        found.last_tick = None
        assert (await health.report(found, started=NOW - dt.timedelta(minutes=1)))[0]
        assert not (await health.report(found, started=NOW - dt.timedelta(minutes=4)))[0]
    finally:
        store.close()


async def test_an_unreachable_database_is_unhealthy(tmp_path):
    store = await make_store(tmp_path)
    store.close()  # its thread is gone: every call fails
    healthy, body = await health.report(services_of(store, last_tick=NOW))
    assert not healthy and body["problems"] == ["database unreachable"]
    assert body["database"]["ok"] is False and body["database"]["error"]
    assert body["outbox_backlog"] is None


async def test_the_endpoint_answers_200_or_503(tmp_path):
    store = await make_store(tmp_path)
    found = services_of(store, last_tick=NOW)
    web_app = web.Application()
    health.add_routes(web_app, FakeApp(found))
    runner = await health.start_server(web_app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"
    try:
        status, body = await http("GET", url)
        assert status == 200 and body["status"] == "ok"
        found.last_tick = NOW - dt.timedelta(hours=1)
        status, body = await http("GET", url)
        assert status == 503 and body["status"] == "unhealthy"
        found.last_tick = NOW
        store.close()
        status, body = await http("GET", url)
        assert status == 503 and body["problems"] == ["database unreachable"]
    finally:
        await runner.cleanup()
        store.close()


async def test_bot_side_time_per_update_is_reported_as_a_histogram(tmp_path):
    from bot.ordering import Histogram, percentile_ms

    histogram = Histogram()
    for ms in [0.5] * 50 + [4] * 40 + [12] * 9 + [7000]:  # 100 updates
        histogram.add(ms / 1000)
    store = await make_store(tmp_path)
    try:
        found = services_of(store, last_tick=NOW, histogram=histogram)
        _, body = await health.report(found)
    finally:
        store.close()
    updates = body["updates"]
    assert updates["handled"] == 100 and updates["p50_ms"] == 1 and updates["p95_ms"] == 15
    assert dict(zip(updates["buckets_ms"], updates["counts"], strict=False))[5] == 40
    assert updates["counts"][-1] == 1  # beyond the last bound (5 s)
    assert percentile_ms(updates["counts"], 1.0) == float("inf")
    before = list(updates["counts"])  # a window: the difference of two snapshots
    histogram.add(0.025)
    window = [b - a for a, b in zip(before, histogram.counts, strict=True)]
    assert percentile_ms(window, 0.5) == 30 and percentile_ms([0] * len(window), 0.5) is None


async def test_a_long_bot_wide_pause_and_a_failing_sender_are_unhealthy(tmp_path):
    from bot.outbox import OutboxSender

    store = await make_store(tmp_path)
    try:
        sender = OutboxSender(None, store)  # type: ignore[arg-type] - health() needs no bot
        found = services_of(store, outbox=sender, last_tick=NOW)
        assert (await health.report(found))[0]
        sender._pacer.pause(30)  # a short flood-control pause is normal
        assert (await health.report(found))[0]
        sender._pacer.pause(590)  # Telegram asked for ten minutes of silence
        healthy, body = await health.report(found)
        assert not healthy and body["problems"] == ["outbox sender paused by flood control for 590 s more"]

        sender = OutboxSender(None, store)  # type: ignore[arg-type]
        found.outbox = sender
        try:
            raise RuntimeError("claim failed")
        except RuntimeError:
            sender._loop_error("sender loop error")
        healthy, body = await health.report(found)
        assert not healthy and body["problems"] == ["outbox sender failed 0 s ago"]
        sender.loop_error_at -= 61  # a minute later, with no new error
        assert (await health.report(found))[0]
    finally:
        store.close()


async def test_a_failed_write_is_unhealthy_until_writes_succeed_again(tmp_path):
    store = await make_store(tmp_path)
    try:
        found = services_of(store, last_tick=NOW)

        def full(db):
            db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")

        def big_write(db):
            db.execute("CREATE TABLE IF NOT EXISTS filler (x TEXT)")
            db.execute("INSERT INTO filler VALUES (?)", ["x" * 100_000])

        await store.run(full)
        try:
            await store.run(big_write)
        except Exception as exc:  # noqa: BLE001
            assert "full" in str(exc)
        else:
            raise AssertionError("the write was meant to meet a full disk")
        healthy, body = await health.report(found)
        assert not healthy
        assert body["problems"][0].startswith("database write failed 0 s ago (SQLITE_FULL")
        assert body["database"]["ok"]  # reads still work: only the health line tells
        # space again, a write succeeds; a minute after the failure it is healthy again
        await store.run(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
        await store.run(big_write)
        assert not (await health.report(found))[0]  # still within the minute
        store.health.failed_at -= 61
        assert (await health.report(found))[0]
    finally:
        store.close()


async def test_the_last_update_failing_is_unhealthy_for_a_minute(tmp_path):
    from bot.ordering import Outcomes

    store = await make_store(tmp_path)
    try:
        outcomes = Outcomes()
        found = services_of(store, last_tick=NOW, update_outcomes=outcomes)
        bad, good = object(), object()
        outcomes.failed(bad)
        outcomes.done(bad)
        healthy, body = await health.report(found)
        assert not healthy and body["problems"] == ["the last update failed 0 s ago"]
        outcomes.done(good)  # the next one went through
        assert (await health.report(found))[0]
        outcomes.failed(bad)
        outcomes.done(bad)
        outcomes.failed_at -= 61
        assert (await health.report(found))[0]
    finally:
        store.close()
