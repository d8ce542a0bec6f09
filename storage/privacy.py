"""A runner's data as a whole: `/export` gathers every row about them, `/delete` removes
every row about them."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

# Every table and the columns whose value can be a runner's user id. The foreign keys
# cascade from `runners` already; deleting explicitly also covers the tables without one
# (drafts, audit log) and a connection that forgot `PRAGMA foreign_keys=ON`.
RUNNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkins": ("runner_id",),
    "decisions": ("runner_id",),
    "events": ("runner_id",),
    "alerts": ("runner_id",),
    "reminder_log": ("runner_id",),
    "outbox": ("runner_id",),
    "coach_links": ("runner_id",),
    "coach_actions": ("runner_id",),
    "clearance_reports": ("runner_id",),
    "form_drafts": ("user_id",),
    "audit_log": ("runner_id", "actor_id"),
    "runners": ("user_id",),  # last: the others refer to it
}


def _where(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"{c} = :id" for c in columns)


def delete_runner(db: Database, runner_id: int) -> int:
    """Delete every row about the runner, in one transaction; the number of rows deleted.

    Outbox rows about them go, and those to their chat about no one in particular (a
    runner who is also a coach keeps pending alerts about other athletes); audit entries
    they made or that are about them go too. Log the deletion itself without their id.
    """
    deleted = 0
    with db.atomic():
        row = db.execute("SELECT chat_id FROM runners WHERE user_id = ?", [runner_id]).fetchone()
        if row is not None:  # messages to their chat not tied to a runner (runner_id NULL)
            deleted += db.execute(
                "DELETE FROM outbox WHERE chat_id = ? AND runner_id IS NULL", [row[0]]
            ).rowcount
        for table, columns in RUNNER_COLUMNS.items():
            sql = f"DELETE FROM {table} WHERE {_where(columns)}"
            deleted += db.execute(sql, {"id": runner_id}).rowcount
    return deleted


def export_runner(db: Database, runner_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the runner, table by table (raw columns; JSON left as text)."""
    data: dict[str, list[dict[str, Any]]] = {}
    with db.atomic():  # one consistent snapshot
        for table, columns in reversed(RUNNER_COLUMNS.items()):
            data[table] = list(
                db.query(f"SELECT * FROM {table} WHERE {_where(columns)}", {"id": runner_id})
            )
    return data
