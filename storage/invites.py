"""A runner's invite for their clinician (no coach yet): a random single-purpose code that
signs the clinician up as their coach when opened."""

from __future__ import annotations

import secrets

from sqlite_utils import Database

from storage.db import utc_iso


def runner_invite(db: Database, runner_id: int) -> str:
    """The runner's open invite code (made once, ≥ 96 bits)."""
    row = db.execute("SELECT code FROM runner_invites WHERE runner_id = ?", [runner_id]).fetchone()
    if row:
        return row[0]
    code = secrets.token_urlsafe(12)
    db.execute("INSERT INTO runner_invites (code, runner_id, created_at) VALUES (?, ?, ?)",
               [code, runner_id, utc_iso()])  # fmt: skip
    return code


def invite_runner(db: Database, code: str) -> int | None:
    """The runner who made `code`, or None."""
    row = db.execute("SELECT runner_id FROM runner_invites WHERE code = ?", [code]).fetchone()
    return row[0] if row else None


def drop_invite(db: Database, code: str) -> None:
    """An invite is single-purpose: gone once used."""
    db.execute("DELETE FROM runner_invites WHERE code = ?", [code])
