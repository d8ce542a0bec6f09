"""The outbox: enqueue with dedupe, atomic claims, retry, failure, crash recovery."""

import datetime as dt
import threading

import pytest

from storage import (
    Priority,
    backlog_count,
    claim_due,
    delete_finished_before,
    enqueue,
    get_message,
    mark_failed,
    mark_retry,
    mark_sent,
    open_db,
    requeue_stuck_sending,
)

NOW = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)
SEC = dt.timedelta(seconds=1)


def test_enqueue_returns_an_id_and_round_trips_the_payload(db):
    payload = {"text": "Bonjour 🏃 — check-in?", "buttons": [["Start", "checkin:start"]]}
    mid = enqueue(db, 42, "reminder", payload, not_before=NOW)
    message = get_message(db, mid)
    assert (message.chat_id, message.kind, message.payload) == (42, "reminder", payload)
    assert (message.status, message.attempts, message.not_before) == ("pending", 0, NOW)
    assert message.runner_id is None and message.sent_at is None


def test_dedupe_key_makes_a_second_enqueue_a_no_op(db):
    first = enqueue(db, 42, "alert", {"text": "a"}, dedupe_key="alert:7:urgent")
    assert first is not None
    assert enqueue(db, 42, "alert", {"text": "b"}, dedupe_key="alert:7:urgent") is None
    assert enqueue(db, 42, "alert", {"text": "c"}) is not None  # no key: never deduped
    assert enqueue(db, 42, "alert", {"text": "d"}) is not None
    assert get_message(db, first).payload == {"text": "a"}
    assert backlog_count(db) == 3


def test_claim_due_takes_only_due_pending_rows_by_priority_then_age(db):
    late = enqueue(db, 1, "reminder", {}, not_before=NOW - 5 * SEC)
    early = enqueue(db, 2, "reminder", {}, not_before=NOW - 9 * SEC)
    urgent = enqueue(db, 3, "alert", {}, not_before=NOW, priority=Priority.URGENT)
    future = enqueue(db, 4, "reminder", {}, not_before=NOW + SEC)

    claimed = claim_due(db, NOW, limit=10)
    assert [m.id for m in claimed] == [urgent, early, late]
    assert all(m.status == "sending" and m.attempts == 1 for m in claimed)
    assert claim_due(db, NOW, limit=10) == []  # claimed rows are not claimed again
    assert [m.id for m in claim_due(db, NOW + SEC, limit=10)] == [future]
    assert not db.conn.in_transaction


def test_claim_due_respects_the_limit(db):
    ids = [enqueue(db, n, "reminder", {}, not_before=NOW) for n in range(5)]
    assert [m.id for m in claim_due(db, NOW, limit=2)] == ids[:2]
    assert [m.id for m in claim_due(db, NOW, limit=10)] == ids[2:]


def test_retry_then_send(db):
    mid = enqueue(db, 1, "reminder", {}, not_before=NOW)
    claim_due(db, NOW, 10)
    mark_retry(db, mid, NOW + 30 * SEC, "RetryAfter(30)")
    message = get_message(db, mid)
    assert (message.status, message.last_error, message.not_before) == (
        "pending", "RetryAfter(30)", NOW + 30 * SEC,
    )  # fmt: skip
    assert claim_due(db, NOW + 29 * SEC, 10) == []
    [again] = claim_due(db, NOW + 30 * SEC, 10)
    assert again.attempts == 2
    mark_sent(db, mid)
    message = get_message(db, mid)
    assert (message.status, message.last_error) == ("sent", None)
    assert message.sent_at is not None
    assert backlog_count(db) == 0


def test_failed_messages_leave_the_backlog(db):
    mid = enqueue(db, 1, "reminder", {}, not_before=NOW)
    claim_due(db, NOW, 10)
    assert backlog_count(db) == 1  # sending still counts
    mark_failed(db, mid, "Forbidden: bot was blocked by the user")
    assert get_message(db, mid).status == "failed"
    assert backlog_count(db) == 0
    assert claim_due(db, NOW + 3600 * SEC, 10) == []


def test_marking_an_unknown_message_raises(db):
    with pytest.raises(LookupError):
        mark_sent(db, 12345)


def test_requeue_stuck_sending_after_a_crash(db_path, db):
    sending = [enqueue(db, n, "reminder", {}, not_before=NOW) for n in range(3)]
    claim_due(db, NOW, 10)
    mark_sent(db, sending[0])
    pending = enqueue(db, 9, "reminder", {}, not_before=NOW)
    db.close()

    db = open_db(db_path)  # the restart
    assert requeue_stuck_sending(db) == 2
    assert [m.id for m in claim_due(db, NOW, 10)] == [*sending[1:], pending]
    assert get_message(db, sending[0]).status == "sent"
    db.close()


def test_two_senders_never_claim_the_same_row(db_path, db):
    ids = {enqueue(db, n, "digest", {"n": n}, not_before=NOW) for n in range(200)}
    claimed: list[list[int]] = [[], []]

    def sender(k):
        conn = open_db(db_path)
        while batch := claim_due(conn, NOW, limit=7):
            claimed[k].extend(m.id for m in batch)
        conn.close()

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(claimed[0]).isdisjoint(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == sorted(ids)


def test_delete_finished_before(db):
    sent = enqueue(db, 1, "reminder", {}, not_before=NOW)
    failed = enqueue(db, 2, "reminder", {}, not_before=NOW)
    waiting = enqueue(db, 3, "reminder", {}, not_before=NOW)
    claim_due(db, NOW, 2)
    mark_sent(db, sent)
    mark_failed(db, failed, "x")
    far_future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert delete_finished_before(db, far_future) == 2
    assert get_message(db, waiting) is not None
