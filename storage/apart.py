"""A worker process with its own connection to the database, for work too long to run on
the event loop in one piece: a check-in's end (history read, decision, saving it, the
milestone forecast, the reply's text) takes ~10 ms of CPU with no pause, and every other
runner's answer waits behind it there. In another process it runs beside the loop.

`Apart(path).run(fn, *args)` sends `fn` (a module-level function, pickled by name) and its
arguments down a pipe; the worker runs `fn(db, *args)` and sends back the result (or the
error). The parent has no thread for it: the pipe's end is read by the event loop itself
(`add_reader`), so a result costs the loop no GIL hand-off. The worker is forked from
multiprocessing's fork server (fast after the first, with `preload` imported once there)
and dies with the bot; if it dies during a call, the call raises `WorkerLost` and the next
call starts a new worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import sqlite3
import traceback
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

IN_FLIGHT = 8  # calls sent and not yet answered, at most: a pipe holds 64 KiB, a check-in's ~600 bytes
PR_SET_PDEATHSIG = 1


class WorkerLost(RuntimeError):
    """The worker process ended with this call sent: it may or may not have run (in part: a
    transaction of its own either committed or did not)."""


class Apart:
    """One worker process, started at the first call (or `start()`), run from one event loop."""

    def __init__(self, path: str, opener: Callable[[str], Any], preload: Iterable[str] = ()) -> None:
        """`opener(path)`: the worker's connection (storage.db.open_db; a module-level function)."""
        self._path = path
        self._opener = opener
        self._preload = list(preload)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._ids = itertools.count()
        self._slots: asyncio.Semaphore | None = None
        self.started = 0  # workers started (more than one: one died)

    def start(self) -> None:
        """Start the worker now (so the first runner's check-in does not wait for it)."""
        loop = asyncio.get_running_loop()
        if self._process is not None and self._loop is loop:
            return
        self._stop_worker(WorkerLost("the event loop changed"))
        ctx = multiprocessing.get_context("forkserver")
        if self._preload:
            ctx.set_forkserver_preload(self._preload)
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(child, self._opener, self._path), name="stridecoach-apart",
                              daemon=True)  # fmt: skip
        process.start()
        child.close()
        self._process, self._conn, self._loop = process, parent, loop
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        loop.add_reader(parent.fileno(), self._read)
        self.started += 1

    async def run(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, bool]:
        """`fn(db, *args)` in the worker: its result and whether it changed the database.
        A SQLite error is raised as the same class, with its `sqlite_errorname`."""
        self.start()
        assert self._slots is not None
        async with self._slots:
            if self._conn is None:  # the worker died while this call waited for a slot
                self.start()
            call_id = next(self._ids)
            future = asyncio.get_running_loop().create_future()
            self._pending[call_id] = future
            try:
                self._conn.send((call_id, fn, args))
            except (OSError, ValueError) as exc:  # the worker is gone (broken pipe)
                self._pending.pop(call_id, None)
                self._stop_worker(WorkerLost(f"the worker process is gone: {exc}"))
                raise WorkerLost("the worker process is gone") from exc
            kind, payload = await future
        if kind == "ok":
            return payload
        if kind == "sqlite":
            name, errorname, message = payload
            cls = getattr(sqlite3, name, sqlite3.Error)
            exc = cls(message)
            exc.sqlite_errorname = errorname
            raise exc
        raise payload

    def _read(self) -> None:
        """The loop's reader: one answer from the worker, or its end."""
        try:
            call_id, kind, blob = self._conn.recv()
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            log.error("the worker process ended (exit code %s); a new one starts with the next call",
                      code)  # fmt: skip
            self._stop_worker(WorkerLost(f"the worker process ended (exit code {code})"))
            return
        future = self._pending.pop(call_id, None)
        if future is None or future.done():
            return
        try:  # the call's answer is pickled apart, so one that cannot be read fails only it
            future.set_result((kind, pickle.loads(blob)))
        except Exception as exc:  # noqa: BLE001 - raised where the call is awaited
            future.set_exception(RuntimeError(f"the worker's answer could not be read: {exc!r}"))

    def _stop_worker(self, why: WorkerLost) -> None:
        if self._conn is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._conn.fileno())
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(timeout=5)
        self._process = self._conn = None
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(why)

    def close(self) -> None:
        """End the worker (calls still in it fail with WorkerLost). Safe to call twice."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)  # finish what it runs, then exit
            if self._process is not None:
                self._process.join(timeout=5)
        self._stop_worker(WorkerLost("closed"))


def _die_with_parent() -> None:
    """The worker must not outlive the bot (a second instance may start at once): Linux
    sends it SIGTERM when its parent, the fork server, ends, which it does with the bot."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _yield_to_the_loop() -> None:
    """SCHED_BATCH (Linux): the worker keeps its fair share of the CPU but, woken by a call,
    does not preempt the process that sent it. Otherwise the kernel may run it at once on
    the loop's core, and every other runner's answer waits its whole ~10 ms."""
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _pickled(kind: str, payload: Any) -> tuple[str, bytes]:
    """`payload` pickled so that the parent can read it back. A result that cannot be pickled,
    or an exception that cannot be rebuilt from its pickle (some take arguments their pickle
    does not keep), goes as an "error": a RuntimeError with its text."""
    try:
        blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        if isinstance(payload, BaseException):
            pickle.loads(blob)
        return kind, blob
    except Exception as exc:  # noqa: BLE001
        what = "".join(traceback.format_exception(payload)) if isinstance(payload, BaseException) else repr(exc)
        return "error", pickle.dumps(RuntimeError(f"in the worker process, not sendable as it is: {what}"))


def _serve(conn, opener: Callable[[str], Any], path: str) -> None:
    """The worker: run each call on its own connection until told to stop or the pipe ends."""
    _die_with_parent()
    _yield_to_the_loop()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the bot, which ends this
    db = opener(path)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        call_id, fn, args = message
        before = db.conn.total_changes
        try:
            answer: tuple = ("ok", (fn(db, *args), db.conn.total_changes != before))
        except sqlite3.Error as exc:
            answer = ("sqlite", (type(exc).__name__, getattr(exc, "sqlite_errorname", None), str(exc)))
        except Exception as exc:  # noqa: BLE001 - the parent raises it where it awaits the call
            exc.add_note("in the worker process:\n" + traceback.format_exc(limit=20))
            answer = ("error", exc)
        conn.send((call_id, *_pickled(*answer)))
    db.close()
