"""The inbox's own cost per update, in-process: what the durable inbox adds to each update's
handling, measured as CPU time (so it holds on a shared, busy machine where the end-to-end
load benchmark's throughput moves with the neighbours).

For N check-in-sized updates (a button press as Telegram sends it) it times, on a migrated
database with the bot's Store, the work the inbox adds (parsing the update into PTB's
`Update` is not counted: PTB's own fetching does it anyway):

* `webhook_store_us`: storing one update (one insert on the loop connection), per update;
* `polling_store_us`: JSON-encoding a getUpdates batch of `--batch` and storing it in one
  transaction, per update;
* `mark_us`: `Inbox.done`, the mark when the handler finished (one update on the loop
  connection);
* `per_update_us_webhook` / `_polling`: store + mark — all a button answer costs (its
  answerCallbackQuery and edit are not journaled, bot/journal.py);
* `journal_send_us`: journaling one sendMessage of a handler (its fingerprint, the JSON of
  Telegram's answer, one insert on the loop connection), per call, and
  `mark_journaled_us`: the mark of an update that journaled calls (with their deletion, one
  transaction) — what an update that sends a new message adds.

    .venv/bin/python benchmarks/inbox.py [--updates 20000] [--batch 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot  # noqa: E402
from telegram.request import RequestData  # noqa: E402
from telegram.request._requestparameter import RequestParameter  # noqa: E402 - as PTB builds it

from bot.inbox import Inbox  # noqa: E402
from bot.journal import HANDLING, Journal, fingerprint  # noqa: E402
from storage import Store, migrate  # noqa: E402
from storage.inbox import add_update, add_updates  # noqa: E402


def press(update_id: int) -> dict:
    user = {"id": 1_000_000 + update_id % 500, "is_bot": False, "first_name": "Runner"}
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": user, "chat_instance": "42", "data": "f:checkin:pain_rest:0",
        "message": {"message_id": 7, "date": 1_760_000_000, "text": "Pain at rest today?",
                    "chat": {"id": user["id"], "type": "private"}, "from": {
                        "id": 1, "is_bot": True, "first_name": "Coach"},
                    "reply_markup": {"inline_keyboard": [[
                        {"text": str(n), "callback_data": f"f:checkin:pain_rest:{n}"}
                        for n in range(6)]]}}}}  # fmt: skip


class App:  # what Inbox uses of an Application
    def __init__(self) -> None:
        self.bot = Bot("1:BENCH")
        self.update_queue: asyncio.Queue = asyncio.Queue()


SEND = {"chat_id": 1_000_001,
        "text": "✅ Today: run/walk 30′ (1′ run, 1′ walk) on a soft surface.\n\nNext: keep "
                "tomorrow easy.\n\n🏁 At the earliest, if every session is clean: first 30 min "
                "running without a break Tue 14 Apr; back to full training Tue 2 Jun.",
        "reply_markup": {"inline_keyboard": [[{"text": "Show my plan", "callback_data": "plan:show"}]]}}  # fmt: skip


def send_call() -> tuple[RequestData, dict]:
    """A decision's sendMessage as PTB sends it, and Telegram's answer (the message)."""
    data = RequestData([RequestParameter.from_input(k, v) for k, v in SEND.items()])
    answer = {"message_id": 8, "date": 1_760_000_000, "from": {"id": 1, "is_bot": True,
              "first_name": "Coach"}, "chat": {"id": 1_000_001, "type": "private"},
              "text": SEND["text"], "reply_markup": SEND["reply_markup"]}  # fmt: skip
    return data, answer


IN_HAND = 256  # updates handled at once at most (bot/app.py), so journaled at once


def cpu_us_per(n: int, began: float) -> float:
    return round((time.process_time() - began) / n * 1e6, 1)


async def measure(updates: int, batch: int, workdir: str) -> dict:
    store = Store(Path(workdir) / "inbox.db")
    await store.run(migrate)
    app = App()
    inbox = Inbox(app, store)
    raw = [press(i) for i in range(1, updates + 1)]
    bodies = [json.dumps(u) for u in raw]
    now = "2026-03-02T07:00:00.000000+00:00"
    try:
        began = time.process_time()
        for data, body in zip(raw, bodies, strict=True):
            await store.write(add_update, data["update_id"], body, now)
        webhook = cpu_us_per(updates, began)
        for data in raw:  # as if taken and handed to the handlers
            inbox.in_hand.add(data["update_id"])
        half = raw[: updates // 2]  # these handlers sent a message: journaled
        data, answer = send_call()
        journal = mark_journaled = 0.0
        for start in range(0, len(half), IN_HAND):  # as many in hand at once as under load
            group = half[start:start + IN_HAND]
            began = time.process_time()
            for u in group:
                entry = json.dumps([fingerprint("sendMessage", data), answer], ensure_ascii=False)
                await inbox.record(u["update_id"], 0, entry)
            journal += time.process_time() - began
            began = time.process_time()
            for u in group:
                HANDLING.set(Journal(u["update_id"], [["k", True]]))
                await inbox.done(SimpleNamespace(update_id=u["update_id"]))
            mark_journaled += time.process_time() - began
        journal = round(journal / len(half) * 1e6, 1)
        mark_journaled = round(mark_journaled / len(half) * 1e6, 1)
        HANDLING.set(None)
        began = time.process_time()
        for u in raw[updates // 2:]:
            await inbox.done(SimpleNamespace(update_id=u["update_id"]))
        done = cpu_us_per(updates - len(half), began)
        shifted = [dict(u, update_id=u["update_id"] + updates) for u in raw]
        began = time.process_time()
        for i in range(0, updates, batch):
            rows = [(u["update_id"], json.dumps(u, ensure_ascii=False, separators=(",", ":")))
                    for u in shifted[i:i + batch]]  # fmt: skip
            await store.write(add_updates, rows, now)
        polling = cpu_us_per(updates, began)
    finally:
        store.close()
    return {"benchmark": "inbox", "updates": updates, "batch": batch,
            "webhook_store_us": webhook, "polling_store_us": polling, "mark_us": done,
            "journal_send_us": journal, "mark_journaled_us": mark_journaled,
            "on_loop_writes": store.on_loop["write"],
            "per_update_us_webhook": round(webhook + done, 1),
            "per_update_us_polling": round(polling + done, 1)}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stridecoach-inbox-") as workdir:
        print(json.dumps(asyncio.run(measure(args.updates, args.batch, workdir))))
