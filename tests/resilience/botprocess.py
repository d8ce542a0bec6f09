"""The real bot as a subprocess for the resilience workload: started, killed hard (SIGKILL) and
started again on the same database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from bot.sandbox import Sandbox
from tests.resilience.cast import ROOT, TOKEN


class BotProcess:
    """`python -m bot.cli run` against the sandbox; started, killed hard and started again."""

    def __init__(self, sandbox: Sandbox, db: str, log_path: Path, outbox_rate: float):
        self.sandbox = sandbox
        self.env = dict(os.environ, STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
                        STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, STRIDECOACH_TICK_SECONDS="1",
                        STRIDECOACH_OUTBOX_RATE=str(outbox_rate), STRIDECOACH_LOG_LEVEL="WARNING",
                        STRIDECOACH_LOG_FORMAT="text")  # fmt: skip
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = self.ready = self.kills = 0
        self._registered = 0

    def _commands_set(self) -> int:
        return self.sandbox.log.by_method["setMyCommands"]  # the bot's last start-up step

    async def spawn(self) -> None:
        self._registered = self._commands_set()
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1} at {time.time():.3f}\n".encode())
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=self.env, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self.starts += 1

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self._commands_set() <= self._registered:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start (exit {self.proc.returncode}):\n"
                                     + self.log_tail())  # fmt: skip
            await asyncio.sleep(0.05)
        self.ready += 1

    async def start(self) -> None:
        await self.spawn()
        await self.wait_ready()

    async def kill(self, *, count: bool = True) -> None:
        """SIGKILL: no shutdown code runs at all."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += count
        if self.proc is not None:
            await self.proc.wait()

    async def taking_updates(self, timeout: float) -> bool:
        """Wait until the bot confirms updates it fetched (its next getUpdates drops them from
        the queue): it is handling them right now. False if none came within `timeout`."""
        world = self.sandbox.world
        deadline = time.monotonic() + timeout
        if not await world.updates_changed.wait_until(lambda: bool(world.updates), timeout):
            return False
        left = deadline - time.monotonic()
        return await world.updates_changed.wait_until(lambda: not world.updates, max(left, 0))

    async def wait_started(self, count: int) -> None:
        """Until the bot has been started `count` times (ready or not)."""
        while self.starts < count:
            await asyncio.sleep(0.05)

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""
