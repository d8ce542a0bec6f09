"""One running bot per database: an OS file lock on the database file itself.

`fcntl.flock` on the database file, taken without waiting and held (the descriptor kept
open) for the life of the process. A lock belongs to the file (its device and inode), not to
a name, so a symlink, a hard link, a bind mount or a relative path to the same database
meets the same lock. The kernel drops it when the process ends, however it ends (SIGKILL and
power loss included), so a stale lock never blocks a restart and there is nothing to clean up.

flock is independent of the POSIX byte-range locks SQLite takes on the same file (Linux keeps
the two apart), so it never blocks or is blocked by SQLite. Closing a descriptor would drop
the process's POSIX locks on the file, SQLite's included: the lock's descriptor is therefore
never closed while the database is open (`release` is for tests that have closed theirs).
The holder's pid, for the error message, comes from /proc/locks (keyed by device and inode
too). flock needs a local file system, which SQLite in WAL mode needs anyway.

A database that does not exist yet is created here (mode 0600) and initialised as an empty
SQLite database in WAL mode, so there is a file to lock before the bot opens it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path

_held: dict[tuple[int, int], int] = {}  # (device, inode) -> open descriptor, for the lifetime


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock."""


def in_memory(db: str) -> bool:
    return not db or db == ":memory:" or db.startswith("file::memory:")


def acquire(db: str) -> Path | None:
    """Take the lock of database `db` for the rest of this process's life; the database's
    resolved path (None for an in-memory database). Raises AlreadyRunning if another process
    has it, and OSError if the file cannot be created or opened (e.g. no such directory)."""
    if in_memory(db):
        return None
    path = Path(db)
    _create(path)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        if key in _held:  # this process holds it already (through another name, perhaps)
            os.close(fd)
            return path.resolve()
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(_message(db, path, holder(*key))) from None
    except BaseException:
        os.close(fd)
        raise
    _held[key] = fd
    return path.resolve()


def release(db: str) -> None:
    """Give the lock back (tests; a running bot keeps it until it exits). Only once nothing
    in this process has the database open: see the module's docstring."""
    if in_memory(db):
        return
    try:
        info = os.stat(db)
    except OSError:
        return
    fd = _held.pop((info.st_dev, info.st_ino), None)
    if fd is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _create(path: Path) -> None:
    """A new, empty SQLite database at `path`, private to the bot's user (0600)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")  # writes the header: no longer a 0-byte file
    finally:
        conn.close()


def holder(device: int, inode: int) -> int | None:
    """The pid holding a flock on the file (device, inode), from /proc/locks (Linux)."""
    wanted = f"{os.major(device):02x}:{os.minor(device):02x}:{inode}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF" (a blocked waiter has "->")
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[2] != "->":
            pid, where = fields[4], fields[5]
            if _same_file(where, wanted) and pid.isdigit() and int(pid) != os.getpid():
                return int(pid)
    return None


def _same_file(where: str, wanted: str) -> bool:
    try:
        major, minor, inode = where.split(":")
        w_major, w_minor, w_inode = wanted.split(":")
        return (int(major, 16), int(minor, 16), int(inode)) == (
            int(w_major, 16), int(w_minor, 16), int(w_inode))  # fmt: skip
    except ValueError:
        return False


def _message(db: str, path: Path, pid: int | None) -> str:
    who = f"process {pid}" if pid else "another process"
    resolved = path.resolve()
    same = "" if str(resolved) == db else f" (the file {resolved})"
    return (
        f"stridecoach is already running on the database {db}{same}: {who} holds its lock.\n"
        "Only one bot may run per database and token: two instances would both ask Telegram "
        'for updates, Telegram answers the second one with 409 Conflict ("terminated by other '
        'getUpdates request"), and runners get duplicate replies and reminders.\n'
        "Stop the other instance first (e.g. `systemctl stop stridecoach` or "
        "`docker compose down`), then start this one again."
    )
