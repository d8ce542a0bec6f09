"""Coach and clinician events (clearances, resume, hold) that the engine reads with a
runner's history."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from protocols.models import Event
from storage.db import utc_iso


def add_event(db: Database, runner_id: int, event: Event, actor_id: int | None = None) -> int:
    """Record `event` for the runner (by `actor_id`, the coach or the runner); its id."""
    cur = db.execute(
        "INSERT INTO events (runner_id, date, type, actor_id, created_at) VALUES (?, ?, ?, ?, ?)",
        [runner_id, event.date.isoformat(), event.type, actor_id, utc_iso()],
    )
    return cur.lastrowid


def events_between(
    db: Database, runner_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> list[Event]:
    """The runner's events from `start` to `end` inclusive (open ends if None), in order."""
    sql = "SELECT date, type FROM events WHERE runner_id = ?"
    params: list = [runner_id]
    if start is not None:
        sql += " AND date >= ?"
        params.append(start.isoformat())
    if end is not None:
        sql += " AND date <= ?"
        params.append(end.isoformat())
    rows = db.query(sql + " ORDER BY date, id", params)
    return [Event.model_validate(r) for r in rows]


def remove_event(db: Database, event_id: int) -> bool:
    """Take back an event no decision has read yet (a coach's undo); False if gone."""
    return db.execute("DELETE FROM events WHERE id = ?", [event_id]).rowcount == 1


def last_event(db: Database, runner_id: int, types: tuple[str, ...]) -> tuple[int, Event] | None:
    """The runner's newest event of these types (by when it was recorded): (id, event)."""
    marks = ", ".join("?" for _ in types)
    row = db.execute(
        f"SELECT id, date, type FROM events WHERE runner_id = ? AND type IN ({marks}) "
        "ORDER BY id DESC LIMIT 1",
        [runner_id, *types],
    ).fetchone()
    return None if row is None else (row[0], Event(date=row[1], type=row[2]))


def event_date_of(db: Database, event_id: int | None) -> dt.date | None:
    """The date an event applies on, or None if it is gone (or there is none)."""
    if event_id is None:
        return None
    row = db.execute("SELECT date FROM events WHERE id = ?", [event_id]).fetchone()
    return None if row is None else dt.date.fromisoformat(row[0])
