"""The reminder log: each (runner, kind, local date) reminder happens once, across
restarts, catch-up ticks and DST changes (docs/DESIGN.md decision 3)."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from storage.db import utc_iso


def claim_reminder(db: Database, runner_id: int, kind: str, local_date: dt.date) -> bool:
    """True only the first time for this (runner, kind, local_date): then send it.

    An INSERT that does nothing on the unique key, so two ticks racing (or a tick after a
    restart) cannot both win. Claim and enqueue in one `db.atomic()` block so a crash
    between the two cannot lose the reminder.
    """
    cur = db.execute(
        """INSERT INTO reminder_log (runner_id, kind, local_date, created_at)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (runner_id, kind, local_date) DO NOTHING""",
        [runner_id, kind, local_date.isoformat(), utc_iso()],
    )
    return cur.rowcount == 1


def reminder_sent(db: Database, runner_id: int, kind: str, local_date: dt.date) -> bool:
    """Whether that reminder was already claimed (without claiming it)."""
    row = db.execute(
        "SELECT 1 FROM reminder_log WHERE runner_id = ? AND kind = ? AND local_date = ?",
        [runner_id, kind, local_date.isoformat()],
    ).fetchone()
    return row is not None


def prune_reminder_log(db: Database, before: dt.date) -> int:
    """Housekeeping: forget reminders of local dates before `before`; their count."""
    return db.execute(
        "DELETE FROM reminder_log WHERE local_date < ?", [before.isoformat()]
    ).rowcount


def claimed_since(
    db: Database, first_date: dt.date, first_id: int = 0, last_id: int = 2**63 - 1
) -> set[tuple[int, str, str]]:
    """Every (runner, kind, ISO local date) claimed from `first_date` on, for runners with ids
    from `first_id` to `last_id`: one query a batch of runners instead of several per runner
    for reminders already sent."""
    rows = db.execute(
        """SELECT runner_id, kind, local_date FROM reminder_log
           WHERE runner_id BETWEEN ? AND ? AND local_date >= ?""",
        [first_id, last_id, first_date.isoformat()],
    ).fetchall()
    return {(r, k, d) for r, k, d in rows}
