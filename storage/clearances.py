"""Clearances a runner reports (their clinician cleared walking or running) for the coach to
see and confirm; at a high-risk site only the coach's confirmation unlocks running."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from storage.db import parse_utc, utc_iso


@dataclass(frozen=True, slots=True)
class ClearanceReport:
    runner_id: int
    kind: str  # walking or running
    reported_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: int | None


def report_clearance(db: Database, runner_id: int, kind: str, at: dt.datetime | None = None) -> None:
    """The runner says their clinician cleared `kind`; a newer report replaces an
    unconfirmed one (the date shown to the coach is the latest)."""
    db.execute(
        """INSERT INTO clearance_reports (runner_id, kind, reported_at) VALUES (?, ?, ?)
           ON CONFLICT (runner_id, kind) DO UPDATE SET reported_at = excluded.reported_at
           WHERE confirmed_at IS NULL""",
        [runner_id, kind, utc_iso(at)],
    )


def withdraw_clearance_report(db: Database, runner_id: int, kind: str) -> None:
    db.execute(
        "DELETE FROM clearance_reports WHERE runner_id = ? AND kind = ? AND confirmed_at IS NULL",
        [runner_id, kind],
    )


def clearance_reports(db: Database, runner_id: int) -> list[ClearanceReport]:
    rows = db.query(
        "SELECT * FROM clearance_reports WHERE runner_id = ? ORDER BY kind DESC", [runner_id]
    )
    return [ClearanceReport(**{**r, "reported_at": parse_utc(r["reported_at"]),
                               "confirmed_at": parse_utc(r["confirmed_at"])}) for r in rows]  # fmt: skip


def confirm_clearance(db: Database, runner_id: int, kind: str, coach_id: int) -> None:
    """A coach confirmed `kind` (with or without a report before)."""
    db.execute(
        """INSERT INTO clearance_reports (runner_id, kind, reported_at, confirmed_at, confirmed_by)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (runner_id, kind) DO UPDATE SET
             confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by""",
        [runner_id, kind, utc_iso(), utc_iso(), coach_id],
    )


def unconfirm_clearance(db: Database, runner_id: int, kind: str) -> None:
    """An undone confirmation: back to reported (if it was), else gone."""
    db.execute(
        "UPDATE clearance_reports SET confirmed_at = NULL, confirmed_by = NULL "
        "WHERE runner_id = ? AND kind = ?",
        [runner_id, kind],
    )
