"""Is the database file usable? Checked before the bot starts (DESIGN.md decision 5).

`check_file` refuses what cannot be a working database: an empty (0-byte) file, which
SQLite would silently treat as a new, empty database (every runner gone), a file that is
not SQLite at all, or one whose schema cannot be read. `quick_check` runs
`PRAGMA quick_check` on an open database: a damaged page there is reported on /healthz.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

HEADER = b"SQLite format 3\x00"
RESTORE = "restore it from a backup (`stridecoach db backup` makes them)"


class UnusableDatabase(Exception):
    """The database file must not be used; the message is one line for the operator."""


def check_file(path: str | Path) -> str | None:
    """Why the database at `path` must not be used (one line), or None if it may be (a
    path that does not exist yet is fine: a new database)."""
    text = str(path)
    if text == ":memory:" or text.startswith("file:"):
        return None
    file = Path(text)
    if not file.exists():
        return None
    if file.is_dir():
        return f"the database {file} is a directory, not a file"
    size = file.stat().st_size
    if size == 0:
        return (f"the database {file} is empty (0 bytes): {RESTORE}, or delete the file to "
                "start with no data")  # fmt: skip
    with file.open("rb") as f:
        header = f.read(len(HEADER))
    if header != HEADER:
        return f"the database {file} is not an SQLite database (damaged or a wrong file): {RESTORE}"
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"the database {file} cannot be read ({exc}): {RESTORE}"
    return None


def quick_check(db: Database, limit: int = 5) -> list[str]:
    """SQLite's quick integrity check: ["ok"], or up to `limit` problems found."""
    try:
        return [row[0] for row in db.execute(f"PRAGMA quick_check({int(limit)})").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [f"quick_check failed: {exc}"]
