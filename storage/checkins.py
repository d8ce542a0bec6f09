"""Check-ins and the engine's decisions, one of each per runner and date.

A check-in is stored field by field (one column per `Checkin` field); a decision is
stored whole as JSON (with its `EngineState`), plus a few columns copied out for queries.
Saving the same date again replaces the earlier answer or decision.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from protocols.models import Checkin, Decision
from protocols.rules import Day
from storage.db import point_read, utc_iso

CHECKIN_FIELDS: tuple[str, ...] = tuple(Checkin.model_fields)  # "date" first
_VALUE_FIELDS = [f for f in CHECKIN_FIELDS if f != "date"]


def _checkin_row(runner_id: int, checkin: Checkin, now: str) -> dict:
    row = checkin.model_dump(mode="json")  # dates as ISO strings
    for name, value in row.items():
        if isinstance(value, bool):
            row[name] = int(value)
    return {"runner_id": runner_id, **row, "created_at": now, "updated_at": now}


def _checkin_from(row: dict) -> Checkin:
    return Checkin.model_validate({f: row[f] for f in CHECKIN_FIELDS})


def save_checkin(db: Database, runner_id: int, checkin: Checkin) -> None:
    """Insert the day's answers, or replace the ones already stored for that date."""
    row = _checkin_row(runner_id, checkin, utc_iso())
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*_VALUE_FIELDS, "updated_at"])
    db.execute(
        f"""INSERT INTO checkins ({columns}) VALUES ({marks})
            ON CONFLICT (runner_id, date) DO UPDATE SET {updates}""",
        list(row.values()),
    )


def save_decision(db: Database, runner_id: int, decision: Decision) -> None:
    """Insert the day's decision, or replace the one already stored for that date."""
    now = utc_iso()
    db.execute(
        """INSERT INTO decisions (runner_id, date, action, stage_before, stage, rules,
                                  escalation, protocol_version, decision, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (runner_id, date) DO UPDATE SET
             action = excluded.action, stage_before = excluded.stage_before,
             stage = excluded.stage, rules = excluded.rules,
             escalation = excluded.escalation, protocol_version = excluded.protocol_version,
             decision = excluded.decision, updated_at = excluded.updated_at""",
        [
            runner_id,
            decision.date.isoformat(),
            decision.action,
            decision.stage_before,
            decision.stage,
            json.dumps(list(decision.rules)),
            decision.escalation,
            decision.protocol_version,
            decision.model_dump_json(),
            now,
            now,
        ],
    )


def save_checkin_and_decision(
    db: Database, runner_id: int, checkin: Checkin, decision: Decision
) -> None:
    """Store a check-in and its decision in one transaction: both or neither."""
    if checkin.date != decision.date:
        raise ValueError(f"check-in of {checkin.date} with a decision of {decision.date}")
    with db.atomic():
        save_checkin(db, runner_id, checkin)
        save_decision(db, runner_id, decision)


@point_read
def get_checkin(db: Database, runner_id: int, date: dt.date) -> Checkin | None:
    rows = list(
        db.query(
            "SELECT * FROM checkins WHERE runner_id = ? AND date = ?",
            [runner_id, date.isoformat()],
        )
    )
    return _checkin_from(rows[0]) if rows else None


def checkins_between(db: Database, runner_id: int, start: dt.date, end: dt.date) -> list[Checkin]:
    """Check-ins from `start` to `end` inclusive, oldest first (charts, /history)."""
    rows = db.query(
        """SELECT * FROM checkins WHERE runner_id = ? AND date BETWEEN ? AND ?
           ORDER BY date""",
        [runner_id, start.isoformat(), end.isoformat()],
    )
    return [_checkin_from(r) for r in rows]


@point_read
def decision_on(db: Database, runner_id: int, date: dt.date) -> Decision | None:
    rows = list(
        db.query(
            "SELECT decision FROM decisions WHERE runner_id = ? AND date = ?",
            [runner_id, date.isoformat()],
        )
    )
    return Decision.model_validate_json(rows[0]["decision"]) if rows else None


@point_read
def latest_decision(db: Database, runner_id: int, before: dt.date | None = None) -> Decision | None:
    """The most recent decision (strictly before `before` if given): today's plan, or
    the state the engine starts from when a new check-in arrives."""
    sql = "SELECT decision FROM decisions WHERE runner_id = ?"
    params: list = [runner_id]
    if before is not None:
        sql += " AND date < ?"
        params.append(before.isoformat())
    rows = list(db.query(sql + " ORDER BY date DESC LIMIT 1", params))
    return Decision.model_validate_json(rows[0]["decision"]) if rows else None


def history(db: Database, runner_id: int, limit: int | None = None) -> list[Day]:
    """The runner's days (check-in and decision), oldest first; with `limit`, only the last."""
    sql = """SELECT c.*, d.decision AS decision_json
             FROM checkins c JOIN decisions d USING (runner_id, date)
             WHERE c.runner_id = ? ORDER BY c.date DESC"""
    params: list = [runner_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = list(db.query(sql, params))
    rows.reverse()
    return [Day(_checkin_from(r), Decision.model_validate_json(r["decision_json"])) for r in rows]
