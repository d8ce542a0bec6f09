"""The durable inbox (DESIGN.md decision 7): an update is a row before it is acknowledged,
and is handled from there, in order per user, once.

`Inbox.take` (webhook: before the 200) and `Inbox.take_batch` (polling: before the next
getUpdates, whose offset confirms the batch) store updates in `storage.inbox` and put the new
ones on PTB's update queue; a copy whose `update_id` is stored already is ignored. The
per-user update processor (bot/ordering.py) calls `Inbox.begin` as it starts an update, which
opens the update's journal (bot/journal.py: each Bot API call its handler makes is written
into the row as Telegram answers it), and `Inbox.done` when the handler has finished, which
marks the row handled at once, on the event loop. At start-up `replay` queues the rows not
yet handled — taken but not finished when the last process stopped — before any new update,
so they are handled first and in order, each with the calls its cut-short run had made: the
handler runs again from its start but takes those results instead of calling Telegram again,
so nothing the person saw before the kill is sent twice. Its state changes are written to be
repeated (answers stored per question, a text sent before the current question was shown is
not applied to it, a press on an answered question only brings the current one up).

The hot path costs one insert and one update on the Store's loop connection per update, plus
one update per Bot API call of its handler (`Store.write`: no thread hop; busy → the database
thread). Handled rows are pruned every PRUNE_EVERY_S by a task of this class.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.journal import HANDLING, Journal
from storage import Store, utc_iso
from storage.inbox import (
    add_reply,
    add_update,
    add_updates,
    mark_handled,
    prune_inbox,
    unhandled,
    unhandled_replies,
)

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0


def slim(data: dict[str, Any]) -> dict[str, Any]:
    """The update without what no handler reads and PTB is slow to parse: the inline
    keyboard of the message a button was pressed on (Telegram sends it back with every
    press; building its buttons was about half of parsing a press, ~160 µs of ~340 µs with
    eight buttons). The handlers read the message's id, chat and text, never its buttons."""
    message = (data.get("callback_query") or {}).get("message")
    if isinstance(message, dict):
        message.pop("reply_markup", None)
    return data


