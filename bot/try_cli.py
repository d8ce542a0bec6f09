"""`stridecoach try`: the whole product offline — the sandbox and the real bot in one process,
chatting in the terminal as one or several people, on a clock you can move.

Interactive: data in ./stridecoach-try.db (kept, with its clock, for the next session).
`--script FILE` replays lines typed the same way (including /as and /tomorrow) on a fresh
database and prints the transcript; it stops with exit status 1 at a line that cannot be
done (a button that is not there). Lines starting with "# " are comments, printed as they are.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import tempfile
from pathlib import Path

from bot import try_clock
from bot.try_clock import ClockError, TryClock
from bot.try_screen import FILES_DIR
from bot.try_session import Session

TRY_DB = "./stridecoach-try.db"
EXIT_SCRIPT_FAILED = 1
EXIT_BAD_INPUT = 2


def intro(session: Session, db: str) -> str:
    return (
        "stridecoach try — the real bot, offline, against a local Bot API sandbox.\n"
        f"Clock: {session.stamp()} (it moves only when you say: /tomorrow, /at 07:00, /days 7).\n"
        f"Data: {db}; pictures and files go to ./{FILES_DIR}/.\n"
        f'You are "{session.typing.name}"; /as coach types as someone else. /tryhelp lists '
        "the try commands, /quit leaves.\n"
        "Press a button by typing its label (or its start) or #1, #2 …; anything else is "
        "sent as typed.\n"
        "Type /start to begin."
    )


def _out(text: str) -> None:
    print(text, flush=True)


def _start_moment(db: str, start: str | None) -> dt.datetime:
    """--start, else now; never before where the last session on `db` left the clock (its
    data would be in the future)."""
    wanted = try_clock.parse_moment(start, "UTC") if start else dt.datetime.now(dt.UTC)
    previous = try_clock.saved(db)
    return max(wanted, previous) if previous else wanted


async def interactive(db: str, start: str | None, open_files: bool, fresh: bool) -> int:
    if start:
        try_clock.parse_moment(start, "UTC")  # a bad --start deletes nothing
    if fresh:
        for path in (Path(db), Path(db + "-wal"), Path(db + "-shm"), try_clock.clock_file(db)):
            path.unlink(missing_ok=True)
    new = not Path(db).exists()
    clock = TryClock(_start_moment(db, start))
    terminal = sys.stdin.isatty()  # else (a pipe) each line is echoed, as in a script
    session = Session(db, clock, _out, Path(FILES_DIR), open_files=open_files,
                      echo=not terminal, fresh=new)  # fmt: skip
    await session.open()
    try:
        _out(intro(session, db))
        while not session.finished:
            if terminal:
                print(f"{session.typing.name} [{session.short_stamp()}]> ", end="", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                if terminal:
                    print()
                break
            await session.handle(line)
    finally:
        await session.close()
    return 0


async def replay(script: Path, db: str | None, start: str | None, open_files: bool) -> int:
    try:
        lines = script.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        print(f"{script}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with tempfile.TemporaryDirectory(prefix="stridecoach-try-") as scratch:
        path = db or str(Path(scratch) / "try.db")
        new = not Path(path).exists()
        clock = TryClock(_start_moment(path, start))
        session = Session(path, clock, _out, Path(FILES_DIR), open_files=open_files,
                          echo=True, fresh=new)  # fmt: skip
        await session.open()
        try:
            _out(f"stridecoach try --script {script} — clock {session.stamp()}")
            for number, line in enumerate(lines, 1):
                if session.finished:
                    break
                if line.startswith("# ") or line.strip() == "#":
                    _out(line)
                    continue
                if not await session.handle(line):
                    print(f"{script}:{number}: stopped here: {line.strip()}", file=sys.stderr)
                    return EXIT_SCRIPT_FAILED
        finally:
            await session.close()
    return 0


def main(script: str | None = None, db: str | None = None, start: str | None = None,
         open_files: bool = False, fresh: bool = False) -> int:  # fmt: skip
    # the bot's own warnings (e.g. a failed send) stay visible; PTB's chatter does not
    logging.basicConfig(level=logging.WARNING, format="  [log] %(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram").setLevel(logging.ERROR)
    if hasattr(sys.stdout, "reconfigure"):  # a terminal without UTF-8 still shows the rest
        sys.stdout.reconfigure(errors="replace")
    try:
        if script is not None:
            return asyncio.run(replay(Path(script), db, start, open_files))
        return asyncio.run(interactive(db or TRY_DB, start, open_files, fresh))
    except ClockError as exc:
        print(f"--start: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # the reader stopped (`--script … | head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
