"""/export: a runner's data as CSV files they can open in any spreadsheet.

`export_csvs` takes `storage.export_runner(...)` output ({table: rows}) and returns
{file name: UTF-8 bytes}: every check-in, every decision, and the audit log entries about
or by the runner. RFC 4180 quoting (the csv module, CRLF line ends), a header row always.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from protocols import Checkin

CHECKIN_COLUMNS: tuple[str, ...] = tuple(Checkin.model_fields)  # "date" first
BOOL_COLUMNS = frozenset(n for n, f in Checkin.model_fields.items() if f.annotation is bool)
DECISION_COLUMNS = (
    "date", "action", "stage_before", "stage", "session_kind", "session_minutes",
    "session_run_minutes", "rules", "reasons", "escalation", "protocol_version",
)  # fmt: skip
AUDIT_COLUMNS = ("at", "actor_id", "action", "detail")


def cell(value: Any) -> str:
    """One value as CSV text: ISO dates, true/false, whole floats without '.0', '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)  # excel dialect: RFC 4180 quoting, CRLF
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def checkin_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored check-in row with its 0/1 columns back to booleans."""
    out = {c: row.get(c) for c in CHECKIN_COLUMNS}
    for c in BOOL_COLUMNS:
        if out[c] is not None:
            out[c] = bool(out[c])
    return out


def json_value(text: Any, default: Any) -> Any:
    if text is None:
        return default
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return default


def decision_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored decision row flattened: the session and reasons come from its JSON."""
    whole = json_value(row.get("decision"), {})
    session = whole.get("session") or {}
    rules = json_value(row.get("rules"), None) or whole.get("rules") or []
    return {
        "date": row.get("date"),
        "action": row.get("action"),
        "stage_before": row.get("stage_before"),
        "stage": row.get("stage"),
        "session_kind": session.get("kind"),
        "session_minutes": session.get("minutes"),
        "session_run_minutes": session.get("run_minutes"),
        "rules": " ".join(rules),
        "reasons": " | ".join(whole.get("reasons") or []),
        "escalation": row.get("escalation"),
        "protocol_version": row.get("protocol_version"),
    }


def by(key: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: str(r.get(key) or ""))


def export_csvs(rows: dict[str, list[dict]]) -> dict[str, bytes]:
    """checkins.csv, decisions.csv and coach_actions.csv from `storage.export_runner` rows."""
    audit = sorted(
        rows.get("audit_log", []), key=lambda r: (str(r.get("at") or ""), r.get("id") or 0)
    )
    return {
        "checkins.csv": to_csv(
            CHECKIN_COLUMNS, map(checkin_row, by("date", rows.get("checkins", [])))
        ),
        "decisions.csv": to_csv(
            DECISION_COLUMNS, map(decision_row, by("date", rows.get("decisions", [])))
        ),
        "coach_actions.csv": to_csv(AUDIT_COLUMNS, audit),
    }
