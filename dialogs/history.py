"""/history: the last check-ins as a narrow monospaced table for a phone screen.

`history_table` returns a message ready to send with HTML parse mode: the table inside
<pre>…</pre>, escaped with `html.escape`. Each line stays within 40 characters.
"""

import html
from collections.abc import Sequence

from protocols import Day

ACTION_WORDS = {
    "advance": "up",
    "continue": "ok",
    "repeat": "hold",
    "regress": "back",
    "stop": "STOP",
}
HEADER = ("date", "R", "S", "M", "slp", "prot", "Ca", "plan", "stg")
WIDTHS = (5, 2, 2, 2, 4, 4, 4, 4, 4)
RIGHT = (False, True, True, True, True, True, True, False, False)
KEY = (
    "R/S/M: bone pain at rest, in the last",
    "session, on waking (0-10). slp: sleep h.",
    "prot: protein g. Ca: calcium mg.",
    "plan: ok = as planned, up = moved up,",
    "hold = stayed, back = scaled back,",
    "STOP = warning sign. stg: stage.",
)
NO_HISTORY = "No check-ins yet. Send /checkin — it takes about a minute."
MAX_CHARS = 4000


def number(value: float | None) -> str:
    """8 → '8', 7.5 → '7.5', None → '-'."""
    if value is None:
        return "-"
    return f"{value:g}" if value != int(value) else str(int(value))


def row_cells(day: Day) -> tuple[str, ...]:
    c, d = day.checkin, day.decision
    return (
        f"{c.date:%m-%d}",
        str(c.pain_rest),
        number(c.pain_session),
        str(c.pain_morning),
        number(None if c.sleep_hours is None else round(c.sleep_hours, 1)),
        number(None if c.protein_g is None else round(c.protein_g)),
        number(None if c.calcium_mg is None else round(c.calcium_mg)),
        ACTION_WORDS.get(d.action, d.action),
        d.stage,
    )


def format_row(cells: Sequence[str]) -> str:
    parts = [
        cell.rjust(width) if right else cell.ljust(width)
        for cell, width, right in zip(cells, WIDTHS, RIGHT, strict=True)
    ]
    return " ".join(parts).rstrip()


def history_lines(days: Sequence[Day], limit: int = 14) -> list[str]:
    """The plain table: header, one line per check-in (oldest first), then a key."""
    recent = sorted(days, key=lambda x: x.date)[-limit:] if limit > 0 else []
    lines = [format_row(HEADER)]
    lines += [format_row(row_cells(day)) for day in recent]
    return [*lines, "", *KEY]


def history_table(days: list[Day], limit: int = 14) -> str:
    """The last `limit` check-ins as '<pre>…</pre>' HTML, under 4,000 characters."""
    if not days:
        return html.escape(NO_HISTORY)
    lines = history_lines(days, limit)
    while len(lines) > len(KEY) + 2 and len(html.escape("\n".join(lines))) > MAX_CHARS - 11:
        del lines[1]  # drop the oldest rows first
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"
