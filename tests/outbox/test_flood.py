"""Flood control per chat and bounded retries (issue 15, point 4): a 429 on one chat pauses
that chat only; 429s on several chats at once pause everything; every row has a bounded
number of attempts and a maximum age; an urgent alert that cannot reach a coach is told to
the runner. In virtual time (tests/outbox/virtual_time.py): a 600 s pause takes none."""

from __future__ import annotations

import datetime as dt

import pytest

import storage
from dialogs.alerts import alert_undelivered
from storage import Priority
from tests.outbox.conftest import queue, rows

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)

COACH_A, COACH_B, RUNNER = 8101, 8102, 8201


async def test_a_600_s_429_on_one_chat_does_not_hold_an_urgent_alert_to_another(
    sandbox, store, make_sender, clock
):
    # Coach A's digests meet Telegram's flood control for 10 minutes; an urgent alert to
    # coach B, queued right after, must still go out at once (the issue: > 30 s is a failure).
    sandbox.faults.fail_chat(COACH_A, "retry_after", count=1, retry_after=600)
    digests = await queue(store, sandbox, [COACH_A] * 40)  # more than one claim window
    sender = make_sender(rate_per_s=30, per_chat_interval_s=1.0, max_concurrency=4)
    await sender.start()
    await clock.until(lambda: sandbox.calls("sendMessage", "retry_after"))  # the first digest's 429
    limited_at = clock.now()

    queued_at = clock.now()
    [alert] = await queue(store, sandbox, [COACH_B], texts=["🚨 urgent"], priority=Priority.URGENT)
    sender.wake()
    message = await sandbox.user(COACH_B).wait_for_message(timeout=30)
    delay = clock.now() - queued_at
    assert message.text == "🚨 urgent"
    assert delay < 30
    assert delay < 2  # in practice: at once
    await clock.until(lambda: sender.counts.sent)  # mark_sent follows the HTTP answer
    assert (await rows(store, [alert]))[0].status == "sent"
    assert clock.now() - limited_at < 600  # what follows is read inside coach A's pause

    # coach A's chat stays paused: nothing more to it, its rows wait as pending, none failed
    assert [c.outcome for c in sandbox.calls("sendMessage") if c.chat_id == COACH_A] == ["retry_after"]
    statuses = {m.status for m in await rows(store, digests)}
    assert statuses == {"pending"}
    health = sender.health()
    assert health["chats_paused"] == 1 and health["paused_s"] == 0  # not bot-wide
    assert health["longest_chat_pause_s"] > 590
    assert health["claimed"] == 0  # the paused chat holds no place in the claim window
    print(f"\nurgent alert to another chat delivered {delay * 1000:.0f} ms (virtual) after queueing, "
          f"despite a 600 s 429 on chat {COACH_A}")


async def test_the_paused_chat_resumes_in_order_after_its_retry_after(sandbox, store, make_sender):
    sandbox.faults.fail_chat(COACH_A, "retry_after", count=1, retry_after=1)
    ids = await queue(store, sandbox, [COACH_A] * 4 + [COACH_B] * 2)
    sender = make_sender(per_chat_interval_s=0.05)
    await sender.start()
    assert await sender.drain(10)
    texts_a = [m.text for m in sandbox.user(COACH_A).messages]
    assert texts_a == [f"m{i} to {COACH_A}" for i in range(4)]  # once each, in order
    assert {m.status for m in await rows(store, ids)} == {"sent"}
    first_b = min(c.at for c in sandbox.calls("sendMessage") if c.chat_id == COACH_B)
    limited = next(c.at for c in sandbox.calls("sendMessage") if c.outcome == "retry_after")
    assert first_b < limited + 0.5  # coach B did not wait out coach A's second
    a_after = [c.at for c in sandbox.calls("sendMessage", "ok") if c.chat_id == COACH_A]
    assert min(a_after) >= limited + 1 - 0.1  # coach A's chat waited its retry_after
    # a claim released by the pause is not counted as an attempt
    assert max(m.attempts for m in await rows(store, ids)) <= 2


async def test_429s_on_several_chats_at_once_pause_every_chat(sandbox, store, make_sender):
    chats = [8301, 8302, 8303]
    for chat in chats:
        sandbox.faults.fail_chat(chat, "retry_after", count=1, retry_after=2)
    await queue(store, sandbox, chats + [8304] * 3)
    sender = make_sender(rate_per_s=50, per_chat_interval_s=0.0, max_concurrency=8)
    await sender.start()
    assert await sender.drain(15)
    assert sender.health()["bot_wide_pauses"] == 1
    calls = sandbox.calls("sendMessage")
    third = sorted(c.at for c in calls if c.outcome == "retry_after")[2]
    inside = [c for c in calls if third + 0.1 < c.at < third + 2 - 0.1]
    assert inside == []  # nobody, chat 8304 included, was sent to during the bot-wide pause


