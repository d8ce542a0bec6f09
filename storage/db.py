"""Opening the SQLite database, UTC timestamps, and `Store`: serialised async access.

`open_db()` returns a `sqlite_utils.Database` on a connection we open ourselves, so the
connection may be used from a worker thread, with the pragmas of DESIGN.md decision 5.

`Store` owns one such connection and one worker thread. Every call goes through
`await store.run(fn, *args)`, which runs `fn(db, *args)` on that thread: calls are
serialised (one at a time, in submission order) and the event loop never blocks on SQLite.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000


def open_db(path: str | Path) -> Database:
    """Open (or create) the database at `path` (or ":memory:") with WAL and our pragmas."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.enable_wal()  # must run outside a transaction; ":memory:" stays in "memory" mode
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")  # per connection, and a no-op inside a transaction
    return db


def utc_iso(moment: dt.datetime | None = None) -> str:
    """`moment` (default: now) as a UTC ISO string with microseconds, e.g.
    "2026-03-04T07:00:00.000000+00:00". One fixed width, so strings sort like times."""
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    elif moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or a zone)")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_utc(text: str | None) -> dt.datetime | None:
    """The inverse of `utc_iso` (None stays None)."""
    return None if text is None else dt.datetime.fromisoformat(text)


class Store:
    """One database connection used from one dedicated thread, awaited from asyncio.

    >>> store = Store("bot.db")
    >>> await store.run(migrate)
    >>> row = await store.run(get_runner, user_id)
    """

    def __init__(self, path: str | Path) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stridecoach-db")
        # Opened on the worker thread too, so the connection only ever sees that thread.
        self.db: Database = self._executor.submit(open_db, path).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` on the database thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(fn, self.db, *args, **kwargs)
        )

    def close(self) -> None:
        """Finish queued calls, close the connection, stop the thread. Safe to call twice."""
        try:
            self._executor.submit(self.db.close).result()
        except RuntimeError:  # already shut down
            return
        self._executor.shutdown(wait=True)
