"""Running a Sandbox on its own event loop in a background thread, so a synchronous script or
a benchmark can run a bot in its main loop and the fake Telegram beside it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.sandbox.sandbox import Sandbox

T = TypeVar("T")


class SandboxThread:
    """``with SandboxThread(port=0) as sb: ...`` — ``sb`` is the running Sandbox; call its
    coroutines through ``call`` (they must run on the sandbox's own loop)."""

    def __init__(self, **sandbox_options: Any):
        self.options = sandbox_options
        self.sandbox: Sandbox | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._error:
            raise self._error
        assert self.sandbox is not None
        return self.sandbox

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.sandbox = await Sandbox(**self.options).start()
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await self.sandbox.stop()

    def call(self, action: Callable[[Sandbox], Awaitable[T]], timeout: float | None = None) -> T:
        """Run ``action(sandbox)`` on the sandbox loop and return its result (blocking)."""
        assert self.loop is not None and self.sandbox is not None, "not started"
        future = asyncio.run_coroutine_threadsafe(self._await(action), self.loop)
        return future.result(timeout)

    async def _await(self, action: Callable[[Sandbox], Awaitable[T]]) -> T:
        assert self.sandbox is not None
        return await action(self.sandbox)

    def stop(self) -> None:
        if self.loop and self._stop and self._thread and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
