"""``python -m bot.sandbox --port 8081``: run the fake Telegram Bot API server until Ctrl-C.

The first line printed is the Bot API URL to give the bot; the second is a JSON object with
all URLs (bot API, files, control API) for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from bot.sandbox.faults import Faults, RateLimits
from bot.sandbox.sandbox import Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", help="accept only this bot token (default: any)")
    parser.add_argument("--rate-limits", action="store_true", help="enforce Telegram's limits")
    parser.add_argument("--per-second", type=int, default=30)
    parser.add_argument("--per-chat-interval", type=float, default=1.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument("--slow-rate", type=float, default=0.0)
    parser.add_argument("--slow-delay", type=float, default=6.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--retry-after-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = RateLimits(enabled=args.rate_limits, per_second=args.per_second,
                        per_chat_interval=args.per_chat_interval)
    faults = Faults(error_rate=args.error_rate, slow_rate=args.slow_rate,
                    slow_delay=args.slow_delay, drop_rate=args.drop_rate,
                    retry_after_rate=args.retry_after_rate, seed=args.seed)
    async with Sandbox(args.port, args.host, token=args.token, rate_limits=limits,
                       faults=faults) as sandbox:
        print(sandbox.bot_api_url)
        print(json.dumps({"bot_api_url": sandbox.bot_api_url, "file_url": sandbox.file_url,
                          "control_url": f"{sandbox.url}/sandbox"}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
