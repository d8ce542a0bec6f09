"""One bot measured by benchmarks/checkin_load.py: started, taken through the phases (alone,
saturated, paced, paced_busy with a core kept busy, profile), its figures per phase."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load_runners import Control, Load  # noqa: E402
from procfs import descendants, pss_kb, status_kb  # noqa: E402

from bot.ordering import percentile_ms  # noqa: E402 - the path above first

BURNER = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.asynccontextmanager
async def busy_core(seconds: float):
    """Another process keeping one core busy for at most `seconds` (stopped on leaving)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", BURNER.format(seconds=seconds))
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def fetch_timings(control: Control, sandbox: dict, since: float, until: float,
                        trace: tuple[int, str] | None = None) -> dict:  # fmt: skip
    """The sandbox's timings of a window; with `trace` (the bot's pid and trace file, --trace)
    the bot writes out its own times first and the sandbox splits `first` with them."""
    params = {"since": str(since), "until": str(until)}
    if trace is not None:
        pid, path = trace
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(1.0)  # the bot parses and writes what it kept
        params["trace"] = path
    async with control.session.get(f"{sandbox['url']}/bench/timings", params=params) as r:
        return await r.json()


async def wait_ready(control: Control, method: str, proc: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"the bot exited with {proc.returncode} before it was ready")
        if (await control.stats())["by_method"].get(method):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not call {method} within {timeout}s")


async def profile_bot(pid: int, seconds: float, out: str) -> asyncio.subprocess.Process:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    return await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--format", "raw", "--output", out,
        "--duration", str(int(seconds)), "--rate", "200", "--threads", "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


# py-spy names files relative to their sys.path entry; bot/cli.py is only the entry point.
OUR_PACKAGES = ("bot/", "dialogs/", "storage/", "protocols/")
NOT_HOT = ("bot/cli.py", "bot/sandbox/")


def profile_summary(path: str, top: int = 25) -> str:
    """Where the sampled time went: per thread, per our function (inclusive), and each
    sample charged to the innermost frame of our code (the library work it asked for)."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        threads[frames[0]] += n
        ours = []
        for frame in frames[1:]:
            name, _, where = frame.partition(" (")
            where = where.removeprefix(str(ROOT) + "/")
            if where.startswith(OUR_PACKAGES) and not where.startswith(NOT_HOT):
                ours.append(f"{name} ({where.split(':')[0]})")
        for name in set(ours):
            inclusive[name] += n
        innermost[ours[-1] if ours else "(not in our code: PTB, httpx, asyncio, idle loop)"] += n
    lines = [f"py-spy: {total} samples"]
    lines += [f"  thread {t}: {100 * n / total:.1f}%" for t, n in threads.most_common()]
    lines.append("inclusive, our functions:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines.append("innermost frame of our code (what it spent, libraries included):")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in innermost.most_common(top)]
    return "\n".join(lines)


def phase_figures(run: dict, timings: dict, seconds: float) -> dict[str, Any]:
    updates = timings["updates"]
    cpu = run["cpu"]
    return {
        "updates_per_s": round(updates / seconds, 1),
        # a check-in is many updates and takes long at saturation: its rate is the update rate
        # ÷ updates per finished check-in (counted by the runners, else as the lone runner's)
        "checkins_per_s": round(updates / seconds / run["updates_per_checkin"], 2) if run["updates_per_checkin"] else None,
        "updates_per_checkin": round(run["updates_per_checkin"], 2) if run["updates_per_checkin"] else None,
        "checkins_finished_in_window": run["completed"],
        "p50_ms": timings["first"]["p50"], "p95_ms": timings["first"]["p95"],
        "p99_ms": timings["first"]["p99"], "mean_ms": timings["first_mean"],
        "reply_p95_ms": timings["reply"]["p95"], "done_p95_ms": timings["done"]["p95"],
        "new_message_p95_ms": timings["first_new"]["p95"], "new_message_share": timings["new_share"],
        "in_place_p95_ms": timings["first_in_place"]["p95"],
        "tg_wait_p95_ms": timings["tg_wait"]["p95"],
        "runner_rtt_p95_ms": run["rtt_ms"]["p95"],
        "bot_cpu_ms_per_update": round(1000 * cpu["bot"] / updates, 3) if updates else None,
        # the ceiling if the bot had one core to itself (its loop is single-threaded)
        "updates_per_bot_cpu_s": round(updates / cpu["bot"]) if cpu["bot"] else None,
        "bot_cpu_ms_per_checkin": round(1000 * cpu["bot"] / updates * run["updates_per_checkin"], 1) if updates and run["updates_per_checkin"] else None,
        "bot_cores": round(cpu["bot"] / seconds, 2),
        "sandbox_cores": round(cpu["sandbox"] / seconds, 2),
        "load_generator_cores": round(cpu["load_generator"] / seconds, 2),
        "other_processes_cores": round(cpu["other_processes"] / seconds, 2),  # machine noise
        **({"burner_cores": round(cpu["burner"] / seconds, 2)} if "burner" in cpu else {}),
        "unanswered": timings["unanswered"],
        # --trace: `first` in three parts, by the bot's own clock (load_sandbox.Recorder.split)
        **({f"split_{part}_p{q}_ms": timings["split"][part][f"p{q}"]
            for part in ("handoff", "in_bot", "call_read") for q in (50, 95)}
           if "split" in timings else {}),
        # the bot's own measure (its /healthz histogram, bucket bounds): PTB handing the update
        # over → handler done, replies sent; no sandbox time in it
        **({f"in_bot_p{q}_ms": percentile_ms(run["in_bot"], q / 100) for q in (50, 95, 99)}
           if run.get("in_bot") else {}),
    }  # fmt: skip


def median_figures(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase's figures over its rounds (--rounds): each the median of the rounds' values,
    with every round's p95 beside it; a single round as it is."""
    if len(rounds) == 1:
        return rounds[0]
    merged: dict[str, Any] = {}
    for key, value in rounds[0].items():
        values = [r[key] for r in rounds if isinstance(r.get(key), int | float)]
        merged[key] = round(statistics.median(values), 3) if values and not isinstance(value, bool) else value
    merged["rounds"] = len(rounds)
    merged["p95_ms_each"] = [r["p95_ms"] for r in rounds]
    merged["reply_p95_ms_each"] = [r["reply_p95_ms"] for r in rounds]
    return merged


