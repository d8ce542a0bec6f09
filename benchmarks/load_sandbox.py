"""The sandbox side of benchmarks/checkin_load.py: the Bot API sandbox (run as
``checkin_load.py --role sandbox``) with a recorder of when each update was handed to the bot
and when the bot answered it, served at /bench/timings."""

from __future__ import annotations

import asyncio
import bisect
import json
import os
import signal
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))




def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q + 0.5) - 1))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


class Recorder:
    """Times, in the sandbox, when updates were pushed and handed out and when the bot called."""

    RESPONSES = ("sendmessage", "sendphoto", "senddocument", "editmessagetext",
                 "editmessagereplymarkup", "editmessagecaption", "deletemessage",
                 "answercallbackquery", "sendchataction")  # fmt: skip
    MESSAGES = ("sendmessage", "sendphoto", "senddocument", "editmessagetext")  # a reply: a
    # message, or (stridecoach's form) the pressed question turned into the next one

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.pushed: dict[int, float] = {}
        self.handed: dict[int, tuple[float, Any, str | None]] = {}  # id -> (t, chat, query id)
        self.calls: dict[Any, list[tuple[float, str, str | None]]] = defaultdict(list)

    def install(self) -> None:
        from bot.sandbox.methods import METHODS  # the dict the server dispatches from

        world = self.sandbox.world
        push = world.push_update

        def recorded_push(kind: str, payload: dict, chat_id: int) -> dict:
            update = push(kind, payload, chat_id)
            self.pushed[update["update_id"]] = time.monotonic()
            return update

        world.push_update = recorded_push
        get_updates = METHODS["getupdates"]

        async def recorded_get_updates(w: Any, p: Any) -> list[dict]:
            result = await get_updates(w, p)
            now = time.monotonic()
            for update in result:
                uid = update["update_id"]
                if uid not in self.handed:
                    query = update.get("callback_query")
                    self.handed[uid] = (now, w.update_chat.get(uid), query["id"] if query else None)
            return result

        METHODS["getupdates"] = recorded_get_updates
        for name in self.RESPONSES:
            if name in METHODS:
                METHODS[name] = self._wrap(name, METHODS[name])

    def _wrap(self, name: str, handler: Any) -> Any:
        async def recorded(w: Any, p: Any) -> Any:
            now = time.monotonic()
            if name == "answercallbackquery":
                qid = p.text("callback_query_id")
                query = w.callbacks.get(qid or "")
                chat = query.chat_id if query else None
            else:
                qid, chat = None, p.peek_chat_id()
            self.calls[chat].append((now, name, qid))
            return await handler(w, p)

        return recorded

    def timings(self, since: float, until: float, trace: str | None = None) -> dict[str, Any]:
        first, reply, done, wait = [], [], [], []
        firsts: dict[int, float] = {}  # update id -> when its first call reached the sandbox
        by_reply: dict[str, list[float]] = {"new": [], "in_place": []}
        unanswered = 0
        for uid, (t, chat, qid) in self.handed.items():
            if not since <= t <= until:
                continue
            if uid in self.pushed:
                wait.append((t - self.pushed[uid]) * 1000)
            calls = self.calls.get(chat, [])
            start = bisect.bisect_left(calls, t, key=lambda c: c[0])
            t_first = t_reply = t_answer = None
            kind = "in_place"
            for at, method, call_qid in calls[start:]:
                if method == "answercallbackquery" and call_qid != qid:
                    continue  # the previous press's answer, arriving late
                if t_first is None:
                    t_first = at
                if t_reply is None and method in self.MESSAGES:
                    t_reply = at
                    kind = "in_place" if method == "editmessagetext" else "new"
                if method == "answercallbackquery":
                    t_answer = at
                if t_reply is not None and (qid is None or t_answer is not None):
                    break
            if t_first is None:
                unanswered += 1
                continue
            first.append((t_first - t) * 1000)
            firsts[uid] = t_first
            if t_reply is not None:
                by_reply[kind].append((t_first - t) * 1000)
                reply.append((t_reply - t) * 1000)
                done.append((max(t_reply, t_answer or 0.0) - t) * 1000)
        return {"updates": len(first) + unanswered, "unanswered": unanswered,
                "first": percentiles(first), "reply": percentiles(reply),
                "done": percentiles(done), "tg_wait": percentiles(wait),
                # `first` split by what the reply was: a new message (stridecoach: a check-in's
                # result, /checkin's first question; the echo bot: every reply) or the pressed
                # question turned into the next one
                "first_new": percentiles(by_reply["new"]), "new_share": round(len(by_reply["new"]) / len(first), 3) if first else None,
                "first_in_place": percentiles(by_reply["in_place"]),
                "first_mean": round(statistics.fmean(first), 2) if first else None,
                **({"split": self.split(firsts, trace)} if trace else {})}  # fmt: skip

    def split(self, firsts: dict[int, float], trace: str) -> dict[str, Any]:
        """`first` in three parts, from the bot's own times (benchmarks/trace, --trace): the
        sandbox handing the update out → the bot holding getUpdates' answer (the sandbox's
        write, the bot's loop getting to the socket); → the bot sending its first call for
        it (the bot's own work and queues); → the sandbox reading that call."""
        got: dict[int, float] = {}
        sent: dict[Any, list[float]] = defaultdict(list)  # chat or ("q", press) -> times
        with open(trace) as lines:
            for line in lines:
                row = json.loads(line)
                if "ids" in row:
                    for uid in row["ids"]:
                        got.setdefault(uid, row["got"])
                else:
                    sent[("q", row["query"]) if row["query"] else row["chat"]].append(row["sent"])
        for times in sent.values():
            times.sort()
        handoff, in_bot, read = [], [], []
        for uid, t_first in firsts.items():
            t, chat, qid = self.handed[uid]
            t_got = got.get(uid)
            if t_got is None:
                continue
            mine = [ts[i] for ts in (sent.get(chat, []), sent.get(("q", qid), []) if qid else [])
                    if (i := bisect.bisect_left(ts, t_got)) < len(ts)]  # fmt: skip
            if not mine or min(mine) > t_first:
                continue  # its first call was not one the bot timed
            t_sent = min(mine)
            handoff.append((t_got - t) * 1000)
            in_bot.append((t_sent - t_got) * 1000)
            read.append((t_first - t_sent) * 1000)
        return {"updates": len(in_bot), "handoff": percentiles(handoff),
                "in_bot": percentiles(in_bot), "call_read": percentiles(read)}


async def serve_sandbox() -> None:
    from aiohttp import web

    from bot.sandbox import Sandbox

    sandbox = Sandbox(log_size=10_000)
    recorder = Recorder(sandbox)
    recorder.install()

    async def timings(request: web.Request) -> web.Response:
        since, until = float(request.query["since"]), float(request.query["until"])
        return web.json_response(recorder.timings(since, until, request.query.get("trace")))

    sandbox.app.router.add_get("/bench/timings", timings)
    async with sandbox:
        print(json.dumps({"url": sandbox.url, "bot_api_url": sandbox.bot_api_url, "pid": os.getpid()}),
              flush=True)  # fmt: skip
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

