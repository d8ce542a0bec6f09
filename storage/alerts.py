"""Alerts to coaches: urgent ones on red flags, reviews on energy-deficiency signs.
A row records what was raised and whether the coach saw it; sending is the outbox's job."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

from storage.db import parse_utc, utc_iso

AlertKind = Literal["urgent", "review"]


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    runner_id: int
    coach_id: int | None  # None: no coach linked, the runner was told to see a clinician
    kind: AlertKind
    rules: tuple[str, ...]
    reason: str
    created_at: dt.datetime
    seen_at: dt.datetime | None
    resent_at: dt.datetime | None


def _alert(r: dict) -> AlertRow:
    return AlertRow(
        id=r["id"],
        runner_id=r["runner_id"],
        coach_id=r["coach_id"],
        kind=r["kind"],
        rules=tuple(json.loads(r["rules"])),
        reason=r["reason"],
        created_at=parse_utc(r["created_at"]),  # type: ignore[arg-type]
        seen_at=parse_utc(r["seen_at"]),
        resent_at=parse_utc(r["resent_at"]),
    )


def add_alert(
    db: Database,
    runner_id: int,
    coach_id: int | None,
    kind: AlertKind,
    rules: tuple[str, ...] | list[str],
    reason: str,
    at: dt.datetime | None = None,
) -> int:
    """Record an alert about the runner for the coach; its id. `at` defaults to now."""
    cur = db.execute(
        """INSERT INTO alerts (runner_id, coach_id, kind, rules, reason, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [runner_id, coach_id, kind, json.dumps(list(rules)), reason, utc_iso(at)],
    )
    return cur.lastrowid


def get_alert(db: Database, alert_id: int) -> AlertRow | None:
    rows = list(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    return _alert(rows[0]) if rows else None


def mark_alert_seen(
    db: Database, alert_id: int, coach_id: int, at: dt.datetime | None = None
) -> bool:
    """The coach pressed "seen"; False if the alert is not theirs or was seen already."""
    cur = db.execute(
        "UPDATE alerts SET seen_at = ? WHERE id = ? AND coach_id = ? AND seen_at IS NULL",
        [utc_iso(at), alert_id, coach_id],
    )
    return cur.rowcount == 1


def mark_alert_resent(db: Database, alert_id: int) -> None:
    db.execute("UPDATE alerts SET resent_at = ? WHERE id = ?", [utc_iso(), alert_id])


def unseen_alerts(db: Database, coach_id: int) -> list[AlertRow]:
    """The coach's alerts not marked seen, oldest first."""
    rows = db.query(
        "SELECT * FROM alerts WHERE coach_id = ? AND seen_at IS NULL ORDER BY created_at, id",
        [coach_id],
    )
    return [_alert(r) for r in rows]


def alerts_to_resend(db: Database, created_before: dt.datetime) -> list[AlertRow]:
    """Urgent alerts to a coach, unseen and not re-sent yet, raised before `created_before`."""
    rows = db.query(
        """SELECT * FROM alerts
           WHERE kind = 'urgent' AND coach_id IS NOT NULL AND seen_at IS NULL
             AND resent_at IS NULL AND created_at < ?
           ORDER BY created_at, id""",
        [utc_iso(created_before)],
    )
    return [_alert(r) for r in rows]


def alerts_between(
    db: Database, runner_id: int, coach_id: int, start: dt.datetime, end: dt.datetime
) -> list[AlertRow]:
    """The coach's alerts about the runner raised in [start, end), oldest first (digest)."""
    rows = db.query(
        """SELECT * FROM alerts WHERE runner_id = ? AND coach_id = ? AND created_at >= ?
             AND created_at < ? ORDER BY created_at, id""",
        [runner_id, coach_id, utc_iso(start), utc_iso(end)],
    )
    return [_alert(r) for r in rows]
