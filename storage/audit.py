"""The audit log: who did what to whose plan (clearances, resumes, exports, settings…)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from storage.db import utc_iso


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor_id: int | None
    action: str
    runner_id: int | None
    detail: dict[str, Any] | None


def log_action(
    db: Database,
    action: str,
    *,
    actor_id: int | None = None,
    runner_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append an entry; its id. Never put the bot token or free text from users in `detail`."""
    cur = db.execute(
        "INSERT INTO audit_log (at, actor_id, action, runner_id, detail) VALUES (?, ?, ?, ?, ?)",
        [
            utc_iso(),
            actor_id,
            action,
            runner_id,
            None if detail is None else json.dumps(detail, ensure_ascii=False, default=str),
        ],
    )
    return cur.lastrowid


def audit_entries(db: Database, runner_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest `limit` entries (about `runner_id` if given), newest first."""
    sql = "SELECT * FROM audit_log"
    params: list = []
    if runner_id is not None:
        sql += " WHERE runner_id = ?"
        params.append(runner_id)
    rows = db.query(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
    return [
        AuditEntry(**{**r, "detail": None if r["detail"] is None else json.loads(r["detail"])})
        for r in rows
    ]
