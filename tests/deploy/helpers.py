"""Run the real `stridecoach run` as a subprocess against the sandbox, and wait on it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

TOKEN = "987654321:AAH-deploy_Test-Token-Zq9x"
START_TIMEOUT = 45.0  # a cold start on a loaded 2-core machine
STOP_TIMEOUT = 45.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until(check: Callable[[], Any], timeout: float, what: str,
                     proc: BotProcess | None = None) -> Any:  # fmt: skip
    """Poll `check()` until it returns something truthy; fail fast if `proc` exits."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.proc.returncode is not None:
            raise AssertionError(f"the bot exited ({proc.proc.returncode}) before {what}:\n"
                                 + proc.output()[-3000:])  # fmt: skip
        if time.monotonic() > deadline:
            tail = proc.output()[-3000:] if proc else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")
        await asyncio.sleep(0.05)


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    out_path: Path
    err_path: Path

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def output(self) -> str:
        return self.stdout() + self.stderr()

    async def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(
                "the bot did not exit in time:\n" + self.output()[-3000:]
            ) from None

    async def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


def bot_env(sandbox, db: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIDECOACH_")}
    env.update(STRIDECOACH_TOKEN=TOKEN, STRIDECOACH_DB=db,
               STRIDECOACH_BOT_API_URL=sandbox.bot_api_url, PYTHONUNBUFFERED="1")  # fmt: skip
    env.update(extra)
    return env


async def spawn(sandbox, db: str, logs: Path, *args: str, **extra: str) -> BotProcess:
    """Start `stridecoach run ARGS` with output to files under `logs` (a pipe nobody reads
    would fill up and block a chatty bot)."""
    logs.mkdir(parents=True, exist_ok=True)
    n = len(list(logs.glob("*.err")))
    out_path, err_path = logs / f"{n}.out", logs / f"{n}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", *args, env=bot_env(sandbox, db, **extra),
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
            cwd=str(logs),  # no stray .env file is read
        )  # fmt: skip
    return BotProcess(proc, out_path, err_path)


async def start_polling_bot(sandbox, db: str, logs: Path, **extra: str) -> BotProcess:
    """A bot in polling mode, returned once it has registered its commands (post_init
    done; updates sent from then on are fetched as soon as polling starts)."""
    before = len(sandbox.calls("setMyCommands"))
    bot = await spawn(sandbox, db, logs, **extra)
    await wait_until(lambda: len(sandbox.calls("setMyCommands")) > before, START_TIMEOUT,
                     "the bot to start", bot)  # fmt: skip
    return bot


async def start_webhook_bot(sandbox, db: str, logs: Path, port: int, path: str = "/tg/updates",
                            **extra: str) -> BotProcess:  # fmt: skip
    """A bot in webhook mode on 127.0.0.1:`port`, returned once its webhook is set."""
    before = len(sandbox.calls("setWebhook"))
    bot = await spawn(sandbox, db, logs, "--webhook-url", f"http://127.0.0.1:{port}{path}",
                      STRIDECOACH_WEBHOOK_LISTEN="127.0.0.1", STRIDECOACH_WEBHOOK_PORT=str(port),
                      **extra)  # fmt: skip
    await wait_until(lambda: len(sandbox.calls("setWebhook")) > before, START_TIMEOUT,
                     "the webhook to be set", bot)  # fmt: skip
    return bot


async def http(method: str, url: str, body: bytes | None = None,
               headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    """One HTTP request: (status, JSON or text)."""
    timeout = aiohttp.ClientTimeout(total=20)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.request(method, url, data=body, headers=headers or {}) as response,
    ):
        raw = await response.read()
        status = response.status
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


async def wait_for_http(
    url: str, timeout: float, proc: BotProcess | None = None
) -> tuple[int, Any]:
    """GET `url` until something answers (the server may still be starting)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await http("GET", url)
        except aiohttp.ClientConnectionError:
            if proc is not None and proc.proc.returncode is not None:
                raise AssertionError("the bot exited:\n" + proc.output()[-3000:]) from None
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


def slow_next_send(sandbox, delay: float = 1.5) -> asyncio.Event:
    """Make the next send/edit call the bot makes answer `delay` seconds late (it still takes
    effect, inside PTB's 5 s read timeout); the event is set when that call arrives."""
    began = asyncio.Event()
    faults = sandbox.faults
    original = faults.pick

    def pick(method: str) -> str | None:
        kind = original(method)
        if kind == "slow":
            began.set()
            faults.pick = original
        return kind

    faults.configure(slow_delay=delay)
    faults.pick = pick
    faults.fail_next("slow")
    return began
