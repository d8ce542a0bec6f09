"""The bot with its Bot API calls timed, for `benchmarks/checkin_load.py --trace` (this
directory goes first on the bot's PYTHONPATH, so Python imports this module at start-up).

Every call over `bot/http1.py` is kept in memory as (sent, answered, method, body, and for
getUpdates its answer): a few µs a call, no parsing while the load runs. On SIGUSR1 the calls
kept so far are parsed and appended to `BENCH_TRACE_FILE` as JSON lines — when each update
reached the bot and when the bot sent each call, by chat or press — and the sandbox's recorder
joins them with its own times (benchmarks/load_sandbox.py, `split`). Never deployed.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

OUT = os.environ.get("BENCH_TRACE_FILE")

if OUT:
    from bot import http1

    calls: list[tuple[float, float, str, bytes, bytes]] = []
    post = http1.Pool.post

    async def timed_post(self, url, body, timeouts, content_type=None):
        sent = time.monotonic()
        status, answer = await post(self, url, body, timeouts, content_type)
        method = url.rsplit("/", 1)[-1]
        calls.append((sent, time.monotonic(), method, body, answer if method == "getUpdates" else b""))
        return status, answer

    def dump(*_: object) -> None:
        taken = calls[:]
        del calls[: len(taken)]
        with open(OUT, "a") as out:
            for sent, answered, method, body, answer in taken:
                if method == "getUpdates":
                    ids = [u["update_id"] for u in json.loads(answer).get("result", [])]
                    if ids:
                        out.write(json.dumps({"got": answered, "ids": ids}) + "\n")
                    continue
                params = json.loads(body) if body else {}
                out.write(json.dumps({"sent": sent, "method": method.lower(),
                                      "chat": params.get("chat_id"),
                                      "query": params.get("callback_query_id")}) + "\n")  # fmt: skip

    http1.Pool.post = timed_post
    signal.signal(signal.SIGUSR1, dump)
