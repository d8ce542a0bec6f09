"""Webhook mode end to end: the real `stridecoach run --webhook-url` subprocess behind the
sandbox, which POSTs each update to it with the secret-token header."""

import asyncio
import json
import os
import sqlite3
import stat

import pytest

from bot.webhook import SECRET_HEADER
from tests.deploy.helpers import (
    TOKEN,
    free_port,
    http,
    slow_next_send,
    start_webhook_bot,
)
from tests.e2e.harness import play, reply


@pytest.mark.slow  # a real `stridecoach run` subprocess in webhook mode
async def test_updates_arrive_by_webhook_and_other_requests_are_refused(sandbox, tmp_path):
    db, port = str(tmp_path / "bot.db"), free_port()
    # DEBUG: PTB then logs every Bot API call's parameters, setWebhook's secret_token too
    bot = await start_webhook_bot(
        sandbox, db, tmp_path / "logs", port, STRIDECOACH_LOG_LEVEL="DEBUG"
    )
    hook = f"http://127.0.0.1:{port}/tg/updates"
    try:
        # registered with a secret, kept next to the database, private to the bot's user
        webhook = sandbox.world.webhook
        assert webhook.url == hook
        secret_path = tmp_path / "bot.db.webhook-secret"
        secret = secret_path.read_text().strip()
        assert webhook.secret_token == secret and len(secret) >= 32
        assert stat.S_IMODE(os.stat(secret_path).st_mode) == 0o600
        assert set(webhook.allowed_updates) == {"message", "callback_query", "my_chat_member"}

        ann = sandbox.user(3001, first_name="Ann")
        welcome = await reply(ann, "/start", timeout=20)
        assert "I agree — let's start" in [b for row in welcome.buttons for b in row]
        assert sandbox.webhook_sender.delivered >= 1
        assert not sandbox.calls("getUpdates")  # nothing polled

        update = json.dumps({"update_id": 999_999, "message": {
            "message_id": 1, "date": 1, "chat": {"id": 3001, "type": "private"},
            "from": {"id": 3001, "is_bot": False, "first_name": "Mallory"}, "text": "/start"}}
        ).encode()  # fmt: skip
        json_type = {"Content-Type": "application/json"}
        for headers in ({}, {SECRET_HEADER: "wrong-secret"}, {SECRET_HEADER: ""},
                        {SECRET_HEADER: secret[:-1]}):  # fmt: skip
            status, _ = await http("POST", hook, update, {**json_type, **headers})
            assert status == 403, headers
        status, _ = await http("POST", hook, b"not json",
                                            {**json_type, SECRET_HEADER: secret})  # fmt: skip
        assert status == 400
        await ann.wait_idle()
        assert ann.unread() == []  # the forged /start did nothing

        status, health = await http("GET", f"http://127.0.0.1:{port}/healthz")
        assert status == 200, health
        assert health["status"] == "ok" and health["database"]["ok"] is True
        assert health["outbox_backlog"] == 0 and health["sender"]["running"] is True
        assert "last_tick" in health

        assert await bot.terminate() == 0
        out = bot.output()
        assert TOKEN not in out and secret not in out
        assert "'secret_token': '<secret>'" in out
        assert "refused a request" in out  # the first refusal; more are counted
    finally:
        await bot.kill()


@pytest.mark.slow  # SIGTERM to a real bot process mid-form
async def test_sigterm_mid_form_in_webhook_mode_loses_nothing(sandbox, tmp_path):
    db, port = str(tmp_path / "bot.db"), free_port()
    bot = await start_webhook_bot(sandbox, db, tmp_path / "logs", port)
    kim = sandbox.user(3002, first_name="Kim")
    try:
        await reply(kim, "/start", timeout=20)
        # the press is handled slowly: the answer is stored, then the edit that turns the
        # consent message into the next question is answered 1.5 s late; SIGTERM arrives
        # while that call is in flight
        consent = kim.last
        began = slow_next_send(sandbox)
        await kim.press("I agree — let's start", consent)
        await asyncio.wait_for(began.wait(), 20)
        bot.proc.terminate()
        assert await bot.wait() == 0, bot.output()[-3000:]
        bone_q = consent  # turned into the next question before the process exited
        assert "Heel" in [b for row in bone_q.buttons for b in row]

        bot = await start_webhook_bot(sandbox, db, tmp_path / "logs", port)
        diagnosed_q = await play(kim, [("tap", "Heel")], timeout=20)
        assert "When was it diagnosed" in diagnosed_q.text
        assert await bot.terminate() == 0
    finally:
        await bot.kill()


