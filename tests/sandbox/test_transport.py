"""bot/transport.py: PTB's Bot over the aiohttp request class, against the sandbox over HTTP —
text, uploads, and the errors PTB's callers (the outbox, the handlers) rely on."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator

import pytest
import trustme
from aiohttp import web
from sandbox_demo import png_bytes
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData

from bot.sandbox import Sandbox
from bot.transport import BotApiRequest

TOKEN = "42:TRANSPORT-TEST"


def make_bot(sb: Sandbox, **options: float) -> Bot:
    return Bot(TOKEN, base_url=sb.bot_api_url, base_file_url=sb.file_url,
               request=BotApiRequest(**options))  # fmt: skip


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN) as sandbox:
        yield sandbox


async def test_text_and_keyboard_arrive_as_sent(sb: Sandbox) -> None:
    ann = sb.user(7, "Ann")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes ✅", callback_data="a:1")]])
    async with make_bot(sb) as bot:
        sent = await bot.send_message(7, "Bone pain 0–10? «ünïcode»", reply_markup=markup)
    assert sent.text == ann.last.text == "Bone pain 0–10? «ünïcode»"
    assert ann.last.buttons == [["Yes ✅"]]


async def test_a_call_without_files_is_one_json_object() -> None:
    """The body is JSON, with the keyboard as an object and numbers as numbers, as the Bot
    API reads it (not a form of JSON-encoded, percent-encoded fields)."""
    seen: list[tuple[str, object]] = []

    async def api(request: web.Request) -> web.Response:
        if request.match_info["method"] == "getMe":  # PTB's start
            return web.json_response({"ok": True, "result": {
                "id": 42, "is_bot": True, "first_name": "Bot", "username": "bot"}})
        seen.append((request.content_type, await request.json()))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot",
                       request=BotApiRequest()) as bot:  # fmt: skip
            await bot.do_api_request("editMessageText", {
                "chat_id": 7, "message_id": 3, "text": "Sleep?\n✓ 8 «ü»",
                "reply_markup": {"inline_keyboard": [[{"text": "0", "callback_data": "f:x:0"}]]}})
    finally:
        await runner.cleanup()
    assert seen == [("application/json", {
        "chat_id": 7, "message_id": 3, "text": "Sleep?\n✓ 8 «ü»",
        "reply_markup": {"inline_keyboard": [[{"text": "0", "callback_data": "f:x:0"}]]}})]


async def test_photo_and_document_upload_as_multipart(sb: Sandbox) -> None:
    ann = sb.user(7, "Ann")
    image = png_bytes(40, 30)
    csv = b"date,pain\n2026-11-22,0\n" * 2000  # larger than one socket write
    async with make_bot(sb) as bot:
        await bot.send_photo(7, image, caption="Your week")
        await bot.send_document(7, csv, filename="checkins.csv")
    photo, document = ann.messages
    assert photo.photo is not None and photo.photo.data == image
    assert (photo.photo.width, photo.photo.height) == (40, 30) and photo.caption == "Your week"
    assert document.document is not None and document.document.data == csv
    assert document.document.file_name == "checkins.csv"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after
async def test_api_errors_reach_ptb_as_its_exceptions(sb: Sandbox) -> None:
    sb.user(7, "Ann")
    async with make_bot(sb) as bot:
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(999, "hi")
        sb.block(7)
        with pytest.raises(Forbidden):
            await bot.send_message(7, "hi")
        sb.unblock(7)
        sb.set_faults(retry_after=3)
        sb.faults.fail_next("retry_after")
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "hi")


async def test_a_slow_answer_is_timed_out_and_a_dropped_one_a_network_error(sb: Sandbox) -> None:
    sb.user(7, "Ann")
    sb.set_faults(slow_delay=0.8)
    async with make_bot(sb, read_timeout=0.3) as bot:
        sb.faults.fail_next("slow")
        with pytest.raises(TimedOut):
            await bot.send_message(7, "hi")
        sb.faults.fail_next("drop")
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(7, "hi")
        assert not isinstance(caught.value, TimedOut)
        assert TOKEN not in str(caught.value)  # errors are logged: no token in them
        assert (await bot.send_message(7, "after")).text == "after"  # the session recovers


async def test_get_updates_waits_longer_than_the_read_timeout(sb: Sandbox) -> None:
    """PTB adds the long-poll timeout to the read timeout; an idle poll is not a failure."""
    async with make_bot(sb, read_timeout=0.2) as bot:
        began = asyncio.get_running_loop().time()
        assert await bot.get_updates(timeout=1) == ()
        assert asyncio.get_running_loop().time() - began >= 0.9


async def test_no_server_is_a_network_error_not_a_hang() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = BotApiRequest(connect_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", RequestData())
    finally:
        await request.shutdown()


async def test_a_full_pool_times_out_after_pool_and_connect_timeouts(sb: Sandbox) -> None:
    """aiohttp waits for a free connection and opens it under one budget: pool + connect."""
    sb.user(7, "Ann")
    sb.set_faults(slow_delay=1.2)  # three times the 0.4 s budget: it gives up well before
    async with make_bot(sb, connections=1, pool_timeout=0.2, connect_timeout=0.2,
                        read_timeout=5) as bot:  # fmt: skip
        sb.faults.fail_next("slow")
        slow = asyncio.create_task(bot.send_message(7, "slow"))
        while sb.faults._scripted:  # until the sandbox has the slow call: the connection is busy
            await asyncio.sleep(0.01)
        with pytest.raises(TimedOut):
            await bot.send_message(7, "waits for the pool")
        # it gave up within its pool + connect budget, before the busy connection came free
        assert not slow.done()
        assert (await slow).text == "slow"


async def test_unused_or_shut_down_request_says_so() -> None:
    request = BotApiRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless, as PTB may do on errors
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/", "POST")


async def test_tls_certificates_are_verified() -> None:
    """Against an HTTPS server whose certificate no public CA signed, the request fails
    rather than talking to it: verification is on (the bot's token travels in every URL)."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    request = BotApiRequest(connect_timeout=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="(?i)certificate"):
            await request.post(f"https://127.0.0.1:{port}/bot{TOKEN}/getMe", RequestData())
    finally:
        await request.shutdown()
        await runner.cleanup()
