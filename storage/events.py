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