class FakeApp:
    """What WebhookServer uses of an Application: its bot, queue and inbox."""

    bot = None

    def __init__(self, store):
        from bot.inbox import Inbox
        from bot.services import BotServices
        from bot.settings import Settings

        self.update_queue = asyncio.Queue()
        self.bot_data = {}
        self.inbox = Inbox(self, store)
        BotServices(store=store, settings=Settings(), inbox=self.inbox).install(self)


async def test_the_webhook_server_stores_good_updates_and_refuses_the_rest(
    unused_tcp_port, tmp_path
):
    from bot.webhook import WebhookServer
    from storage import Store, migrate
    from storage.inbox import unhandled

    store = Store(tmp_path / "bot.db")
    await store.run(migrate)
    app = FakeApp(store)
    server = WebhookServer(
        app, path="/hook", secret="s3cret", listen="127.0.0.1", port=unused_tcp_port
    )
    await server.start()
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    update = json.dumps({"update_id": 7}).encode()
    good = {"Content-Type": "application/json", SECRET_HEADER: "s3cret"}
    try:
        assert (await http("POST", url, update, good))[0] == 200
        # stored before the 200, and queued once
        assert await store.run(unhandled) == [(7, '{"update_id": 7}')]
        assert app.update_queue.get_nowait().update_id == 7
        # Telegram sends it again (it never saw our 200): answered, not queued again
        assert (await http("POST", url, update, good))[0] == 200
        assert app.update_queue.empty() and server.duplicates == 1
        assert (await http("POST", url, update, {**good, SECRET_HEADER: "S3CRET"}))[0] == 403
        assert (await http("POST", url, b"[1, 2]", good))[0] == 400
        assert (await http("POST", url, b'{"update_id": "7"}', good))[0] == 400
        assert (await http("GET", url))[0] == 405
        # the database refuses the row (a full disk): handled unstored, so the runner hears
        # "Sorry…" from the handler instead of silence
        async def full_disk(*args):
            raise sqlite3.OperationalError("database or disk is full")

        store.write = full_disk
        refused = json.dumps({"update_id": 8}).encode()
        assert (await http("POST", url, refused, good))[0] == 200
        assert app.update_queue.get_nowait().update_id == 8
        assert app.inbox.unstored == 1

        async def bug(*args):
            raise RuntimeError("not the database")

        store.write = bug  # anything else: not acknowledged, Telegram sends it again
        assert (await http("POST", url, json.dumps({"update_id": 9}).encode(), good))[0] == 500
        assert app.update_queue.empty()
        server.draining = True  # shutting down: Telegram is told to come back later
        assert (await http("POST", url, update, good))[0] == 503
        assert (server.received, server.rejected) == (2, 1)
    finally:
        await server.stop()
        store.close()


async def test_a_flood_of_bad_secrets_is_one_log_line_a_minute(unused_tcp_port, tmp_path,
                                                               caplog, monkeypatch):  # fmt: skip
    from bot import webhook
    from bot.webhook import WebhookServer
    from storage import Store, migrate

    store = Store(tmp_path / "bot.db")
    await store.run(migrate)
    server = WebhookServer(FakeApp(store), path="/hook", secret="s3cret", listen="127.0.0.1",
                           port=unused_tcp_port)  # fmt: skip
    await server.start()
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    now = [1000.0]
    monkeypatch.setattr(webhook.time, "monotonic", lambda: now[0])
    caplog.set_level("WARNING", logger="bot.webhook")
    try:
        for _ in range(200):
            assert (await http("POST", url, b"{}", {SECRET_HEADER: "guess"}))[0] == 403
        now[0] += 61
        assert (await http("POST", url, b"{}", {}))[0] == 403
        lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(lines) == 2, lines
        assert "refused a request" in lines[0] and "wrong secret token" in lines[0]
        assert "refused 200 request(s)" in lines[1] and "no secret token" in lines[1]
        assert server.rejected == 201
    finally:
        await server.stop()
        store.close()