async def test_attempts_are_bounded_even_for_429s(sandbox, store, make_sender):
    sandbox.faults.fail_chat(COACH_A, "retry_after", count=1000, retry_after=1)
    [row] = await queue(store, sandbox, [COACH_A])
    sender = make_sender(max_attempts=3)
    await sender.start()
    assert await sender.drain(10)
    message = (await rows(store, [row]))[0]
    assert message.status == "failed" and message.attempts == 3
    assert "gave up after 3 attempts" in message.last_error
    assert len(sandbox.calls("sendMessage")) == 3  # not 25 attempts in 25 s
    assert sender.health()["expired"] == 1


def _coach_and_runner(db) -> None:
    storage.upsert_coach(db, COACH_A, COACH_A, "Alex")
    storage.upsert_runner(db, RUNNER, RUNNER, "Rae")
    storage.link_coach(db, COACH_A, RUNNER)


async def test_an_urgent_alert_that_never_reaches_the_coach_is_told_to_the_runner(
    sandbox, store, make_sender
):
    await store.run(_coach_and_runner)
    sandbox.user(RUNNER)
    sandbox.faults.fail_chat(COACH_A, "error", count=1000)  # the coach's chat keeps failing
    alert = await store.run(storage.enqueue, COACH_A, "alert", {"text": "🚨 Rae"}, "alert:1",
                            runner_id=RUNNER, priority=Priority.URGENT)  # fmt: skip
    sender = make_sender(max_attempts=4, on_give_up=alert_undelivered, urgent_priority=Priority.URGENT)
    await sender.start()
    told = await sandbox.user(RUNNER).wait_for_message(timeout=10)
    assert "could not get today's warning through to Alex" in told.text
    assert "clinician" in told.text
    assert (await rows(store, [alert]))[0].status == "failed"
    assert await sender.drain(5)
    assert len(sandbox.user(RUNNER).messages) == 1  # told once


async def test_rows_past_their_maximum_age_are_given_up(sandbox, store, make_sender, clock):
    await store.run(_coach_and_runner)
    sandbox.user(RUNNER)
    # under flood control for long: an urgent alert waits past its maximum age
    sandbox.faults.fail_chat(COACH_A, "retry_after", count=1, retry_after=600)
    alert = await store.run(storage.enqueue, COACH_A, "alert", {"text": "🚨 Rae"}, "alert:2",
                            runner_id=RUNNER, priority=Priority.URGENT)  # fmt: skip
    old = await store.run(storage.enqueue, RUNNER, "reminder", {"text": "stale"},
                          not_before=clock.utc() + dt.timedelta(hours=1))  # fmt: skip
    await store.run(lambda db: db.execute(
        "UPDATE outbox SET created_at = ? WHERE id = ?",
        [storage.utc_iso(clock.utc() - dt.timedelta(hours=13)), old]))  # fmt: skip
    sender = make_sender(urgent_max_age_s=1.5, on_give_up=alert_undelivered,
                         urgent_priority=Priority.URGENT)  # fmt: skip
    await sender.start()
    told = await sandbox.user(RUNNER).wait_for_message(timeout=15)
    assert "could not get today's warning through" in told.text
    alert_row, old_row = await rows(store, [alert, old])
    assert alert_row.status == "failed" and alert_row.last_error.startswith("expired")
    assert old_row.status == "failed" and old_row.last_error.startswith("expired")
    assert "stale" not in [m.text for m in sandbox.user(RUNNER).messages]
    assert sender.health()["expired"] == 2


async def test_a_coach_who_blocked_the_bot_does_not_silence_the_athlete(sandbox, store, make_sender):
    await store.run(_coach_and_runner)
    sandbox.user(RUNNER)
    sandbox.faults.configure(blocked={COACH_A})
    alert = await store.run(storage.enqueue, COACH_A, "alert", {"text": "🚨 Rae"}, "alert:3",
                            runner_id=RUNNER, priority=Priority.URGENT)  # fmt: skip
    sender = make_sender(on_give_up=alert_undelivered, urgent_priority=Priority.URGENT)
    await sender.start()
    told = await sandbox.user(RUNNER).wait_for_message(timeout=10)
    assert "could not get today's warning through to Alex" in told.text
    assert (await rows(store, [alert]))[0].status == "failed"
    # the athlete keeps her reminders: the coach's chat is the one that blocked the bot
    assert (await store.run(storage.get_runner, RUNNER)).active
