"""The outbox sender: delivers the rows of the `outbox` table at a paced rate (docs/DESIGN.md
decision 4).

Everything the bot sends on its own (reminders, weekly summaries, coach alerts) is queued
first with `storage.enqueue(db, chat_id, kind, payload, dedupe_key=None, not_before=None,
runner_id=..., priority=Priority...)`; producers then wake the sender (`sender.wake()`, which
handlers and jobs reach as `services(context).wake_outbox()`) so it is sent at once.

The payload convention and how a row becomes Bot API calls: `bot/payload.py`.

Delivery rules:
- Rows are claimed in batches (highest priority, then oldest, first), at most about a
  second of sending at a time: `bot/claims.py`. They are sent paced: at most `rate_per_s`
  messages a second overall, evenly spaced, no bursts (`bot/pacing.py`); one chat's rows
  one after the other, in order, at least `per_chat_interval_s` apart; different chats
  concurrently, at most `max_concurrency` requests at a time (`bot/lanes.py`; the Bot's
  request needs a connection pool ≥ that, plus a pool timeout for it).
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
  up to its retry time plus a grace), so the chat still sees them in order. Outcomes are
  recorded by `bot/delivery.py`; the limits are `bot/outbox_limits.py`.
- `attempts` counts claims: a row claimed but released unsent by `stop()` has used one.
- A photo sent whose follow-up text failed: this sender retries only the text; after a
  restart both would be sent again.

Exactly once, with one exception: a message Telegram accepted whose `mark_sent` never
committed (the process was killed in between, or a slow answer timed out on our side
although Telegram went on and delivered it) is sent again. `mark_sent` runs right after the
HTTP call returns to keep that window minimal; `start()` requeues rows a crash left in
'sending' (`requeue_stuck_sending`), which is the crash case. Run one sender per database.

Time: the sender reads elapsed time only through its `Monotonic` (`bot/monotonic.py`) and
"now" only through its UTC clock, so its tests run it in virtual time.

Logs at INFO hold only counts, ids and error classes: never message text, never the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.warnings import PTBDeprecationWarning

import storage
from bot import payload as payloads
from bot.claims import Claims, Clock
from bot.delivery import Counts, GiveUp, Outcomes
from bot.flood import FloodControl
from bot.lanes import Lane, Lanes
from bot.monotonic import SYSTEM, Monotonic
from bot.outbox_limits import OutboxLimits
from bot.pacing import Pacer
from dialogs.chat import retry_seconds
from storage import OutboxMessage

log = logging.getLogger(__name__)

# PTB 22 warns whenever `RetryAfter.retry_after` is read, PTB's own constructor included;
# we handle both the int of PTB 22 and the timedelta of PTB 23 (see retry_after_seconds).
warnings.filterwarnings(
    "ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning
)

retry_after_seconds = retry_seconds  # one reading of RetryAfter for replies and the outbox

DRAIN_POLL_S = 0.02

Prepare = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OutboxSender:
    """Delivers outbox rows through `bot` (an initialised `telegram.Bot`, e.g. `app.bot`).

    >>> sender = OutboxSender(app.bot, store, OutboxLimits(rate_per_s=25))
    >>> await sender.start()
    >>> ...; await store.run(storage.enqueue, chat_id, "reminder", {"text": "Hi"}); sender.wake()
    >>> await sender.stop()

    `clock`: "now" for `claim_due`, retry times and ages (default: real UTC time); `enqueue`
    without `not_before` stamps rows with the real time, so a clock behind real time holds
    those rows back. `monotonic`: elapsed time and sleeping (default: real time).
    `prepare` turns a stored payload into the one to send (e.g. renders a chart); its
    errors are retried like network errors. `busy`: see `Pacer` (runners who are chatting
    go first). `on_give_up(db, row)`: see `Outcomes`.
    """

    def __init__(
        self, bot: Bot, store: storage.Store, limits: OutboxLimits | None = None, *,
        clock: Clock | None = None, monotonic: Monotonic = SYSTEM, prepare: Prepare | None = None,
        busy: Callable[[], bool] | None = None, on_give_up: GiveUp | None = None,
    ) -> None:  # fmt: skip
        self._bot = bot
        self._store = store
        self.limits = limits or OutboxLimits()
        self._utc: Clock = clock or utc_now
        self._time = monotonic
        self._prepare = prepare
        self._busy = busy
        self._on_give_up = on_give_up
        self.counts = Counts()
        self.loop_errors = 0
        self.loop_error_at: float | None = None  # monotonic time of the last loop/lane error
        self._task: asyncio.Task[None] | None = None
        self._reset()

    def _reset(self) -> None:
        limits, clock = self.limits, self._time
        self._stop = asyncio.Event()
        self._pacer = Pacer(limits.rate_per_s, self._busy, clock)
        self._flood = FloodControl(self._pacer, clock)
        self._lanes = Lanes(limits, clock, self._pacer, self._stop, send=self._send,
                            finished=self._finished, on_error=self._loop_error)  # fmt: skip
        self._claims = Claims(self._store, limits, clock, self._utc, pacer=self._pacer,
                              flood=self._flood, lanes=self._lanes, expire=self._expire)  # fmt: skip
        self._outcomes = Outcomes(
            self._store, limits, self._utc, token=getattr(self._bot, "token", "") or "",
            flood=self._flood, lanes=self._lanes, claims=self._claims, stop=self._stop,
            counts=self.counts, on_give_up=self._on_give_up,
        )  # fmt: skip

    @property
    def last_tick(self) -> dt.datetime | None:
        return self._claims.last_tick

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
        self._stop.set()
        self._claims.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if late := await self._lanes.finish(timeout):
            log.warning("outbox sender stopped with %d request(s) unfinished", late)
        unsent = self._lanes.unsent()
        if unsent:
            await self._store.run(_release, unsent)
        self._task = None
        counts = self.counts
        log.info(
            "outbox sender stopped; %d released; sent %d, retried %d, failed %d, blocked %d",
            len(unsent), counts.sent, counts.retried, counts.failed, counts.blocked,
        )  # fmt: skip

    def wake(self) -> None:
        """Tell the sender new rows were queued (call after `enqueue`, on the event loop)."""
        self._claims.wake()

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no row is pending or sending; False if `timeout` passed first."""
        deadline = self._time.now() + timeout
        while await self._store.run(storage.backlog_count):
            left = deadline - self._time.now()
            if left <= 0:
                return False
            await self._time.sleep(min(DRAIN_POLL_S, left))
        return True

    def health(self) -> dict[str, Any]:
        """Counters and the last loop tick, for a health endpoint. `paused_s`: the bot-wide
        flood-control pause left; `chats_paused`: chats under their own."""
        paused = self._pacer.paused_for()
        now = self._time.now()
        error_age = None if self.loop_error_at is None else round(now - self.loop_error_at, 1)
        counts, last_tick = self.counts, self.last_tick
        return {
            "running": self._task is not None and not self._stop.is_set(),
            "last_tick": last_tick.isoformat() if last_tick else None,
            "sent": counts.sent, "retried": counts.retried, "failed": counts.failed,
            "blocked": counts.blocked, "rate_limited": counts.rate_limited,
            "expired": counts.expired,
            "claimed": self._claims.outstanding, "in_flight": self._lanes.in_flight,
            "paused_s": round(paused, 3), "bot_wide_pauses": self._flood.bot_wide,
            "chats_paused": len(self._flood.paused_chats(now)),
            "longest_chat_pause_s": round(self._flood.longest_chat_pause(now), 1),
            "loop_errors": self.loop_errors, "last_loop_error_age_s": error_age,
        }  # fmt: skip

    def _loop_error(self, what: str) -> None:
        self.loop_errors += 1
        self.loop_error_at = self._time.now()
        log.exception("outbox: %s", what)

    # --- the loop and one row's requests ----------------------------------------------------

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                more = await self._claims.step()
            except Exception:  # a bug (or a failing database) must not stop the sender
                self._loop_error("sender loop error")
                more = False
            if self._stop.is_set():
                break
            if more:
                await asyncio.sleep(0)
            else:
                await self._claims.idle()

    async def _expire(self) -> None:
        await self._outcomes.expire_stale()

    def _finished(self) -> None:
        self._claims.finished()

    async def _send(self, message: OutboxMessage, lane: Lane) -> None:
        """Send one row (one or two requests) and record the outcome."""
        outcomes = self._outcomes
        payload = message.payload
        if self._prepare is not None:
            try:
                payload = await self._prepare(payload)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried
                lane.last_done = self._time.now()
                await outcomes.failed_send(message, lane, exc)
                return
        try:
            content = payloads.parse_payload(payload)
        except payloads.PayloadError as exc:
            await outcomes.fail(message, f"bad payload: {exc}")
            return
        parts = payloads.parts(self._bot, message.chat_id, content)
        first = outcomes.parts_done.get(message.id, 0)
        try:
            for index in range(first, len(parts)):
                if index > first:  # the text after a photo: paced like any message
                    lane.last_done = self._time.now()
                    await self._time.sleep(self.limits.chat_interval)
                    await self._pacer.turn(None)  # finishing a message even when stopping
                await parts[index]()
                if len(parts) > 1:
                    outcomes.parts_done[message.id] = index + 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
            lane.last_done = self._time.now()
            await outcomes.failed_send(message, lane, exc)
            return
        lane.last_done = self._time.now()
        await outcomes.sent(message)


def _release(db: Any, messages: list[OutboxMessage]) -> None:
    """Put claimed rows that were never tried back to 'pending', as they were."""
    for message in messages:
        with contextlib.suppress(LookupError):
            storage.mark_retry(db, message.id, message.not_before,
                               message.last_error or "released unsent: sender stopped")  # fmt: skip
