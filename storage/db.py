"""Opening the SQLite database, UTC timestamps, and `Store`: serialised async access.

`open_db()` returns a `sqlite_utils.Database` on a connection we open ourselves, so the
connection may be used from a worker thread, with the pragmas of docs/DESIGN.md decision 5.

`Store` owns one such connection and one worker thread. Every call goes through
`await store.run(fn, *args)`, which runs `fn(db, *args)` on that thread: calls are
serialised (one at a time, in submission order) and the event loop never blocks on SQLite.

The exceptions are `await store.read(fn, *args)` for the point reads every update starts
with and `await store.write(fn, *args)` for the one-row write of each answer: they run `fn`
at once on the event loop, on connections of their own that never wait for a lock (busy
timeout 0) and never checkpoint, and hand the call to the thread whenever SQLite says busy.
See `Store.read` for why.

`await store.apart(fn, *args)` runs `fn` in a worker process on a connection of its own
(storage/apart.py), for the one piece of work too long for the loop: a check-in's end.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from storage.apart import Apart
from storage.integrity import UnusableDatabase, check_file

T = TypeVar("T")
log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 1000  # loop writes between the thread's passive checkpoints (≈ 1000 pages)


def no_file(path: str | Path) -> bool:
    """":memory:" or a "file:" URI: no file of ours, and a second connection sees another
    database (so neither the loop's connections nor a worker process can share it)."""
    return str(path) == ":memory:" or str(path).startswith("file:")


def create_private(path: str | Path) -> None:
    """Create `path` empty with mode 0600 unless it exists: a database holds health data, so
    only the bot's user may read it (SQLite gives its -wal and -shm files the same mode)."""
    if no_file(path):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


class WriterDatabase(Database):
    """A Database whose outermost `atomic()` takes the write lock at BEGIN (IMMEDIATE).

    With sqlite-utils' plain (deferred) BEGIN, a transaction that reads before it writes
    holds a WAL snapshot; if another connection (the loop's) commits meanwhile, the first
    write fails at once with SQLITE_BUSY_SNAPSHOT ("database is locked"), never waiting for
    the busy timeout. BEGIN IMMEDIATE waits its turn instead.
    """

    @contextlib.contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def open_db(path: str | Path) -> Database:
    """Open (or create, mode 0600) the database at `path` (or ":memory:") with WAL and our
    pragmas."""
    create_private(path)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    db = WriterDatabase(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.enable_wal()  # must run outside a transaction; ":memory:" stays in "memory" mode
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")  # per connection, and a no-op inside a transaction
    # Deleted rows are overwritten with zeros, not left in free space where a copy of the
    # file would still show them (/delete; SQLite's default depends on how it was built).
    db.execute("PRAGMA secure_delete = ON")
    return db


def point_read(fn: Callable[..., T]) -> Callable[..., T]:
    """Mark `fn(db, ...)` as a read of a few rows by key: `Store.run` then runs it like
    `Store.read`, on the event loop, instead of handing it to the database thread."""
    fn.point_read = True  # type: ignore[attr-defined]
    return fn


# SQLite errors that mean the storage itself is failing (full disk, I/O, a damaged file),
# as opposed to a busy lock or a constraint: they make /healthz unhealthy.
STORAGE_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB",
                  "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_NOMEM")  # fmt: skip
FAILING_FOR_S = 60.0  # a storage error keeps the store "failing" at least this long


class StorageHealth:
    """The last storage error and the last successful write, on the monotonic clock."""

    def __init__(self) -> None:
        self.failed_at: float | None = None
        self.error: str | None = None
        self.failures = 0
        self.wrote_at: float | None = None

    def note_error(self, exc: BaseException) -> None:
        name = getattr(exc, "sqlite_errorname", None) or ""
        text = str(exc).lower()
        if name.startswith(STORAGE_ERRORS) or "disk is full" in text or "malformed" in text:
            self.failed_at = time.monotonic()
            self.error = f"{name or type(exc).__name__}: {exc}"[:200]
            self.failures += 1

    def note_write(self) -> None:
        self.wrote_at = time.monotonic()

    def problem(self, now: float | None = None) -> str | None:
        """Why the store is failing: a storage error within FAILING_FOR_S, or one that no
        successful write has followed yet; None when fine."""
        if self.failed_at is None:
            return None
        now = time.monotonic() if now is None else now
        recovered = self.wrote_at is not None and self.wrote_at > self.failed_at
        if recovered and now - self.failed_at > FAILING_FOR_S:
            return None
        return f"database write failed {now - self.failed_at:.0f} s ago ({self.error})"


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

    def __init__(self, path: str | Path, worker: Iterable[str] | None = None) -> None:
        """Raises UnusableDatabase for an empty or damaged file (see storage/integrity.py).
        `worker`: give `apart` a worker process, with these modules imported in advance
        (a file database only; without one, `apart` runs as `write`)."""
        problem = check_file(path)
        if problem is not None:
            raise UnusableDatabase(problem)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stridecoach-db")
        # Opened on the worker thread too, so the connection only ever sees that thread.
        self.db: Database = self._executor.submit(open_db, path).result()
        self._path = str(path)
        self._loop_dbs: dict[str, Database] = {}  # "read" / "write" connections of the loop
        self.on_loop: Counter[str] = Counter()  # calls the loop did not hand to the thread
        self.checkpoints = 0
        self.health = StorageHealth()  # for /healthz: is writing failing?
        self._apart = Apart(self._path, open_db, worker) if worker is not None and not no_file(path) else None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` on the database thread and return its result; a
        `point_read` function as `read` does (on the loop, the thread if SQLite is busy).

        The thread buys no parallelism for a point read: its Python work holds the GIL as the
        loop's would, and the query itself takes microseconds. What it costs is the hand-off:
        the thread must be woken, take the GIL (forcing the loop off it and waiting until the
        OS has scheduled the thread), and wake the loop with the result. On a machine whose
        other core is busy each of those waits is a scheduling delay, and the loop — every
        runner's update — stands still through it (benchmarks/checkin_load.py, paced_busy).
        """
        if not kwargs and getattr(fn, "point_read", False):
            return await self.read(fn, *args)
        return await self._on_thread(fn, *args, **kwargs)

    async def _on_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(self._watched, fn, self.db, *args, **kwargs)
        )

    def _watched(self, fn: Callable[..., T], db: Database, *args: Any, **kwargs: Any) -> T:
        """`fn(db, …)`, noting storage errors and successful writes in `health`."""
        before = db.conn.total_changes
        try:
            result = fn(db, *args, **kwargs)
        except sqlite3.Error as exc:
            self.health.note_error(exc)
            raise
        if db.conn.total_changes != before:
            self.health.note_write()
        return result

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run the read-only `fn(db, *args)` at once on the event loop; on the thread if
        SQLite is busy (or the database is in memory, which a second connection cannot see).

        A deliberate exception to "never block the loop on SQLite" (docs/DESIGN.md decision 5), for
        a point read by primary key (tens of microseconds): under load each `run` waits for the
        GIL twice — the database thread to start, the loop to resume — and that hop, not the
        query, was most of an answer's time (benchmarks/checkin_load.py). It cannot stall the
        loop on a lock: the connection has a busy timeout of 0, and `query_only` makes any
        write fail instead of taking a lock. Committed writes are visible at once (WAL);
        `run`'s and `write`'s writes are committed on return.
        """
        return await self._on_loop("read", fn, args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run the short write `fn(db, *args)` at once on the event loop, like `read`; on the
        thread if another write holds the lock. `fn` must be one statement (or one transaction
        of its own, `db.atomic()`, with only reads before it): a busy statement or transaction
        is rolled back whole and run again on the thread, so nothing is half-written or
        repeated.

        The connection never checkpoints (`wal_autocheckpoint` 0: that is disk work, and
        fsyncs): the thread's connection still does when it commits, and the thread runs a
        passive checkpoint every CHECKPOINT_EVERY loop writes, so the WAL stays bounded.
        """
        result = await self._on_loop("write", fn, args)
        if self.on_loop["write"] % CHECKPOINT_EVERY == 0 and self.on_loop["write"]:
            self._executor.submit(self._checkpoint)
        return result

    async def apart(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(db, *args)` in the worker process, on a connection of its own, while the loop
        goes on with other updates: for work that would hold the loop for milliseconds in one
        piece (a check-in's end). `fn` is a module-level function; it, its arguments and its
        result must pickle. Without a worker it runs as `write` (the same rules apply: only
        reads before its one transaction). Raises WorkerLost if the worker died with the
        call in it, which may then have committed or not: the caller finds out which.
        """
        if self._apart is None:
            return await self.write(fn, *args)
        try:
            result, wrote = await self._apart.run(fn, *args)
        except sqlite3.Error as exc:
            self.health.note_error(exc)
            raise
        if wrote:
            self.health.note_write()
        return result

    def start_worker(self) -> None:
        """Start `apart`'s worker process now, not at the first call (inside the event loop)."""
        if self._apart is not None:
            self._apart.start()

    async def _on_loop(self, kind: str, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if no_file(self._path):
            return await self._on_thread(fn, *args)  # a second connection sees another database
        try:
            db = self._loop_dbs.get(kind) or self._open_on_loop(kind)
            result = self._watched(fn, db, *args)
        except sqlite3.OperationalError as exc:
            if not (exc.sqlite_errorname or "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise  # e.g. a write attempted in `read`: a bug, not a reason to retry
            return await self._on_thread(fn, *args)  # the thread waits its turn instead
        self.on_loop[kind] += 1
        return result

    def _open_on_loop(self, kind: str) -> Database:
        # autocommit (isolation_level None): a statement is its own transaction, no BEGIN/COMMIT
        conn = sqlite3.connect(self._path, check_same_thread=False, timeout=0, isolation_level=None)
        try:
            if kind == "read":
                conn.execute("PRAGMA query_only = ON")
            else:
                conn.execute("PRAGMA wal_autocheckpoint = 0")
                conn.execute("PRAGMA synchronous = NORMAL")  # per connection: no fsync per commit
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA secure_delete = ON")
        except sqlite3.Error:  # busy already: try again next time
            conn.close()
            raise
        # BEGIN IMMEDIATE (WriterDatabase): a transaction run here finds the lock taken at its
        # first statement, before any work, and goes to the thread whole
        self._loop_dbs[kind] = WriterDatabase(conn) if kind == "write" else Database(conn)
        return self._loop_dbs[kind]

    def _checkpoint(self) -> None:
        try:
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error:  # the thread's next commit checkpoints anyway
            log.warning("passive checkpoint failed", exc_info=True)

    def close(self) -> None:
        """Finish queued calls, close the connection, stop the thread and the worker process.
        Safe to call twice."""
        if self._apart is not None:
            self._apart.close()
        for db in self._loop_dbs.values():
            db.close()
        self._loop_dbs.clear()
        try:
            self._executor.submit(self.db.close).result()
        except RuntimeError:  # already shut down
            return
        self._executor.shutdown(wait=True)
