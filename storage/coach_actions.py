"""Coach actions (clear, resume, hold, seen …) as rows with a unique key, so a repeated or
concurrent press of the same button is one action: the first claims the key, the others
find the row and can say who did it and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from storage.db import parse_utc, utc_iso


@dataclass(frozen=True, slots=True)
class CoachAction:
    id: int
    key: str
    coach_id: int
    runner_id: int
    action: str  # running_cleared, walking_cleared, resume, hold, seen, confirm_running …
    alert_id: int | None
    event_id: int | None
    at: dt.datetime
    undone_at: dt.datetime | None


def _row(r: dict) -> CoachAction:
    return CoachAction(**{**r, "at": parse_utc(r["at"]), "undone_at": parse_utc(r["undone_at"])})


def claim_action(
    db: Database, key: str, coach_id: int, runner_id: int, action: str,
    alert_id: int | None = None, at: dt.datetime | None = None,
) -> CoachAction | None:  # fmt: skip
    """Claim `key` for an action; the new row, or None if the key was claimed before
    (`action_by_key` then tells by whom and when)."""
    cur = db.execute(
        """INSERT INTO coach_actions (key, coach_id, runner_id, action, alert_id, at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING""",
        [key, coach_id, runner_id, action, alert_id, utc_iso(at)],
    )
    return action_by_id(db, cur.lastrowid) if cur.rowcount == 1 else None


def set_action_event(db: Database, action_id: int, event_id: int) -> None:
    db.execute("UPDATE coach_actions SET event_id = ? WHERE id = ?", [event_id, action_id])


def action_by_key(db: Database, key: str) -> CoachAction | None:
    rows = list(db.query("SELECT * FROM coach_actions WHERE key = ?", [key]))
    return _row(rows[0]) if rows else None


def action_by_id(db: Database, action_id: int) -> CoachAction | None:
    rows = list(db.query("SELECT * FROM coach_actions WHERE id = ?", [action_id]))
    return _row(rows[0]) if rows else None


def mark_undone(db: Database, action_id: int, at: dt.datetime | None = None) -> bool:
    """False if it was undone already (a repeated Undo press)."""
    cur = db.execute(
        "UPDATE coach_actions SET undone_at = ? WHERE id = ? AND undone_at IS NULL",
        [utc_iso(at), action_id],
    )
    return cur.rowcount == 1


def alert_actions(db: Database, alert_id: int) -> list[CoachAction]:
    """What was done about an alert, oldest first (its state line)."""
    rows = db.query("SELECT * FROM coach_actions WHERE alert_id = ? ORDER BY id", [alert_id])
    return [_row(r) for r in rows]


def last_action(db: Database, runner_id: int, actions: tuple[str, ...]) -> CoachAction | None:
    """The newest action of these kinds about the runner that was not undone."""
    marks = ", ".join("?" for _ in actions)
    rows = list(db.query(
        f"""SELECT * FROM coach_actions WHERE runner_id = ? AND action IN ({marks})
            AND undone_at IS NULL ORDER BY id DESC LIMIT 1""",
        [runner_id, *actions],
    ))  # fmt: skip
    return _row(rows[0]) if rows else None
