"""The outbox sender: delivers the rows of the `outbox` table at a paced rate (docs/DESIGN.md
decision 4).

Everything the bot sends on its own (reminders, weekly summaries, coach alerts) is queued
first with `storage.enqueue(db, chat_id, kind, payload, dedupe_key=None, not_before=None,
runner_id=..., priority=...)`; producers then call `sender.wake()` so it is sent at once.

The payload convention and how a row becomes Bot API calls: `bot/payload.py`.

Delivery rules:
- Rows are claimed in batches with `claim_due` (highest priority, then oldest, first) and
  sent paced: at most `rate_per_s` messages a second overall, evenly spaced (no bursts), and
  at least `per_chat_interval_s` between the end of one message to a chat and the start of
  the next one. One chat's messages go one after the other, in order (priority, then id);
  different chats go concurrently, at most `max_concurrency` requests at a time (the Bot's
  request needs a connection pool ≥ that, plus a pool timeout for it). Turns: `bot/pacing.py`. The number
  of rows claimed but not yet finished is bounded (about a second of sending), so a newly
  queued urgent row waits at most about that long; a chat with a huge backlog of its own
  can fill that window and slow the others.
- `RetryAfter`: the row is retried after `retry_after`, and that chat pauses that long: its
  other claimed rows go back to 'pending' and it is not claimed from until then, so other
  chats (an urgent alert) go on. Several chats limited at once mean a bot-wide limit: then
  all sending pauses (`bot/flood.py`). `NetworkError`/`TimedOut` (5xx, dropped connections,
  slow answers) and any unexpected exception: retried with exponential backoff
  (`backoff_base_s * 2**(attempts-1)`, capped at `backoff_max_s`, ±10 % jitter).
  `Forbidden` (the user blocked the bot) and `BadRequest` "chat not found": failed and the
  runner whose chat it is marked inactive (reminders skip them; /start re-activates). Any
  other `BadRequest`: failed (permanent).
- Bounded: a row claimed `max_attempts` times (429s included), or older than `max_age_s`
  (`urgent_max_age_s` for rows of at least `urgent_priority`), is failed, logged and
  counted (`expired`); `on_give_up(db, row)` then runs (an urgent alert: the runner is told
  it did not reach their coach).
- When a message of a chat is retried, the later messages of that chat wait for it (for
  up to its retry time plus a grace), so the chat still sees them in order.
- `attempts` counts claims: a row claimed but released unsent by `stop()` has used one.
- A photo sent whose follow-up text failed: this sender retries only the text; after a
  restart both would be sent again.

Exactly once, with one exception: a message Telegram accepted whose `mark_sent` never
committed (the process was killed in between, or a slow answer timed out on our side
although Telegram went on and delivered it) is sent again. `mark_sent` runs right after the
HTTP call returns to keep that window minimal; `start()` requeues rows a crash left in
'sending' (`requeue_stuck_sending`), which is the crash case. Run one sender per database.

Logs at INFO hold only counts, ids and error classes: never message text, never the token.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import logging
import math
import random
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.warnings import PTBDeprecationWarning

import storage
from bot import payload as payloads
from bot.delivery import EXPIRE_EVERY_S, Lane, Outcomes, mark_sent_and_wipe
from bot.flood import FloodControl
from bot.pacing import Pacer, wait
from dialogs.chat import retry_seconds
from storage import OutboxMessage

log = logging.getLogger(__name__)

# PTB 22 warns whenever `RetryAfter.retry_after` is read, PTB's own constructor included;
# we handle both the int of PTB 22 and the timedelta of PTB 23 (see retry_after_seconds).
warnings.filterwarnings(
    "ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning
)

retry_after_seconds = retry_seconds  # one reading of RetryAfter for replies and the outbox


Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _order(message: OutboxMessage) -> tuple[int, int]:
    return (-message.priority, message.id)


class OutboxSender(Outcomes):
    """Delivers outbox rows through `bot` (an initialised `telegram.Bot`, e.g. `app.bot`).

    >>> sender = OutboxSender(app.bot, store)
    >>> await sender.start()
    >>> ...; await store.run(storage.enqueue, chat_id, "reminder", {"text": "Hi"}); sender.wake()
    >>> await sender.stop()

    `rate_per_s`: messages a second overall, evenly spaced. `per_chat_interval_s`: from the
    end of one request to a chat to the start of the next. `max_attempts`: claims before a
    network error is final. `backoff_base_s`/`backoff_max_s`: retry delays. `clock`: "now"
    for `claim_due` and retry times (default: real UTC time); `enqueue` without `not_before`
    stamps rows with the real time, so a clock behind real time holds those rows back.
    `idle_poll_s`: how often to look for rows whose `not_before` arrived (`wake()` covers
    new rows). `max_concurrency`: requests in flight at most. `seed`: for the jitter.
    """

    def __init__(
        self,
        bot: Bot,
        store: storage.Store,
        *,
        rate_per_s: float = 25,
        per_chat_interval_s: float = 1.0,
        max_attempts: int = 8,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 300,
        clock: Clock | None = None,
        idle_poll_s: float = 0.5,
        max_concurrency: int = 16,
        seed: int | None = None,
        prepare: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None = None,
        busy: Callable[[], bool] | None = None,
        max_age_s: float = 12 * 3600,
        urgent_max_age_s: float = 1800,
        urgent_priority: int = 10,
        on_give_up: Callable[[Any, OutboxMessage], Any] | None = None,
    ) -> None:
        if rate_per_s <= 0 or max_concurrency < 1 or max_attempts < 1:
            raise ValueError("rate_per_s, max_concurrency and max_attempts must be positive")
        self._bot = bot
        self._store = store
        # turns a stored payload into the one to send (e.g. renders a chart); its errors are
        # retried like network errors
        self._prepare = prepare
        self._rate = rate_per_s
        self._busy = busy  # see Pacer: runners who are chatting go first
        self._chat_interval = max(0.0, per_chat_interval_s)
        self._max_attempts = max_attempts
        self._max_age = max_age_s
        self._urgent_max_age = urgent_max_age_s
        self._urgent_priority = urgent_priority
        self._on_give_up = on_give_up  # runs on the database thread, `fn(db, row)`
        self._backoff_base = backoff_base_s
        self._backoff_max = backoff_max_s
        self._clock: Clock = clock or utc_now
        self._idle_poll = idle_poll_s
        self._concurrency = max_concurrency
        self._window = max(2 * max_concurrency, math.ceil(rate_per_s))  # rows claimed at most
        self._hold_grace = max(1.0, 4 * idle_poll_s)
        self._rng = random.Random(seed)
        # counters for a health endpoint
        self.sent = 0  # rows delivered
        self.retried = 0  # retries scheduled (RetryAfter included)
        self.failed = 0  # rows given up on (blocked ones included)
        self.blocked = 0  # rows whose chat blocked the bot or is gone (runner made inactive)
        self.rate_limited = 0  # RetryAfter answers
        self.expired = 0  # rows given up on for their attempts or age
        self.loop_errors = 0
        self.loop_error_at: float | None = None  # monotonic time of the last loop/lane error
        self.last_tick: dt.datetime | None = None
        self._reset()

    def _reset(self) -> None:
        self._lanes: dict[int, Lane] = {}
        self._outstanding = 0  # rows claimed, not yet finished
        self._in_flight = 0
        self._eager = False  # a producer woke us: claim as soon as there is room
        self._pacer = Pacer(self._rate, self._busy)
        self._flood = FloodControl(self._pacer)
        self._last_expire = -math.inf
        self._parts_done: dict[int, int] = {}  # row id -> parts already delivered (photo)
        self._poke = asyncio.Event()
        self._stop = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._timers: set[asyncio.TimerHandle] = set()
        self._last_prune = 0.0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Requeue rows a crash left in 'sending', then start sending in the background."""
        if self._task is not None:
            raise RuntimeError("the outbox sender is already running")
        self._reset()
        try:
            requeued = await self._store.run(storage.requeue_stuck_sending)
        except Exception:  # a damaged database: start anyway, failing visibly on /healthz
            self._loop_error("requeueing rows left in 'sending' failed")
            requeued = 0
        log.info("outbox sender started; %d row(s) requeued from 'sending'", requeued)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, timeout: float = 10.0) -> None:
        """Take no new rows, let requests in flight finish (at most `timeout` seconds), put
        claimed rows not yet tried back to 'pending', and return."""
        if self._task is None:
            return
        self._stopping = True
        self._stop.set()
        self._poke.set()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for lane in self._lanes.values():
            lane.changed.set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:  # their rows stay 'sending': the next start() requeues them
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning("outbox sender stopped with %d request(s) unfinished", len(late))
        unsent = [m for lane in self._lanes.values() for m in lane.queue]
        if unsent:
            await self._store.run(_release, unsent)
        self._task = None
        log.info(
            "outbox sender stopped; %d released; sent %d, retried %d, failed %d, blocked %d",
            len(unsent), self.sent, self.retried, self.failed, self.blocked,
        )  # fmt: skip

    def wake(self) -> None:
        """Tell the sender new rows were queued (call after `enqueue`, on the event loop)."""
        self._eager = True
        self._poke.set()

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no row is pending or sending; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while await self._store.run(storage.backlog_count):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(0.02, left))
        return True

    def health(self) -> dict[str, Any]:
        """Counters and the last loop tick, for a health endpoint. `paused_s`: the bot-wide
        flood-control pause left; `chats_paused`: chats under their own."""
        paused = self._pacer.paused_for()
        now = time.monotonic()
        error_age = None if self.loop_error_at is None else round(now - self.loop_error_at, 1)
        return {
            "running": self._task is not None and not self._stopping,
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "sent": self.sent, "retried": self.retried, "failed": self.failed,
            "blocked": self.blocked, "rate_limited": self.rate_limited, "expired": self.expired,
            "claimed": self._outstanding, "in_flight": self._in_flight,
            "paused_s": round(paused, 3), "bot_wide_pauses": self._flood.bot_wide,
            "chats_paused": len(self._flood.paused_chats(now)),
            "longest_chat_pause_s": round(self._flood.longest_chat_pause(now), 1),
            "loop_errors": self.loop_errors, "last_loop_error_age_s": error_age,
        }  # fmt: skip

    def _loop_error(self, what: str) -> None:
        self.loop_errors += 1
        self.loop_error_at = time.monotonic()
        log.exception("outbox: %s", what)

    # --- claiming -------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                more = await self._tick()
            except Exception:  # a bug (or a failing database) must not stop the sender
                self._loop_error("sender loop error")
                more = False
            if self._stopping:
                break
            if more:
                await asyncio.sleep(0)
            else:
                await wait(self._poke, self._idle_poll)

    async def _tick(self) -> bool:
        """Claim due rows into the chats' lanes; True if more may be due right away."""
        self.last_tick = self._clock()
        self._poke.clear()
        now = time.monotonic()
        if self._pacer.paused_until > now:  # flood control: claim nothing meanwhile
            await wait(self._poke, self._pacer.paused_until - now)
            return True
        if now - self._last_expire >= EXPIRE_EVERY_S:
            self._last_expire = now
            await self._expire_stale()
        due_held = sum(1 for lane in self._lanes.values()
                       for due, _ in lane.held.values() if due <= now)  # fmt: skip
        limit = max(self._window - self._outstanding, due_held)
        batch: list[OutboxMessage] = []
        if limit > 0:
            skip = self._flood.paused_chats(now)
            batch = await self._store.run(storage.claim_due, self._clock(), limit, skip)
            late = [m for m in batch if self._flood.is_paused(m.chat_id)]  # limited meanwhile
            if late:
                await self._store.run(storage.release_claimed, [m.id for m in late])
            for message in batch:
                if not self._flood.is_paused(message.chat_id):
                    self._dispatch(message)
            if len(batch) < limit:
                self._eager = False  # nothing more is due now
            if batch:
                log.debug("outbox: claimed %d row(s)", len(batch))
        self._prune(now)
        return bool(batch) and len(batch) == limit and self._outstanding < self._window

    def _dispatch(self, message: OutboxMessage) -> None:
        lane = self._lanes.get(message.chat_id)
        if lane is None:
            lane = self._lanes[message.chat_id] = Lane()
        lane.held.pop(message.id, None)
        bisect.insort(lane.queue, message, key=_order)
        self._outstanding += 1
        lane.changed.set()
        if lane.task is None:
            lane.task = asyncio.create_task(self._lane(lane), name=f"outbox-chat-{message.chat_id}")

    def _prune(self, now: float) -> None:
        """Forget idle chats whose pacing interval is over."""
        if now - self._last_prune < 1.0:
            return
        self._last_prune = now
        idle = [chat for chat, lane in self._lanes.items()
                if lane.task is None and not lane.queue and not lane.held
                and lane.last_done + self._chat_interval < now]  # fmt: skip
        for chat in idle:
            del self._lanes[chat]

    def _finished_row(self) -> None:
        self._outstanding -= 1
        if self._eager or self._outstanding <= self._window // 2:
            self._poke.set()

    def _wake_at(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self._poke.set()

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    # --- sending ----------------------------------------------------------------------------

    async def _lane(self, lane: Lane) -> None:
        """Send one chat's claimed rows one after the other."""
        try:
            while not self._stopping:
                now = time.monotonic()
                for message_id, (_, give_up) in list(lane.held.items()):
                    if give_up <= now:
                        del lane.held[message_id]
                if not lane.queue:
                    return
                if lane.held:  # an earlier message of this chat is waiting for its retry
                    lane.changed.clear()
                    first_give_up = min(give_up for _, give_up in lane.held.values())
                    await wait(lane.changed, first_give_up - now)
                    continue
                gap = lane.last_done + self._chat_interval - now
                if gap > 0:
                    await wait(self._stop, gap)
                    continue
                async with self._slots:
                    if not await self._pacer.turn(self._stop):
                        return
                    message = lane.queue.pop(0)
                    self._in_flight += 1
                    try:
                        await self._deliver(message, lane)
                    finally:
                        self._in_flight -= 1
                        self._finished_row()
        except Exception:  # a bug; the lane restarts with the chat's next row
            self._loop_error("chat lane error")
        finally:
            lane.task = None

    async def _deliver(self, message: OutboxMessage, lane: Lane) -> None:
        """Send one row (one or two requests) and record the outcome."""
        payload = message.payload
        if self._prepare is not None:
            try:
                payload = await self._prepare(payload)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried
                lane.last_done = time.monotonic()
                await self._failed_send(message, lane, exc)
                return
        try:
            content = payloads.parse_payload(payload)
        except payloads.PayloadError as exc:
            await self._fail(message, f"bad payload: {exc}")
            return
        parts = payloads.parts(self._bot, message.chat_id, content)
        first = self._parts_done.get(message.id, 0)
        try:
            for index in range(first, len(parts)):
                if index > first:  # the text after a photo: paced like any message
                    lane.last_done = time.monotonic()
                    await asyncio.sleep(self._chat_interval)
                    await self._pacer.turn(None)  # finishing a message even when stopping
                await parts[index]()
                if len(parts) > 1:
                    self._parts_done[message.id] = index + 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
            lane.last_done = time.monotonic()
            await self._failed_send(message, lane, exc)
            return
        lane.last_done = time.monotonic()
        self._parts_done.pop(message.id, None)
        await self._record(mark_sent_and_wipe, message.id)  # at once: the duplicate window
        self.sent += 1
        log.debug("outbox %d sent to chat %d", message.id, message.chat_id)

def _release(db: Any, messages: list[OutboxMessage]) -> None:
    """Put claimed rows that were never tried back to 'pending', as they were."""
    for message in messages:
        with contextlib.suppress(LookupError):
            storage.mark_retry(db, message.id, message.not_before,
                               message.last_error or "released unsent: sender stopped")  # fmt: skip
