"""Online backups: a consistent copy of the live database, taken while the bot writes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.db import create_private


def backup(db: Database, path: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the database to `path` with SQLite's backup API; the path written.

    The copy is one read snapshot (WAL lets writers go on meanwhile), written to a
    temporary file, checked, switched to a plain rollback journal so it is one
    self-contained file, then renamed into place: `path` never holds a partial copy.
    Refuses to replace an existing file unless `overwrite`. Run it where the connection
    is used (with a Store: `await store.run(backup, path)`).
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists: pass overwrite=True to replace it")
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    create_private(tmp)  # a copy of everyone's health data: the bot's user only
    dest = sqlite3.connect(tmp)
    try:
        db.conn.backup(dest)  # pages=-1: everything in one step, one snapshot
        dest.execute("PRAGMA journal_mode = DELETE")
        check = dest.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"backup failed its check: {check}")
    except BaseException:
        dest.close()
        tmp.unlink(missing_ok=True)
        raise
    dest.close()
    os.replace(tmp, target)
    return target
