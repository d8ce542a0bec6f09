"""The load generator of benchmarks/checkin_load.py: runners doing check-ins through the
sandbox's control API (their phones), thinking or not between presses."""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load_sandbox import percentiles  # noqa: E402
from procfs import machine_busy_seconds, tree_cpu_seconds  # noqa: E402

from tests.e2e.harness import GREEN  # noqa: E402 - the green answers of the e2e tests

NEXT_TIMEOUT = 60.0  # at saturation an answer waits behind every other runner's

class Control:
    """The sandbox's HTTP control API, as the runners' phones."""

    def __init__(self, session: Any, url: str) -> None:
        self.session = session
        self.url = url + "/sandbox"

    async def send(self, uid: int, text: str) -> None:
        async with self.session.post(f"{self.url}/users/{uid}/send", json={"text": text}) as r:
            r.raise_for_status()

    async def press(self, uid: int, data: str) -> dict | None:
        """Press, and return the bot's reply: a new message, or the pressed one edited."""
        async with self.session.post(f"{self.url}/users/{uid}/press",
                                     json={"data": data, "wait": NEXT_TIMEOUT}) as r:  # fmt: skip
            r.raise_for_status()
            return (await r.json())["reply"]

    async def next(self, uid: int) -> dict | None:
        async with self.session.get(f"{self.url}/users/{uid}/next",
                                    params={"timeout": str(NEXT_TIMEOUT)}) as r:  # fmt: skip
            if r.status == 408:
                return None
            r.raise_for_status()
            return await r.json()

    async def stats(self) -> dict:
        async with self.session.get(f"{self.url}/stats") as r:
            return await r.json()


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]


def stridecoach_choice(message: dict, presses: int) -> str | None:
    """The button a green runner presses on this message; None: the check-in is over."""
    shown = buttons(message)
    question = [(label, data) for label, data in shown if data.startswith("f:checkin:")]
    if question:
        field = question[0][1].split(":")[2]
        wanted = GREEN.get(field)
        return next((data for label, data in question if label == wanted), question[0][1])
    if any(data == "checkin:correct" for _, data in shown):
        return "checkin:correct"
    return None


def echo_choice(per_checkin: int):
    def choose(message: dict, presses: int) -> str | None:
        shown = buttons(message)
        return shown[0][1] if shown and presses < per_checkin - 1 else None

    return choose


class Load:
    """Runners doing check-ins until told to stop."""

    def __init__(self, control: Control, ids: range, choose: Any, think: float, seed: int) -> None:
        self.control = control
        self.ids = ids
        self.choose = choose
        self.think = think
        self.rng = random.Random(seed)
        self.stopping = False
        self.completed: list[float] = []  # monotonic time of each finished check-in
        self.sizes: list[int] = []  # updates each finished check-in took
        self.rtts: list[tuple[float, float]] = []  # (press time, seconds to the next message)
        self.timeouts = 0
        self.errors: Counter[str] = Counter()

    async def runner(self, uid: int, spread: bool = True) -> None:
        if spread:
            await asyncio.sleep(self.rng.uniform(0, max(self.think, 0.5)))  # not all at once
        while not self.stopping:
            try:
                await self.control.send(uid, "/checkin")
                message = await self.control.next(uid)
                presses = 0
                while message is not None and not self.stopping:
                    data = self.choose(message, presses)
                    if data is None:
                        self.completed.append(time.monotonic())
                        self.sizes.append(1 + presses)
                        break
                    if self.think:
                        await asyncio.sleep(self.rng.uniform(0.5 * self.think, 1.5 * self.think))
                    began = time.monotonic()
                    message = await self.control.press(uid, data)
                    presses += 1
                    if message is not None:
                        self.rtts.append((began, time.monotonic() - began))
                if message is None:
                    self.timeouts += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - counted and reported, the runner goes on
                self.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.5)

    async def solo(self, checkins: int) -> tuple[float, float]:
        """One runner alone, `checkins` check-ins back to back: the bot's latency unqueued."""
        t0 = time.monotonic()
        task = asyncio.create_task(self.runner(self.ids[0], spread=False))
        while len(self.completed) < checkins and time.monotonic() - t0 < 120 and not task.done():
            await asyncio.sleep(0.01)
        t1 = time.monotonic()
        self.stopping = True
        await task
        return t0, t1

    async def run(self, warmup: float, seconds: float, pids: dict[str, int],
                  at_start: Any = None, histogram: Any = None) -> dict[str, Any]:  # fmt: skip
        tasks = [asyncio.create_task(self.runner(uid)) for uid in self.ids]
        await asyncio.sleep(warmup)
        if at_start is not None:
            await at_start()
        counts0 = await histogram() if histogram else None
        t0, cpu0, own0 = (
            time.monotonic(),
            {k: tree_cpu_seconds(p) for k, p in pids.items()},
            time.process_time(),
        )
        busy0 = machine_busy_seconds()
        await asyncio.sleep(seconds)
        t1, cpu1, own1 = (
            time.monotonic(),
            {k: tree_cpu_seconds(p) for k, p in pids.items()},
            time.process_time(),
        )
        busy1 = machine_busy_seconds()
        counts1 = await histogram() if histogram else None
        self.stopping = True
        _, pending = await asyncio.wait(tasks, timeout=NEXT_TIMEOUT + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        cpu = {k: cpu1[k] - cpu0[k] for k in pids}
        cpu["load_generator"] = own1 - own0
        cpu["other_processes"] = max(0.0, busy1 - busy0 - sum(cpu.values()))
        in_bot = [b - a for a, b in zip(counts0, counts1, strict=True)] if counts0 else None
        return {"t0": t0, "t1": t1, "cpu": cpu, "in_bot": in_bot,
                "completed": sum(1 for t in self.completed if t0 <= t <= t1),
                "updates_per_checkin": statistics.fmean(self.sizes) if self.sizes else None,
                "rtt_ms": percentiles([r * 1000 for at, r in self.rtts if t0 <= at <= t1])}  # fmt: skip

