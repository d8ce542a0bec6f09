"""Coaches and clinicians, their invite codes, and which runners each may see.

Invite codes are random (96 bits), single-purpose (they only link a runner to this
coach) and revocable (`rotate_invite_code` replaces the old one).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlite_utils import Database

from storage.db import utc_iso
from storage.privacy import COACH_MENTIONS  # one list of where a coach's id appears
from storage.runners import RunnerRow, check_tz, runner_from_row


@dataclass(frozen=True, slots=True)
class CoachRow:
    user_id: int
    chat_id: int
    first_name: str | None
    tz: str
    invite_code: str | None
    created_at: str
    next_ref: int = 1


def new_invite_code() -> str:
    """A fresh random code: 16 URL-safe characters, 96 bits."""
    return secrets.token_urlsafe(12)


def upsert_coach(
    db: Database, user_id: int, chat_id: int, first_name: str | None = None, tz: str = "UTC"
) -> CoachRow:
    """Sign a coach up (with a new invite code), or refresh chat_id and first_name."""
    check_tz(tz)
    db.execute(
        """INSERT INTO coaches (user_id, chat_id, first_name, tz, invite_code, created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET
             chat_id = excluded.chat_id, first_name = excluded.first_name""",
        [user_id, chat_id, first_name, tz, new_invite_code(), utc_iso()],
    )
    coach = get_coach(db, user_id)
    assert coach is not None
    return coach


def get_coach(db: Database, user_id: int) -> CoachRow | None:
    rows = list(db.query("SELECT * FROM coaches WHERE user_id = ?", [user_id]))
    return CoachRow(**rows[0]) if rows else None


def set_coach_tz(db: Database, coach_id: int, tz: str) -> None:
    """The coach's own zone, for the Monday digest."""
    check_tz(tz)
    cur = db.execute("UPDATE coaches SET tz = ? WHERE user_id = ?", [tz, coach_id])
    if cur.rowcount != 1:
        raise LookupError(f"no coach {coach_id}")


def coach_by_invite(db: Database, code: str) -> CoachRow | None:
    rows = list(db.query("SELECT * FROM coaches WHERE invite_code = ?", [code]))
    return CoachRow(**rows[0]) if rows else None


def rotate_invite_code(db: Database, coach_id: int) -> str:
    """Revoke the coach's invite code and return a new one."""
    code = new_invite_code()
    cur = db.execute("UPDATE coaches SET invite_code = ? WHERE user_id = ?", [code, coach_id])
    if cur.rowcount != 1:
        raise LookupError(f"no coach {coach_id}")
    return code


def link_coach(db: Database, coach_id: int, runner_id: int) -> bool:
    """Let the coach see the runner; False if they were linked already. The link gets the
    coach's next athlete number (never reused: a runner leaving shifts nobody)."""
    with db.atomic():
        cur = db.execute(
            """INSERT INTO coach_links (coach_id, runner_id, created_at, ref)
               SELECT ?, ?, ?, next_ref FROM coaches WHERE user_id = ?
               ON CONFLICT (coach_id, runner_id) DO NOTHING""",
            [coach_id, runner_id, utc_iso(), coach_id],
        )
        if cur.rowcount != 1:
            return False
        db.execute("UPDATE coaches SET next_ref = next_ref + 1 WHERE user_id = ?", [coach_id])
    return True


def unlink_coach(db: Database, coach_id: int, runner_id: int) -> bool:
    cur = db.execute(
        "DELETE FROM coach_links WHERE coach_id = ? AND runner_id = ?", [coach_id, runner_id]
    )
    return cur.rowcount == 1


def is_linked(db: Database, coach_id: int, runner_id: int) -> bool:
    """The privacy check: may this coach see this runner?"""
    row = db.execute(
        "SELECT 1 FROM coach_links WHERE coach_id = ? AND runner_id = ?", [coach_id, runner_id]
    ).fetchone()
    return row is not None


def athletes_of(db: Database, coach_id: int) -> list[RunnerRow]:
    """The coach's runners in the order they linked."""
    return [runner for _, runner in squad(db, coach_id)]


def squad(db: Database, coach_id: int) -> list[tuple[int, RunnerRow]]:
    """The coach's runners with their stable athlete numbers, in the order they linked."""
    rows = db.query(
        """SELECT l.ref AS _ref, r.* FROM coach_links l JOIN runners r ON r.user_id = l.runner_id
           WHERE l.coach_id = ? ORDER BY l.ref, r.user_id""",
        [coach_id],
    )
    return [(r.pop("_ref"), runner_from_row(r)) for r in rows]


def athlete_ref(db: Database, coach_id: int, runner_id: int) -> int | None:
    """The athlete's number for this coach, or None when they are not linked."""
    row = db.execute(
        "SELECT ref FROM coach_links WHERE coach_id = ? AND runner_id = ?", [coach_id, runner_id]
    ).fetchone()
    return None if row is None else row[0]


def athlete_by_ref(db: Database, coach_id: int, ref: int) -> RunnerRow | None:
    """The linked athlete with this number, or None (never someone else's number)."""
    rows = list(db.query(
        """SELECT r.* FROM coach_links l JOIN runners r ON r.user_id = l.runner_id
           WHERE l.coach_id = ? AND l.ref = ?""",
        [coach_id, ref],
    ))  # fmt: skip
    return runner_from_row(rows[0]) if rows else None


def coaches_of(db: Database, runner_id: int) -> list[CoachRow]:
    """Who gets the runner's alerts."""
    rows = db.query(
        """SELECT c.* FROM coach_links l JOIN coaches c ON c.user_id = l.coach_id
           WHERE l.runner_id = ? ORDER BY l.created_at, c.user_id""",
        [runner_id],
    )
    return [CoachRow(**r) for r in rows]


def list_coaches(db: Database) -> list[CoachRow]:
    """Every coach (weekly digests)."""
    return [CoachRow(**r) for r in db.query("SELECT * FROM coaches ORDER BY user_id")]


# Outbox kinds that exist only because someone is a coach: a coach's /delete drops the
# pending ones (their own runner reminders, if they are a runner too, stay).
COACH_KINDS = ("alert", "review", "digest", "link", "runner_left", "coach_notice")


def delete_coach(db: Database, coach_id: int) -> int:
    """Remove the coach: invite code, links, their action log and their pending coach
    messages (every row to their chat unless they are a runner too, whose own reminders
    stay). Their id is cleared from their athletes' alerts and events, which stay the
    runners' history. The number of rows deleted."""
    coach = get_coach(db, coach_id)
    if coach is None:
        return 0
    deleted = 0
    params = {"id": coach_id}
    with db.atomic():
        is_runner = db.execute("SELECT 1 FROM runners WHERE user_id = ?", [coach_id]).fetchone()
        marks = ", ".join("?" for _ in COACH_KINDS)
        if is_runner:
            deleted += db.execute(
                f"DELETE FROM outbox WHERE chat_id = ? AND status IN ('pending', 'sending') "
                f"AND kind IN ({marks})",
                [coach.chat_id, *COACH_KINDS],
            ).rowcount
        else:
            deleted += db.execute("DELETE FROM outbox WHERE chat_id = ?", [coach.chat_id]).rowcount
        for table, column in COACH_MENTIONS:
            db.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = :id AND runner_id != :id", params)
        for sql in ("DELETE FROM coach_actions WHERE coach_id = :id",
                    "DELETE FROM coach_links WHERE coach_id = :id",
                    "DELETE FROM coaches WHERE user_id = :id"):  # fmt: skip
            deleted += db.execute(sql, params).rowcount
    return deleted