class Inbox:
    """Stores updates before they are acknowledged; queues them; marks them handled."""

    def __init__(self, app: Application, store: Store) -> None:
        self.app = app
        self.store = store
        self.in_hand: set[int] = set()  # ids queued from the inbox, not yet marked handled
        self.taken = 0  # new updates stored (this process)
        self.duplicates = 0  # copies of stored updates, ignored
        self.replayed = 0  # rows queued again at start-up
        self._earlier: dict[int, list] = {}  # replayed rows: the calls their cut-short run made
        self.unstored = 0  # handled without a stored row: the database refused it
        self._unstored_logged: float | None = None
        self._pruner: asyncio.Task | None = None

    # --- taking updates ------------------------------------------------------------------

    async def take(self, update: Update, payload: str) -> bool:
        """Store one update (its JSON as received) and queue it; False for a copy of one
        stored already. If the database refuses the row (a full disk, a damaged file) the
        update is handled all the same, unstored: its handler's own writes fail too and the
        runner is told to try again ("Sorry…"), which a silent bot would not do; /healthz
        says why (the Store notes the error)."""
        try:
            new = await self.store.write(add_update, update.update_id, payload, utc_iso())
        except sqlite3.Error:
            self._unstored(1)
            self.app.update_queue.put_nowait(update)
            return True
        if not new:
            self.duplicates += 1
            return False
        self.taken += 1
        self._queue(update.update_id, update)
        return True

    async def take_batch(self, raw: list[dict[str, Any]]) -> int:
        """Store one getUpdates answer (raw JSON dicts) in one transaction, then queue the new
        updates; how many were new. Raises if the batch cannot be written: the caller must
        not confirm it (it asks again with the same offset)."""
        if not raw:
            return 0
        rows = [(u["update_id"], json.dumps(slim(u), ensure_ascii=False, separators=(",", ":")))
                for u in raw]  # fmt: skip
        try:
            new = set(await self.store.write(add_updates, rows, utc_iso()))
        except sqlite3.Error:  # handled unstored, as in `take`
            self._unstored(len(raw))
            for data in raw:
                update = self._parse(data)
                if update is not None:
                    self.app.update_queue.put_nowait(update)
            return len(raw)
        self.duplicates += len(raw) - len(new)  # copies stored before, or twice in the batch
        self.taken += len(new)
        queued = 0
        for data in raw:
            if data["update_id"] in new:  # once, even if the batch held it twice
                new.discard(data["update_id"])
                self._queue(data["update_id"], self._parse(data))
                queued += 1
        return queued

    def _unstored(self, count: int) -> None:
        self.unstored += count
        now = time.monotonic()
        if self._unstored_logged is None or now - self._unstored_logged >= 60:
            log.error("inbox: the database refused to store updates (%d so far); handling "
                      "them without a stored copy", self.unstored, exc_info=True)  # fmt: skip
            self._unstored_logged = now

    async def replay(self) -> int:
        """Queue every row not yet handled (oldest first), before any new update is taken."""
        rows = await self.store.run(unhandled)
        self._earlier = await self.store.run(unhandled_replies) if rows else {}
        for update_id, payload in rows:
            if update_id in self.in_hand:
                continue
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            self._queue(update_id, self._parse(data) if isinstance(data, dict) else None)
        self.replayed += len(rows)
        if rows:
            log.info("inbox: handling %d update(s) taken before the last stop first", len(rows))
        return len(rows)

    def _parse(self, data: dict[str, Any]) -> Update | None:
        try:
            return Update.de_json(slim(data), self.app.bot)
        except Exception:  # noqa: BLE001 - one unreadable update must not stop the others
            log.warning("inbox: update %s is unreadable; skipped", data.get("update_id"),
                        exc_info=True)  # fmt: skip
            return None

    def _queue(self, update_id: int, update: Update | None) -> None:
        if update is None:  # nothing a handler could do with it: handled as it is
            asyncio.get_running_loop().create_task(self._mark(update_id))
            return
        self.in_hand.add(update_id)
        self.app.update_queue.put_nowait(update)

    # --- finishing them ----------------------------------------------------------------------

    def begin(self, update: object) -> None:
        """The update's handling starts (in its own task): journal its Bot API calls."""
        update_id = getattr(update, "update_id", None)
        if update_id in self.in_hand:
            HANDLING.set(Journal(update_id, self._earlier.pop(update_id, None)))

    async def record(self, update_id: int, n: int, entry: str) -> None:
        """bot/journal.py: call `n` of the handler of `update_id`, answered by Telegram."""
        await self.store.write(add_reply, update_id, n, entry)

    async def done(self, update: object) -> None:
        """The update's handler has finished (or failed and told the user): mark its row."""
        update_id = getattr(update, "update_id", None)
        if update_id in self.in_hand:
            self.in_hand.discard(update_id)
            journal = HANDLING.get()  # this update's (done runs in the update's own task)
            await self._mark(update_id, journal is not None and journal.count > 0)

    async def _mark(self, update_id: int, journaled: bool = False) -> None:
        try:
            await self.store.write(mark_handled, update_id, utc_iso(), journaled)
        except Exception:  # noqa: BLE001 - the update is handled again after a restart
            log.error("inbox: could not mark update %d handled", update_id, exc_info=True)

    # --- pruning -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._pruner is None:
            self._pruner = asyncio.get_running_loop().create_task(self._prune_loop())

    async def stop(self) -> None:
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
            self._pruner = None

    async def _prune_loop(self) -> None:
        while True:
            try:
                gone = await self.store.run(prune_inbox, dt.datetime.now(dt.UTC))
                if gone:
                    log.info("inbox: pruned %d handled update(s)", gone)
            except Exception:  # noqa: BLE001 - tried again next time
                log.warning("inbox: pruning failed", exc_info=True)
            await asyncio.sleep(PRUNE_EVERY_S)
