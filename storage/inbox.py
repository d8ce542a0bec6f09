"""The inbox: every update from Telegram as a row, stored before it is acknowledged.

A row is written (keyed by Telegram's `update_id`) before the webhook answers 200 and before
the `getUpdates` offset that confirms it; it is marked handled when its handler finishes.
Whatever Telegram believes we received survives a kill: at the next start the rows not yet
marked are handled first, in `update_id` order. A second copy of an update (Telegram
redelivers one whose 200 it never saw) finds its `update_id` taken and is ignored.

While an update is being handled, `inbox_replies` holds the Bot API calls its handler made,
each as the JSON [fingerprint, result], written as Telegram answers each one (`add_reply`): a
handler cut short by a kill runs again at the next start and takes those results instead of
making the calls again (bot/journal.py), so a message sent before the kill is not sent twice.

A handled row keeps only the id and times: its content goes, and its replies, when it is
marked.
Handled rows are deleted after RETENTION: Telegram keeps an unconfirmed update for at most
24 hours, so no copy can arrive later than that; and it picks a random `update_id` only after
a week without updates, so a new update never meets an old row with its id.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlite_utils import Database

from storage.db import utc_iso

RETENTION = dt.timedelta(days=2)


def add_update(db: Database, update_id: int, payload: str, received_at: str) -> bool:
    """Store one update (its JSON as Telegram sent it); False if its id is there already."""
    cursor = db.execute(
        "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?) "
        "ON CONFLICT (update_id) DO NOTHING",
        [update_id, payload, received_at],
    )
    return cursor.rowcount == 1


def add_updates(db: Database, updates: Iterable[tuple[int, str]], received_at: str) -> list[int]:
    """Store a batch (one getUpdates answer) in one transaction; the ids that were new."""
    new = []
    with db.conn:  # one commit for the batch (the loop connection is in autocommit)
        if db.conn.isolation_level is None:
            db.execute("BEGIN IMMEDIATE")
        for update_id, payload in updates:
            if add_update(db, update_id, payload, received_at):
                new.append(update_id)
    return new


def add_reply(db: Database, update_id: int, n: int, entry: str) -> None:
    """Store call number `n` the update's handler made (`entry`: the JSON [fingerprint,
    result])."""
    db.execute(
        "INSERT INTO inbox_replies (update_id, n, entry) VALUES (?, ?, ?)",
        [update_id, n, entry],
    )


def mark_handled(db: Database, update_id: int, handled_at: str, journaled: bool = True) -> None:
    """The update's handler finished: keep only its id (for duplicates) and times. Its
    content (names, texts, answers) and its journaled replies go at once, in one
    transaction, so a handled row holds nothing about a person and /delete has nothing to
    find here. `journaled`: whether its handler's calls were journaled (else one statement)."""
    mark = "UPDATE inbox SET handled_at = ?, payload = '' WHERE update_id = ?"
    if not journaled:
        db.execute(mark, [handled_at, update_id])
        return
    with db.atomic():
        db.execute(mark, [handled_at, update_id])
        db.execute("DELETE FROM inbox_replies WHERE update_id = ?", [update_id])


def unhandled(db: Database) -> list[tuple[int, str]]:
    """(update_id, payload) of every row not yet handled, oldest first."""
    return db.execute(
        "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id"
    ).fetchall()


def unhandled_replies(db: Database) -> dict[int, list]:
    """update_id → the [fingerprint, result] calls its handler made so far (in order), for the
    unhandled rows whose handler had made any."""
    rows = db.execute(
        "SELECT r.update_id, r.entry FROM inbox_replies r JOIN inbox i USING (update_id) "
        "WHERE i.handled_at IS NULL ORDER BY r.update_id, r.n"
    ).fetchall()
    found: dict[int, list] = {}
    for update_id, entry in rows:
        found.setdefault(update_id, []).append(json.loads(entry))
    return found


def inbox_counts(db: Database) -> dict[str, int]:
    """Rows by state: {"handled": n, "unhandled": m}."""
    handled, total = db.execute(
        "SELECT count(handled_at), count(*) FROM inbox"
    ).fetchone()
    return {"handled": handled, "unhandled": total - handled}


def prune_inbox(db: Database, now: dt.datetime, retention: dt.timedelta = RETENTION) -> int:
    """Delete rows handled more than `retention` before `now`; how many went. Replies left
    by a process that died between marking and deleting them go too."""
    cursor = db.execute(
        "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
        [utc_iso(now - retention)],
    )
    db.execute("DELETE FROM inbox_replies WHERE update_id NOT IN "
               "(SELECT update_id FROM inbox WHERE handled_at IS NULL)")  # fmt: skip
    return cursor.rowcount
