"""How updates reach the bot: long polling with offsets and limits, one poller at a time, and
webhook delivery with the secret-token header."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from sandbox_demo import TOKEN
from telegram import Bot
from telegram.error import Conflict

from bot.sandbox import Sandbox


@pytest.fixture
async def tg(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=sb.bot_api_url, base_file_url=sb.file_url) as bot:
        yield bot


async def test_long_poll_waits_for_the_timeout(tg: Bot) -> None:
    started = time.monotonic()
    assert await tg.get_updates(timeout=1) == ()
    # the whole timeout, and then an answer: not twice the timeout (slack for a busy machine)
    assert 0.9 <= time.monotonic() - started < 2


async def test_long_poll_returns_as_soon_as_an_update_arrives(sb: Sandbox, tg: Bot) -> None:
    ann = sb.user(1001, "Ann")
    asyncio.get_running_loop().call_later(0.2, asyncio.ensure_future, ann.send("/checkin"))
    started = time.monotonic()
    updates = await tg.get_updates(timeout=30)
    # waited for the update, and answered with it long before the timeout could end the poll
    assert 0.15 < time.monotonic() - started < 10
    assert updates[0].message.text == "/checkin"


async def test_offset_confirms_and_drops_older_updates(sb: Sandbox, tg: Bot) -> None:
    ann = sb.user(1001, "Ann")
    for text in ("one", "two", "three"):
        await ann.send(text)
    first = await tg.get_updates()
    ids = [u.update_id for u in first]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u.update_id for u in await tg.get_updates()] == ids  # nothing confirmed yet
    again = await tg.get_updates(offset=ids[1])
    assert [u.message.text for u in again] == ["two", "three"]
    assert await tg.get_updates(offset=ids[-1] + 1) == ()
    assert sb.stats()["pending_updates"] == 0


async def test_limit(sb: Sandbox, tg: Bot) -> None:
    ann = sb.user(1001, "Ann")
    for i in range(5):
        await ann.send(f"m{i}")
    assert [u.message.text for u in await tg.get_updates(limit=2)] == ["m0", "m1"]


async def test_allowed_updates_filters_kinds(sb: Sandbox, tg: Bot) -> None:
    ann = sb.user(1001, "Ann")
    await ann.send("hello")
    await tg.send_message(ann.id, "pick", reply_markup=None)
    await ann.press_data("x")
    updates = await tg.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates] == ["x"]
    assert updates[0].callback_query.message.date.timestamp() > 0


async def test_a_second_poller_ends_the_first_with_conflict(sb: Sandbox, tg: Bot) -> None:
    polls = sb.world.poll_generation
    first = asyncio.create_task(tg.get_updates(timeout=30))
    while sb.world.poll_generation == polls:  # until the first poll is waiting in the sandbox
        await asyncio.sleep(0.01)
    # A second bot process with the same token (one Bot cannot poll twice: PTB's getUpdates
    # connection pool has one connection).
    async with Bot(TOKEN, base_url=sb.bot_api_url) as second:
        assert await second.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 10)  # ended by the second poll, not by its own 30 s


@pytest.fixture
async def receiver() -> AsyncIterator[dict[str, Any]]:
    """A webhook endpoint that fails its first ``fail`` deliveries with 500."""
    state: dict[str, Any] = {"queue": asyncio.Queue(), "fail": 0}

    async def hook(request: web.Request) -> web.Response:
        if state["fail"]:
            state["fail"] -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await state["queue"].put((secret, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield state
    await runner.cleanup()


async def test_webhook_delivery_posts_with_the_secret(sb: Sandbox, tg: Bot, receiver: dict[str, Any]) -> None:
    ann = sb.user(1001, "Ann")
    receiver["fail"] = 1  # the first attempt fails and is retried
    assert await tg.set_webhook(receiver["url"], secret_token="s3cret_token-1")
    await ann.send("/start")
    secret, update = await asyncio.wait_for(receiver["queue"].get(), 3)
    assert secret == "s3cret_token-1"
    assert update["message"]["text"] == "/start"
    assert update["message"]["entities"][0]["type"] == "bot_command"
    assert sb.webhook_sender.failed == 1 and sb.webhook_sender.delivered == 1
    assert sb.stats()["pending_updates"] == 0
    with pytest.raises(Conflict, match="webhook is active"):
        await tg.get_updates()

    assert await tg.delete_webhook()
    await ann.send("back to polling")
    assert [u.message.text for u in await tg.get_updates()] == ["back to polling"]
    assert receiver["queue"].empty()


async def test_drop_pending_updates(sb: Sandbox, tg: Bot) -> None:
    await sb.user(1001, "Ann").send("old news")
    assert await tg.delete_webhook(drop_pending_updates=True)
    assert await tg.get_updates() == ()
