"""Check-in load: N runners doing morning check-ins at once against the real bot, and the same
load against a bare python-telegram-bot echo bot (benchmarks/echo_bot.py) for comparison.

Three processes: the Bot API sandbox (this script re-run with ``--role sandbox``: the
sandbox plus a recorder of when each update was handed out and when the bot answered), the
bot (``python -m bot.cli run``, later ``benchmarks/echo_bot.py``), and this script as the
load generator, acting as the runners over the sandbox's HTTP control API.

The runners (ids from 1,000,000) are seeded as onboarded, three weeks into their plan
(engine-made history, green), with reminders twelve hours away so none fires. A check-in is
``/checkin`` then a button per question (green answers) until the decision arrives; a
runner's second check-in of the day is a correction (``/checkin`` → "Correct today's
answers" → the questions again), which is the same work. Each bot gets three phases:

* ``alone``: one runner, three check-ins back to back — the bot's latency with no queue.
* ``saturated``: no pause between a reply and the next press — the most the bot can do;
  latency there is mostly queueing (N runners in flight).
* ``paced``: each runner reads for uniform(0.5, 1.5) × ``--think`` seconds before each
  press, like a person; with 500 runners and 2 s this offers about 230 updates/s. The
  latency target is judged here.
* ``paced_busy``: the paced load again while another process keeps one core busy (a bounded
  CPU loop this script starts before the phase and stops after it): the bot's latency on a
  machine it shares, against the echo bot's in the same phase.

Bot-side latency is measured from the sandbox's view (the bot runs in a process we do not
instrument): for each update, from the moment getUpdates handed it to the bot to

* ``first``: the bot's first Bot API call for it (an edit, a message, or the answer to
  that very button press; a late answerCallbackQuery of the previous press is not counted),
* ``reply``: the bot's next sendMessage or editMessageText in that chat (what the runner
  waits for: a button answer turns the question into the next one),
* ``done``: the later of ``reply`` and the answerCallbackQuery of that press.

stridecoach's own measure is reported beside it (``in_bot_p50/p95/p99_ms``): the difference
of its /healthz histogram (bot/ordering.py) over the window — from PTB handing an update to
the handler's end, replies sent — with no sandbox time in it, as bucket bounds.

The echo bot runs twice: on stridecoach's own HTTP layer (``echo``, what the ratios and the
3× target compare against: same transport, so the ratio is our handlers' cost) and on PTB's
default httpx one (``echo_httpx``, the truly bare bot; ``--skip-httpx-echo`` leaves it out).

It includes the bot's HTTP/JSON work and any wait in its own queues, not the time the update
sat in the sandbox (``tg_wait``: push → handed out, reported apart). CPU is utime + stime of
the bot process and the processes below it (its decision worker), all threads, from
/proc/<pid>/stat over the measured window; peak RSS is VmHWM from /proc/<pid>/status, and
worker_pss_mb the PSS of the processes below it. Prints one JSON line.

    .venv/bin/python benchmarks/checkin_load.py [--runners 500] [--seconds 20] [--think 2]
        [--profile /tmp/bot-profile.txt]   # extra saturated phase under py-spy; summary to stderr
        [--rounds 3]                       # each phase 3 times: medians (the busy phase is noisy)
        [--bot-env KEY=VALUE]              # extra environment for both bots (experiments)
        [--no-inbox]                       # stridecoach with its inbox bypassed: the inbox's cost
        [--trace]                          # the first call's latency split by the bots' own clock

Its parts: the sandbox side and the recorder (load_sandbox.py), the seeded database
(load_seed.py), the runners (load_runners.py) and one bot through its phases (load_phases.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from load_phases import measure_bot  # noqa: E402
from load_runners import NEXT_TIMEOUT, Control, echo_choice, stridecoach_choice  # noqa: E402
from load_sandbox import serve_sandbox  # noqa: E402
from load_seed import seed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_ID = 1_000_000  # stridecoach's runners
ECHO_FIRST_ID = 3_000_000  # the echo bot's users (other chats, same sandbox)
BARE_FIRST_ID = 5_000_000  # the echo bot on PTB's default httpx transport
TOKEN = "1:BENCH"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_on_path(directory: str, env: dict[str, str]) -> dict[str, str]:
    """`env` with benchmarks/`directory` first on PYTHONPATH: its sitecustomize.py is imported
    at the bot's start-up."""
    paths = [str(ROOT / "benchmarks" / directory), env.get("PYTHONPATH", "")]
    return {**env, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def no_inbox(args: argparse.Namespace, env: dict[str, str]) -> dict[str, str]:
    """`env` bypassing the bot's inbox (benchmarks/no_inbox), for --no-inbox."""
    return first_on_path("no_inbox", env) if args.no_inbox else env


def traced(args: argparse.Namespace, workdir: str, name: str, env: dict[str, str]) -> dict[str, str]:
    """`env` with the bot's calls timed (benchmarks/trace), for --trace."""
    if not args.trace:
        return env
    return {**first_on_path("trace", env), "BENCH_TRACE_FILE": os.path.join(workdir, f"{name}.trace")}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def ratios_to(ours: dict, echo: dict) -> dict[str, float | None]:
    """Ours ÷ the echo bot's, for the phases both ran (None where either is missing)."""

    def of(bot: dict, phase: str, key: str) -> float | None:
        return (bot.get(phase) or {}).get(key)

    def by(phase: str, key: str) -> float | None:
        return ratio(of(ours, phase, key), of(echo, phase, key))

    return {
        "cpu_per_update_saturated": by("saturated", "bot_cpu_ms_per_update"),
        "cpu_per_update_paced": by("paced", "bot_cpu_ms_per_update"),
        "updates_per_s_saturated": by("saturated", "updates_per_s"),
        "p95_paced": by("paced", "p95_ms"),
        "p95_paced_busy": by("paced_busy", "p95_ms"),
        "peak_rss": ratio(ours.get("peak_rss_mb"), echo.get("peak_rss_mb")),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    workdir = tempfile.mkdtemp(prefix="stridecoach-load-")
    db = os.path.join(workdir, "load.db")
    began = time.monotonic()
    seed(db, FIRST_ID, args.runners)
    seed_s = time.monotonic() - began
    sandbox_proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--role", "sandbox", cwd=str(ROOT), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert sandbox_proc.stdout is not None
        sandbox = json.loads(await asyncio.wait_for(sandbox_proc.stdout.readline(), 30))
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=NEXT_TIMEOUT + 15)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            control = Control(session, sandbox["url"])
            base_env = {**os.environ, "STRIDECOACH_TOKEN": TOKEN, "STRIDECOACH_DB": db,
                        "STRIDECOACH_BOT_API_URL": sandbox["bot_api_url"],
                        "STRIDECOACH_LOG_LEVEL": args.log_level}  # fmt: skip
            base_env.pop("STRIDECOACH_WEBHOOK_URL", None)
            base_env.update(item.split("=", 1) for item in args.bot_env)
            port = free_port()
            ours = echo = None
            if args.only != "echo":
                ours = await measure_bot(
                    "stridecoach", [sys.executable, "-m", "bot.cli", "run"], "setMyCommands",
                    range(FIRST_ID, FIRST_ID + args.runners), stridecoach_choice, args, control,
                    sandbox, traced(args, workdir, "stridecoach", no_inbox(args, {
                        **base_env, "STRIDECOACH_HEALTH_PORT": str(port)})),
                    f"http://127.0.0.1:{port}/healthz")  # fmt: skip
            per_checkin = round((ours or {}).get("alone", {}).get("updates_per_checkin") or 15)
            echo_cmd = [sys.executable, str(ROOT / "benchmarks" / "echo_bot.py")]
            if args.only != "stridecoach":
                echo = await measure_bot(
                "echo", echo_cmd, "getUpdates",
                    range(ECHO_FIRST_ID, ECHO_FIRST_ID + args.runners), echo_choice(per_checkin),
                    args, control, sandbox,
                    traced(args, workdir, "echo", {**base_env, "ECHO_TRANSPORT": "aiohttp"}))  # fmt: skip
            bare = None
            if not args.skip_httpx_echo and args.only is None:
                bare = await measure_bot(
                    "echo_httpx", echo_cmd, "getUpdates",
                    range(BARE_FIRST_ID, BARE_FIRST_ID + args.runners),
                    echo_choice(per_checkin), args, control, sandbox,
                    traced(args, workdir, "echo_httpx", {**base_env, "ECHO_TRANSPORT": "httpx"}))  # fmt: skip
    finally:
        sandbox_proc.send_signal(signal.SIGTERM)
        await sandbox_proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    if ours is None or echo is None:
        return {"benchmark": "checkin_load", "runners": args.runners, "seconds": args.seconds,
                "stridecoach": ours, "echo": echo}  # fmt: skip
    sat, paced = ours.get("saturated") or {}, ours.get("paced") or {}
    ratios = ratios_to(ours, echo)
    targets = {
        "updates_per_s_ge_200": (sat.get("updates_per_s") or 0) >= 200,
        "p95_lt_20ms_paced": paced.get("p95_ms") is not None and paced["p95_ms"] < 20,
        "in_bot_p95_le_20ms_paced": (paced.get("in_bot_p95_ms") or math.inf) <= 20,
        "cpu_per_update_le_3x_echo": ratios["cpu_per_update_saturated"] is not None
        and ratios["cpu_per_update_saturated"] <= 3,
        "p95_paced_busy_le_3x_echo": ratios["p95_paced_busy"] is not None
        and ratios["p95_paced_busy"] <= 3,
    }
    return {"benchmark": "checkin_load", "runners": args.runners, "seconds": args.seconds,
            "think_s": args.think, "cores": os.cpu_count(), "seed_s": round(seed_s, 1),
            "inbox": not args.no_inbox,
            "stridecoach": ours, "echo": echo, "echo_httpx": bare, "ours_over_echo": ratios,
            "ours_over_echo_httpx": ratios_to(ours, bare) if bare else None,
            "targets_met": targets}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument(
        "--warmup", type=float, default=4, help="unmeasured seconds before each phase"
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a runner reads (paced phase)"
    )
    parser.add_argument(
        "--log-level", default="INFO", help="the bots' log level (INFO as deployed)"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="py-spy raw profile of the bot in an extra phase (saturated unless --profile-paced)",
    )
    parser.add_argument(
        "--profile-paced",
        action="store_true",
        help="profile a paced phase (--think) instead of a saturated one",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for both bots (experiments, e.g. PYTHONPATH=...)",
    )
    parser.add_argument(
        "--skip-httpx-echo",
        action="store_true",
        help="do not also measure the echo bot on PTB's default httpx transport",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each paced/saturated phase this many times (one bot start); figures are "
        "the medians of the rounds, each round's p95 beside them (the busy phase varies 2× run to run)",
    )
    parser.add_argument(
        "--skip-busy",
        action="store_true",
        help="leave out the paced phase with one core kept busy by another process",
    )
    parser.add_argument(
        "--phases",
        metavar="LIST",
        help="run only these of saturated,paced,paced_busy (experiments; alone always runs)",
    )
    parser.add_argument(
        "--no-inbox",
        action="store_true",
        help="the bot with its durable inbox bypassed (benchmarks/no_inbox): the inbox's cost",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="time the bots' own Bot API calls (benchmarks/trace) and split each phase's first-call "
        "latency into handoff, in-bot and call-read parts (not with --no-inbox)",
    )
    parser.add_argument(
        "--only",
        choices=("stridecoach", "echo"),
        help="measure one bot only (experiments; no ratios)",
    )
    parser.add_argument(
        "--role", choices=("load", "sandbox"), default="load", help=argparse.SUPPRESS
    )
    cli = parser.parse_args()
    if cli.trace and cli.no_inbox:
        parser.error("--trace and --no-inbox each put a sitecustomize first: use one at a time")
    if cli.role == "sandbox":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_sandbox())
    else:
        print(json.dumps(asyncio.run(main(cli))))
