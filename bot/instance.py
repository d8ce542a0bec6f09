"""One running bot per database: an OS file lock on `<db>.lock`.

`fcntl.flock` on a file next to the database, taken without waiting and held (the file
kept open) for the life of the process. The kernel drops the lock when the process ends,
however it ends (SIGKILL and power loss included), so a stale lock never blocks a restart
and there is no pid file to clean up. The lock file itself stays; it holds the pid of the
last holder, for the error message only. (Deleting it on exit would race with a starting
instance, which could then lock a file that no longer has a name.)

flock needs a local file system, which SQLite in WAL mode needs anyway.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

_held: dict[str, int] = {}  # lock path -> open descriptor, kept for the process lifetime


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock."""


def lock_path(db: str) -> Path:
    return Path(f"{db}.lock")


def acquire(db: str) -> Path | None:
    """Take the lock of database `db` for the rest of this process's life; the lock file's
    path (None for an in-memory database). Raises AlreadyRunning if another process has it,
    and OSError if the lock file cannot be created (e.g. the directory does not exist)."""
    if not db or db == ":memory:" or db.startswith("file::memory:"):
        return None
    path = lock_path(db)
    key = str(path.resolve())
    if key in _held:
        return path
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise AlreadyRunning(_message(db, path, holder)) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held[key] = fd
    return path


def release(db: str) -> None:
    """Give the lock back (tests; a running bot keeps it until it exits)."""
    if not db or db == ":memory:":
        return
    fd = _held.pop(str(lock_path(db).resolve()), None)
    if fd is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _message(db: str, path: Path, pid: int | None) -> str:
    who = f"process {pid}" if pid else "another process"
    return (
        f"stridecoach is already running on the database {db} ({who} holds {path}).\n"
        "Only one bot may run per database and token: two instances would both ask Telegram "
        'for updates, Telegram answers the second one with 409 Conflict ("terminated by other '
        'getUpdates request"), and runners get duplicate replies and reminders.\n'
        "Stop the other instance first (e.g. `systemctl stop stridecoach` or "
        "`docker compose down`), then start this one again."
    )
