"""Form drafts: the question a user is on and the answers so far, one open form per user,
saved at every answer so a form resumes exactly where it stopped after a restart."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json
from sqlite_utils import Database

from storage.db import parse_utc, utc_iso


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    form: str  # e.g. "onboarding", "checkin", "settings"
    question: str | None  # id of the question being asked; None before the first
    answers: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None  # the message that asked it (to edit its buttons)
    updated_at: dt.datetime | None = None


def save_draft(
    db: Database,
    user_id: int,
    form: str,
    question: str | None,
    answers: dict[str, Any],
    message_id: int | None = None,
) -> None:
    """Store the user's open form, replacing any other. Answers are stored as JSON
    (dates and enums become strings): parse them again when the form completes."""
    db.execute(
        """INSERT INTO form_drafts (user_id, form, question, answers, message_id, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET
             form = excluded.form, question = excluded.question, answers = excluded.answers,
             message_id = excluded.message_id, updated_at = excluded.updated_at""",
        [user_id, form, question, to_json(answers).decode(), message_id, utc_iso()],
    )


DRAFT_COLUMNS = "d.form, d.question, d.answers, d.message_id, d.updated_at"


def _draft(user_id: int, form: str | None, question: str | None, answers: str,
           message_id: int | None, updated_at: str | None) -> Draft | None:  # fmt: skip
    """A Draft from the DRAFT_COLUMNS of a row (None when there is no draft)."""
    if form is None:
        return None
    return Draft(user_id, form, question, json.loads(answers), message_id,
                 parse_utc(updated_at))  # fmt: skip


def load_draft(db: Database, user_id: int) -> Draft | None:
    row = db.conn.execute(
        f"SELECT {DRAFT_COLUMNS} FROM form_drafts AS d WHERE d.user_id = ?", [user_id]
    ).fetchone()
    return _draft(user_id, *row) if row else None


FORM_STATE = f"""SELECT r.tz, {DRAFT_COLUMNS}
                 FROM (SELECT ? AS id) AS u
                 LEFT JOIN runners AS r ON r.user_id = u.id
                 LEFT JOIN form_drafts AS d ON d.user_id = u.id"""


def form_state(db: Database, user_id: int) -> tuple[str | None, Draft | None]:
    """The user's time zone (None if not a runner) and open form, in one query: what every
    answer needs first (on the hot path, so one statement on the raw connection)."""
    tz, *draft = db.conn.execute(FORM_STATE, [user_id]).fetchone()
    return tz, _draft(user_id, *draft)


def clear_draft(db: Database, user_id: int) -> bool:
    """Drop the user's open form (done or /cancel); True if there was one."""
    return db.execute("DELETE FROM form_drafts WHERE user_id = ?", [user_id]).rowcount > 0
