"""The database hand-off on a busy machine: what one `Store` call costs the event loop when
it goes to the database thread (`Store.run`) and when it stays on the loop (`Store.read`),
with the machine otherwise as it is and with one core kept busy by another process.

While the calls run, a ticker on the same loop asks to run every millisecond and records how
late it ran: the loop's stall, which every runner's update shares. Printed per variant (one
JSON line): the call's own p50/p95/p99 in ms, and the ticker's lateness p95/p99/max in ms.

    .venv/bin/python benchmarks/handoff.py [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load_phases import busy_core  # noqa: E402

from storage import Store, get_runner, migrate, upsert_runner  # noqa: E402


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 3)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 2)}


def on_thread(db, user_id: int):
    """get_runner without its point_read mark: `Store.run` hands it to the thread."""
    return get_runner(db, user_id)


async def variant(store: Store, how: str, calls: int) -> dict:
    late: list[float] = []
    stop = False

    async def ticker() -> None:
        while not stop:
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(time.perf_counter() - began - 0.001)

    tick = asyncio.create_task(ticker())
    took = []
    for i in range(calls):
        began = time.perf_counter()
        if how == "thread":
            await store.run(on_thread, 1 + i % 100)  # unmarked: the database thread
        else:
            await store.read(get_runner, 1 + i % 100)
        took.append(time.perf_counter() - began)
        await asyncio.sleep(0.0005)  # paced, as updates arrive
    stop = True
    await tick
    return {"call_ms": quantiles(took), "loop_late_ms": quantiles(late)}


async def main(calls: int) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        store = Store(Path(workdir) / "h.db")
        try:
            await store.run(migrate)
            for uid in range(1, 101):
                await store.run(upsert_runner, uid, uid, f"R{uid}")
            result = {"benchmark": "handoff", "calls": calls}
            for busy in (False, True):
                for how in ("thread", "loop"):
                    name = f"{how}_{'busy' if busy else 'quiet'}"
                    if busy:
                        async with busy_core(60):
                            await asyncio.sleep(0.5)
                            result[name] = await variant(store, how, calls)
                    else:
                        result[name] = await variant(store, how, calls)
        finally:
            store.close()
    result["thread_over_loop_late_p99_busy"] = round(
        result["thread_busy"]["loop_late_ms"]["p99"]
        / max(result["loop_busy"]["loop_late_ms"]["p99"], 1e-3), 2)  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    from bot.app import SWITCH_INTERVAL_S

    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the bot runs
    print(json.dumps(asyncio.run(main(args.calls))))
