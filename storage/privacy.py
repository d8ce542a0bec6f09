"""A runner's data as a whole: `/export` gathers every row about them, `/delete` removes
every row about them (and the bytes: `secure_delete` is on for every connection, see
storage/db.py, and `wipe_free_space` empties the write-ahead log)."""

from __future__ import annotations

import time
from typing import Any

from sqlite_utils import Database

# Every table and the columns whose value can be a runner's user id. The foreign keys
# cascade from `runners` already; deleting explicitly also covers the tables without one
# (drafts, audit log, outbox_about) and a connection that forgot `PRAGMA foreign_keys=ON`.
RUNNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkins": ("runner_id",),
    "decisions": ("runner_id",),
    "events": ("runner_id",),
    "alerts": ("runner_id",),
    "reminder_log": ("runner_id",),
    "outbox": ("runner_id",),
    "outbox_about": ("runner_id",),
    "coach_links": ("runner_id",),
    "form_drafts": ("user_id",),
    "audit_log": ("runner_id", "actor_id"),
    "runners": ("user_id",),  # last: the others refer to it
}
# Where a person who was also a coach appears in rows that belong to *other* runners: the
# column is cleared (those runners keep their history, without the coach's id).
COACH_MENTIONS: tuple[tuple[str, str], ...] = (("alerts", "coach_id"), ("events", "actor_id"))


def _where(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"{c} = :id" for c in columns)


def delete_runner(db: Database, runner_id: int) -> int:
    """Delete every row about the person, in one transaction; the number of rows deleted.

    Their runner data; if they were also a coach, their coach row (so their invite code
    stops working), their links to athletes, and their id on those athletes' alerts, events
    and audit details; every outbox row about them or to their chat (alerts about other
    athletes queued for them as a coach included: nobody would read them); audit entries
    they made or that are about them. Log the deletion itself without their id. Call
    `wipe_free_space` afterwards so the deleted bytes do not linger in the file.
    """
    deleted = 0
    params = {"id": runner_id}
    with db.atomic():
        chats = {runner_id}  # a private chat's id is the user's id
        for table in ("runners", "coaches"):
            row = db.execute(f"SELECT chat_id FROM {table} WHERE user_id = ?", [runner_id]).fetchone()
            if row is not None:
                chats.add(row[0])
        for chat in sorted(chats):
            deleted += db.execute("DELETE FROM outbox WHERE chat_id = ?", [chat]).rowcount
        deleted += db.execute(
            "DELETE FROM outbox WHERE id IN (SELECT outbox_id FROM outbox_about WHERE runner_id = :id)",
            params,
        ).rowcount
        for table, column in COACH_MENTIONS:
            db.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = :id AND runner_id != :id", params)
        db.execute(
            """UPDATE audit_log SET detail = json_remove(detail, '$.coach_id')
               WHERE detail IS NOT NULL AND json_valid(detail)
                 AND json_extract(detail, '$.coach_id') = :id""",
            params,
        )
        deleted += db.execute("DELETE FROM coach_links WHERE coach_id = :id", params).rowcount
        deleted += db.execute("DELETE FROM coaches WHERE user_id = :id", params).rowcount
        for table, columns in RUNNER_COLUMNS.items():
            sql = f"DELETE FROM {table} WHERE {_where(columns)}"
            deleted += db.execute(sql, params).rowcount
    return deleted


def wipe_free_space(db: Database) -> bool:
    """After a deletion: copy the write-ahead log into the file and empty it, so the old
    versions of deleted rows are gone from disk too (`secure_delete` zeroes them inside the
    file's pages). True if the log could be emptied now; otherwise the next checkpoint does
    it. Must run outside a transaction."""
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return True
    for _ in range(20):  # a reader on another connection can hold the log for a moment
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        time.sleep(0.01)
    return False


def export_runner(db: Database, runner_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the runner, table by table (raw columns; JSON left as text)."""
    data: dict[str, list[dict[str, Any]]] = {}
    with db.atomic():  # one consistent snapshot
        for table, columns in reversed(RUNNER_COLUMNS.items()):
            data[table] = list(
                db.query(f"SELECT * FROM {table} WHERE {_where(columns)}", {"id": runner_id})
            )
    return data