async def measure_bot(name: str, command: list[str], ready_method: str, ids: range, choose: Any,
                      args: argparse.Namespace, control: Control, sandbox: dict,
                      env: dict[str, str], health_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    proc = await asyncio.create_subprocess_exec(*command, env=env, cwd=str(ROOT),
                                                stderr=asyncio.subprocess.PIPE)  # fmt: skip
    log_tail: list[bytes] = []

    async def drain() -> None:  # keep the bot's stderr flowing; remember the end
        assert proc.stderr is not None
        async for line in proc.stderr:
            log_tail.append(line)
            del log_tail[:-20]

    drainer = asyncio.create_task(drain())
    result: dict[str, Any] = {}
    try:
        await wait_ready(control, ready_method, proc)
        pids = {"bot": proc.pid, "sandbox": sandbox["pid"]}
        solo = Load(control, ids, choose, 0.0, seed=99)
        t0, t1 = await solo.solo(3)
        await asyncio.sleep(0.3)
        timings = await fetch_timings(control, sandbox, t0, t1)
        size = statistics.fmean(solo.sizes) if solo.sizes else None
        result["alone"] = {"updates_per_checkin": round(size, 2) if size else None,
                           "p50_ms": timings["first"]["p50"], "p95_ms": timings["first"]["p95"],
                           "reply_p50_ms": timings["reply"]["p50"], "reply_p95_ms": timings["reply"]["p95"],
                           "done_p95_ms": timings["done"]["p95"],
                           "checkin_s": round((t1 - t0) / len(solo.sizes), 2) if solo.sizes else None}  # fmt: skip
        phases = [("saturated", 0.0), ("paced", args.think)]
        if not args.skip_busy:
            phases.append(("paced_busy", args.think))
        if args.phases:
            phases = [(p, t) for p, t in phases if p in args.phases.split(",")]
        if args.profile:
            phases.append(("profile", args.think if args.profile_paced else 0.0))
        profile_out = args.profile and (args.profile if name == "stridecoach" else
                                        str(Path(args.profile).with_suffix(f".{name}.txt")))  # fmt: skip
        spies: list[asyncio.subprocess.Process] = []

        async def start_spy() -> None:  # py-spy on the bot once the warm-up is over
            spies.append(await profile_bot(proc.pid, args.seconds, profile_out))

        async def histogram() -> list[int]:  # stridecoach's bot-side times, from /healthz
            async with control.session.get(health_url) as response:
                return (await response.json())["updates"]["counts"]

        histogram = histogram if health_url else None
        rounds: dict[str, list[dict[str, Any]]] = {}
        measured = [p for p in phases if p[0] != "profile"] * (args.rounds - 1)
        for n, (phase, think) in enumerate(phases + measured):
            load = Load(control, ids, choose, think, seed=n)
            if phase == "profile":
                await load.run(args.warmup, args.seconds, pids, start_spy)
                await spies[0].wait()
                print(
                    f"--- {name}: {profile_out}\n" + profile_summary(profile_out), file=sys.stderr
                )
                continue
            if phase == "paced_busy":
                async with busy_core(args.warmup + args.seconds + 30) as burner:
                    run = await load.run(args.warmup, args.seconds,
                                         {**pids, "burner": burner.pid}, histogram=histogram)  # fmt: skip
            else:
                run = await load.run(args.warmup, args.seconds, pids, histogram=histogram)
            await asyncio.sleep(0.5)
            timings = await fetch_timings(control, sandbox, run["t0"], run["t1"],
                                          (proc.pid, env["BENCH_TRACE_FILE"]) if args.trace else None)  # fmt: skip
            run["updates_per_checkin"] = (
                size  # a phase's own count mixes in check-ins resumed mid-form
            )
            figures = phase_figures(run, timings, run["t1"] - run["t0"])
            figures.update(timeouts=load.timeouts, errors=sum(load.errors.values()))
            rounds.setdefault(phase, []).append(figures)
            result[phase] = median_figures(rounds[phase])
            if load.errors:
                print(f"{name} {phase}: runner errors {dict(load.errors)}", file=sys.stderr)
        result["peak_rss_mb"] = round(status_kb(proc.pid, "VmHWM") / 1024, 1)
        # the bot's decision worker, the fork server it comes from and multiprocessing's
        # resource tracker (0 without them): proportional, as they share pages
        result["worker_pss_mb"] = round(sum(pss_kb(p) for p in descendants(proc.pid)) / 1024, 1)
        if os.environ.get("BENCH_DEBUG"):
            async with control.session.get(f"{control.url}/users/{ids[0]}/messages") as r:
                for m in (await r.json())[-40:]:
                    print(
                        f"{m['message_id']}: {m.get('text', '')[:70]!r} {m['buttons']}",
                        file=sys.stderr,
                    )
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await drainer
        errors = [line for line in log_tail if b"ERROR" in line or b"Traceback" in line]
        if errors or os.environ.get("BENCH_DEBUG"):
            sys.stderr.write(
                f"--- {name} log tail ---\n" + b"".join(log_tail).decode(errors="replace")
            )
    return result

