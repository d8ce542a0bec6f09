"""The outbox sender over real HTTP against the sandbox, in virtual time: pacing, order,
payloads, errors, restart safety and stopping."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import random
import warnings

import pytest
from telegram.error import RetryAfter

import storage
from bot.outbox import retry_after_seconds
from bot.outbox_limits import OutboxLimits
from bot.payload import parse_payload
from bot.sandbox.client import TINY_PNG
from storage import Priority
from tests.outbox.conftest import max_in_window, queue, rows

# PTB 22 warns when RetryAfter is built; pytest would show it despite bot.outbox's filter.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)


def texts(sandbox, chat) -> list[str | None]:
    return [m.text for m in sandbox.user(chat).messages]


async def test_200_messages_once_each_within_the_rate(sandbox, store, make_sender, clock):
    chats = list(range(1001, 1201))
    ids = await queue(store, sandbox, chats)
    sender = make_sender(rate_per_s=100, per_chat_interval_s=1.0)
    started = clock.now()
    await sender.start()
    assert await sender.drain(10)
    elapsed = clock.now() - started

    for i, chat in enumerate(chats):
        assert texts(sandbox, chat) == [f"m{i} to {chat}"]
    assert {m.status for m in await rows(store, ids)} == {"sent"}
    calls = [c.at for c in sandbox.calls("sendMessage")]
    assert len(calls) == 200
    assert max_in_window(calls, 1.0) <= 100 + 3  # the configured rate, small tolerance
    assert max_in_window(calls, 0.1) <= 10 + 3  # evenly spaced: no bursts
    assert elapsed >= 1.9
    assert (sender.counts.sent, sender.counts.retried, sender.counts.failed) == (200, 0, 0)


async def test_one_chat_in_order_and_spaced(sandbox, store, make_sender):
    await queue(store, sandbox, [7] * 5)
    sender = make_sender(per_chat_interval_s=0.2)
    await sender.start()
    assert await sender.drain(5)

    assert texts(sandbox, 7) == [f"m{i} to 7" for i in range(5)]
    at = [c.at for c in sandbox.calls("sendMessage")]
    gaps = [b - a for a, b in zip(at, at[1:], strict=False)]
    assert min(gaps) >= 0.2 - 1e-3, gaps


async def test_a_retried_message_keeps_its_place_in_the_chat(sandbox, store, make_sender):
    await queue(store, sandbox, [7] * 3)
    sandbox.faults.fail_next("error")  # the first send gets a 5xx
    sender = make_sender()
    await sender.start()
    assert await sender.drain(5)
    assert texts(sandbox, 7) == ["m0 to 7", "m1 to 7", "m2 to 7"]
    assert sender.counts.retried == 1


async def test_higher_priority_goes_first(sandbox, store, make_sender):
    await queue(store, sandbox, [1, 2, 3])
    await queue(store, sandbox, [4], priority=Priority.REVIEW)
    sender = make_sender(rate_per_s=50)
    await sender.start()
    assert await sender.drain(5)
    assert sandbox.calls("sendMessage")[0].chat_id == 4


async def test_wake_sends_at_once_while_idle(sandbox, store, make_sender, clock):
    sender = make_sender(idle_poll_s=3600)  # without wake(), the row would wait an hour
    await sender.start()
    # its first look found nothing: it is idle from now on
    await clock.until(lambda: sender.last_tick is not None)
    await queue(store, sandbox, [1])  # after that look (one database thread, in order)
    woke = clock.wall()
    sender.wake()
    await sandbox.user(1).wait_for_message(15)
    assert sandbox.calls("sendMessage")[0].at - woke < 1


async def test_not_before_is_respected(sandbox, store, make_sender, clock):
    sender = make_sender(idle_poll_s=0.05)
    await sender.start()
    due = clock.utc() + dt.timedelta(seconds=0.3)
    await queue(store, sandbox, [2], not_before=due)
    sender.wake()
    await sandbox.user(2).wait_for_message(10)
    assert clock.utc() >= due
    assert sandbox.calls("sendMessage")[0].at >= due.timestamp()


async def test_keyboard_html_and_photos(sandbox, store, make_sender):
    png = base64.b64encode(TINY_PNG).decode()
    payloads = {
        1: {"text": "<b>Check-in</b> time", "html": True,
            "keyboard": [[["Start", "ci:start"], ["Later", "ci:snooze"]]]},
        2: {"text": "Your week", "photo_b64": png, "keyboard": [[["OK", "ok"]]]},
        3: {"text": "x" * 1500, "photo_b64": png, "keyboard": [[["OK", "ok"]]]},
    }  # fmt: skip

    def write(db):
        for chat, payload in payloads.items():
            sandbox.user(chat)
            storage.enqueue(db, chat, "test", payload)

    await store.run(write)
    sender = make_sender(per_chat_interval_s=0.05)
    await sender.start()
    assert await sender.drain(5)

    (m1,) = sandbox.user(1).messages
    assert m1.text == "Check-in time" and m1.entities[0]["type"] == "bold"
    assert m1.button_data == {"Start": "ci:start", "Later": "ci:snooze"}
    (m2,) = sandbox.user(2).messages
    assert m2.photo is not None and m2.photo.data == TINY_PNG and m2.caption == "Your week"
    assert m2.buttons == [["OK"]]
    photo, text = sandbox.user(3).messages  # caption too long: the photo, then the text
    assert photo.photo is not None and not photo.caption and not photo.buttons
    assert text.text == "x" * 1500 and text.buttons == [["OK"]]


async def test_a_bad_payload_fails_at_once(sandbox, store, make_sender):
    def write(db):
        sandbox.user(5)
        return [
            storage.enqueue(db, 5, "test", {"text": ""}),
            storage.enqueue(db, 5, "test", {"text": "hi", "photo_b64": "not base64!"}),
        ]

    ids = await store.run(write)
    sender = make_sender()
    await sender.start()
    assert await sender.drain(5)
    for row in await rows(store, ids):
        assert row.status == "failed" and row.last_error.startswith("bad payload")
    assert sandbox.calls("sendMessage") == [] and sandbox.calls("sendPhoto") == []
    with pytest.raises(ValueError):
        parse_payload({"text": "a", "keyboard": [["just a label"]]})


async def test_blocked_chat_fails_once_and_runner_goes_inactive(sandbox, store, make_sender):
    ids = await queue(store, sandbox, [1, 2, 3], runners=True)
    sandbox.block(2)
    sender = make_sender()
    await sender.start()
    assert await sender.drain(5)

    statuses = [m.status for m in await rows(store, ids)]
    assert statuses == ["sent", "failed", "sent"]
    blocked = (await rows(store, ids))[1]
    assert blocked.attempts == 1 and "Forbidden" in blocked.last_error
    assert len([c for c in sandbox.calls("sendMessage") if c.chat_id == 2]) == 1
    active = {r.user_id: r.active for r in await store.run(storage.list_runners)}
    assert active == {1: True, 2: False, 3: True}
    assert (sender.counts.sent, sender.counts.failed, sender.counts.blocked, sender.counts.retried) == (2, 1, 1, 0)


async def test_chat_not_found_fails_and_runner_goes_inactive(sandbox, store, make_sender):
    def write(db):
        storage.upsert_runner(db, 4242, 4242, "Gone")  # no such chat in the sandbox
        return storage.enqueue(db, 4242, "test", {"text": "hi"}, runner_id=4242)

    row_id = await store.run(write)
    sender = make_sender()
    await sender.start()
    assert await sender.drain(5)
    (row,) = await rows(store, [row_id])
    assert row.status == "failed" and "chat not found" in row.last_error.lower()
    assert not (await store.run(storage.get_runner, 4242)).active
    assert len(sandbox.calls("sendMessage")) == 1


async def test_always_5xx_gives_up_after_max_attempts(sandbox, store, make_sender):
    sandbox.set_faults(error_rate=1.0)
    (row_id,) = await queue(store, sandbox, [9])
    sender = make_sender(max_attempts=3)
    await sender.start()
    assert await sender.drain(5)
    (row,) = await rows(store, [row_id])
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts: NetworkError")
    assert len(sandbox.calls("sendMessage", "error_5xx")) == 3
    assert (sender.counts.retried, sender.counts.failed) == (2, 1)


async def test_rows_left_sending_by_a_crash_are_delivered_once(sandbox, store, make_sender, clock):
    chats = list(range(1, 11))
    ids = await queue(store, sandbox, chats)
    crashed = await store.run(storage.claim_due, clock.utc(), 4)  # a sender claimed, then died
    assert len(crashed) == 4
    assert await store.run(storage.backlog_count) == 10

    sender = make_sender()
    await sender.start()
    assert await sender.drain(5)
    for i, chat in enumerate(chats):
        assert texts(sandbox, chat) == [f"m{i} to {chat}"]
    attempts = {m.id: m.attempts for m in await rows(store, ids)}
    assert sorted(attempts.values()) == [1] * 6 + [2] * 4


async def test_stop_finishes_the_message_in_flight_and_leaves_the_rest(
    sandbox, store, make_sender, clock
):
    sandbox.set_faults(slow_delay=0.4)
    sandbox.faults.fail_next("slow")  # the first send takes 0.4 s (real time) and then succeeds
    ids = await queue(store, sandbox, [1, 2, 3, 4, 5])
    sender = make_sender(rate_per_s=2)  # the second send would start after 0.5 s
    await sender.start()
    async with asyncio.timeout(10):  # until the first send is on its way
        while not sender.health()["in_flight"]:
            await asyncio.sleep(0.001)
    started = clock.now()
    await sender.stop(timeout=10)
    # it waited for the slow one (answered before stop returned), not for its timeout
    assert [c.outcome for c in sandbox.calls("sendMessage")] == ["slow"]
    assert clock.now() - started < 5

    assert [m.status for m in await rows(store, ids)] == ["sent"] + ["pending"] * 4
    assert texts(sandbox, 1) == ["m0 to 1"]
    assert all(texts(sandbox, chat) == [] for chat in (2, 3, 4, 5))
    assert await store.run(storage.backlog_count) == 4

    again = make_sender()  # a later sender delivers the rest
    await again.start()
    assert await again.drain(5)
    assert all(len(texts(sandbox, chat)) == 1 for chat in (1, 2, 3, 4, 5))


def test_retry_after_read_as_int_or_timedelta_without_warnings(monkeypatch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exc = RetryAfter(3)
        assert retry_after_seconds(exc) == 3.0
        monkeypatch.setenv("PTB_TIMEDELTA", "true")  # what PTB 23 will do by default
        assert retry_after_seconds(exc) == 3.0
        assert retry_after_seconds(RetryAfter(dt.timedelta(seconds=1.5))) == 1.5
    assert [
        str(w.message)
        for w in caught
        if "retry_after" in str(w.message) and w.filename.endswith("outbox.py")
    ] == []


def test_backoff_is_exponential_capped_and_jittered(store):
    limits, rng = OutboxLimits(backoff_base_s=1, backoff_max_s=10), random.Random(3)
    delays = [limits.backoff(n, rng) for n in range(1, 7)]
    for n, delay in enumerate(delays[:4], start=1):
        assert 0.9 * 2 ** (n - 1) <= delay <= 1.1 * 2 ** (n - 1)
    assert delays[4:] == [10, 10]
