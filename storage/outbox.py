"""The outbox: every message the bot sends on its own (reminders, alerts, digests) is a
row here first, then the sender delivers it (docs/DESIGN.md decision 4).

Life of a row: pending --claim_due--> sending --mark_sent--> sent
                                              --mark_retry--> pending (later not_before)
                                              --mark_failed--> failed
A `dedupe_key` makes enqueueing the same message twice a no-op (e.g. "alert:42:urgent").

Every row lists the runners it is about in `outbox_about` (`runner_id` and `about`), so
/delete removes it. A finished row about a runner who no longer exists (the "has left"
notice to their coach) is deleted at once instead of being kept as 'sent' or 'failed'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from sqlite_utils import Database

from storage.db import parse_utc, utc_iso


class Priority(IntEnum):
    """How soon a row goes out: higher first (claim_due), and from `URGENT` up the sender's
    shorter maximum age and the runner told if it cannot be delivered (bot/outbox.py)."""

    ROUTINE = 0  # strength pings, weekly summaries, digests
    REMINDER = 1  # the morning check-in and its nudges
    NOTICE = 3  # a person told of what someone else did (a link, a coach's action)
    REVIEW = 5  # a coach asked to review an athlete
    URGENT = 10  # a red-flag alert to the coach, or the runner told it did not get through


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    chat_id: int
    runner_id: int | None
    kind: str
    payload: dict[str, Any]  # what to send: text, buttons, …
    priority: int
    status: str
    attempts: int  # claims so far, this one included
    not_before: dt.datetime
    last_error: str | None
    dedupe_key: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _message(r: dict) -> OutboxMessage:
    return OutboxMessage(
        id=r["id"],
        chat_id=r["chat_id"],
        runner_id=r["runner_id"],
        kind=r["kind"],
        payload=json.loads(r["payload"]),
        priority=r["priority"],
        status=r["status"],
        attempts=r["attempts"],
        not_before=parse_utc(r["not_before"]),  # type: ignore[arg-type]
        last_error=r["last_error"],
        dedupe_key=r["dedupe_key"],
        created_at=parse_utc(r["created_at"]),  # type: ignore[arg-type]
        sent_at=parse_utc(r["sent_at"]),
    )


def enqueue(
    db: Database,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    *,
    runner_id: int | None = None,
    about: Iterable[int] = (),
    priority: int = Priority.ROUTINE,
) -> int | None:
    """Queue a message; its id, or None if `dedupe_key` was already used.

    `runner_id` is the runner the message is about (so /delete removes it); `about` lists
    further runners it names (a digest), or one already deleted (no foreign key there).
    Higher `priority` is sent first (urgent alerts before reminders). `not_before` defaults
    to now.
    """
    now = utc_iso()
    cur = db.execute(
        """INSERT INTO outbox (chat_id, runner_id, kind, payload, priority, not_before,
                               dedupe_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dedupe_key) DO NOTHING""",
        [
            chat_id,
            runner_id,
            kind,
            json.dumps(payload, ensure_ascii=False),
            priority,
            now if not_before is None else utc_iso(not_before),
            dedupe_key,
            now,
        ],
    )
    if cur.rowcount != 1:
        return None
    row_id = cur.lastrowid
    subjects = {r for r in (runner_id, *about) if r is not None}
    for subject in sorted(subjects):
        db.execute(
            "INSERT OR IGNORE INTO outbox_about (outbox_id, runner_id) VALUES (?, ?)",
            [row_id, subject],
        )
    return row_id


def claim_due(
    db: Database, now: dt.datetime, limit: int = 100, skip_chats: Iterable[int] = ()
) -> list[OutboxMessage]:
    """Atomically move up to `limit` due pending rows (not_before <= now) to 'sending'
    and return them, highest priority then oldest first; none to `skip_chats` (chats under
    flood control)."""
    skip = sorted(set(skip_chats))
    not_skipped = f"AND chat_id NOT IN ({', '.join('?' * len(skip))})" if skip else ""
    # execute() does not commit a statement that returns rows: hence the transaction.
    with db.atomic():
        cur = db.execute(
            f"""UPDATE outbox SET status = 'sending', attempts = attempts + 1
               WHERE id IN (SELECT id FROM outbox
                            WHERE status = 'pending' AND not_before <= ? {not_skipped}
                            ORDER BY priority DESC, not_before, id LIMIT ?)
               RETURNING *""",
            [utc_iso(now), *skip, limit],
        )
        columns = [c[0] for c in cur.description]
        rows = cur.fetchall()
    messages = [_message(dict(zip(columns, r, strict=True))) for r in rows]
    messages.sort(key=lambda m: (-m.priority, m.not_before, m.id))  # RETURNING has no order
    return messages


def mark_sent(db: Database, message_id: int) -> bool:
    """Delivered; True if the row was deleted instead, being about someone deleted."""
    _finish(db, message_id, "status = 'sent', sent_at = ?, last_error = NULL", [utc_iso()])
    return _forget_if_orphaned(db, message_id)


def mark_retry(db: Database, message_id: int, not_before: dt.datetime, error: str) -> None:
    """Back to pending, to be tried again from `not_before` (RetryAfter, network error)."""
    _finish(
        db, message_id, "status = 'pending', not_before = ?, last_error = ?",
        [utc_iso(not_before), error],
    )  # fmt: skip


def mark_failed(db: Database, message_id: int, error: str) -> bool:
    """Give up on the message (blocked bot, bad request, too many attempts, too old); True
    if the row was deleted instead, being about someone deleted."""
    _finish(db, message_id, "status = 'failed', last_error = ?", [error])
    return _forget_if_orphaned(db, message_id)


def release_claimed(db: Database, message_ids: Iterable[int]) -> int:
    """Claimed rows never tried go back to 'pending' as they were, the claim not counted
    as an attempt (a chat put under flood control while they waited); their count."""
    ids = list(message_ids)
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    return db.execute(
        f"""UPDATE outbox SET status = 'pending', attempts = max(0, attempts - 1)
            WHERE status = 'sending' AND id IN ({marks})""",
        ids,
    ).rowcount


def stale_pending(db: Database, created_before: dt.datetime, min_priority: int = -(2**62),
                  limit: int = 100) -> list[OutboxMessage]:  # fmt: skip
    """Pending rows created before `created_before` (with at least `min_priority`): the
    ones past their maximum age."""
    rows = db.query(
        """SELECT * FROM outbox WHERE status = 'pending' AND created_at < ? AND priority >= ?
           ORDER BY id LIMIT ?""",
        [utc_iso(created_before), min_priority, limit],
    )
    return [_message(r) for r in rows]


def failed_count(db: Database, since: dt.datetime) -> int:
    """Rows given up on that were created since `since` (for /healthz)."""
    return db.execute(
        "SELECT count(*) FROM outbox WHERE status = 'failed' AND created_at >= ?",
        [utc_iso(since)],
    ).fetchone()[0]


def _forget_if_orphaned(db: Database, message_id: int) -> bool:
    """A finished row about a runner who is gone is not kept: nothing of theirs remains."""
    return db.execute(
        """DELETE FROM outbox WHERE id = ? AND EXISTS (
               SELECT 1 FROM outbox_about a WHERE a.outbox_id = outbox.id
               AND NOT EXISTS (SELECT 1 FROM runners r WHERE r.user_id = a.runner_id))""",
        [message_id],
    ).rowcount == 1


def requeue_stuck_sending(db: Database) -> int:
    """At start-up, put rows left in 'sending' by a crash back to 'pending'; their count.

    This is the one window where a message can be delivered twice: the sender got it to
    Telegram but the process died before `mark_sent` committed. Everything else is
    exactly once. Only call this while no sender is running.
    """
    return db.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'").rowcount


def backlog_count(db: Database) -> int:
    """Messages not yet delivered nor given up on (pending or sending)."""
    return db.execute(
        "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
    ).fetchone()[0]


def get_message(db: Database, message_id: int) -> OutboxMessage | None:
    rows = list(db.query("SELECT * FROM outbox WHERE id = ?", [message_id]))
    return _message(rows[0]) if rows else None


def delete_finished_before(db: Database, before: dt.datetime) -> int:
    """Housekeeping: drop sent and failed rows created before `before`; their count."""
    return db.execute(
        "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?",
        [utc_iso(before)],
    ).rowcount


def _finish(db: Database, message_id: int, assignments: str, params: list) -> None:
    cur = db.execute(f"UPDATE outbox SET {assignments} WHERE id = ?", [*params, message_id])
    if cur.rowcount != 1:
        raise LookupError(f"no outbox message {message_id}")
