"""The outbox sender: delivers the rows of the `outbox` table at a paced rate (DESIGN.md
decision 4).

Everything the bot sends on its own (reminders, weekly summaries, coach alerts) is queued
first with `storage.enqueue(db, chat_id, kind, payload, dedupe_key=None, not_before=None,
runner_id=..., priority=...)`; producers then call `sender.wake()` so it is sent at once.

Payload convention (a JSON object):

    {"text": str,                      # the message (≤ 4096 chars), or the photo's caption
     "keyboard": [[[label, callback_data], ...], ...] | None,   # inline buttons, row by row
     "photo_b64": str | None,          # PNG bytes, base64: sent with sendPhoto
     "html": bool}                     # optional: parse_mode HTML (default plain text)

With a photo, `text` (may be empty) is the caption when it has at most 1024 characters;
a longer text is sent as a second message right after the photo (the keyboard goes on the
last message). A payload that breaks this convention is a bug: the row is failed at once.

Delivery rules:
- Rows are claimed in batches with `claim_due` (highest priority, then oldest, first) and
  sent paced: at most `rate_per_s` messages a second overall, evenly spaced (no bursts), and
  at least `per_chat_interval_s` between the end of one message to a chat and the start of
  the next one. One chat's messages go one after the other, in order (priority, then id);
  different chats go concurrently, at most `max_concurrency` requests at a time (the Bot's
  HTTPXRequest needs `connection_pool_size` ≥ that, plus `pool_timeout` for it). The number
  of rows claimed but not yet finished is bounded (about a second of sending), so a newly
  queued urgent row waits at most about that long; a chat with a huge backlog of its own
  can fill that window and slow the others.
- `RetryAfter`: the row is retried after `retry_after`, and all sending pauses that long
  (Telegram's flood control is bot-wide). `NetworkError`/`TimedOut` (5xx, dropped
  connections, slow answers) and any unexpected exception: retried with exponential backoff
  (`backoff_base_s * 2**(attempts-1)`, capped at `backoff_max_s`, ±10 % jitter) until
  `max_attempts`, then failed with the error recorded. `Forbidden` (the user blocked the bot)
  and `BadRequest` "chat not found": failed and the runner marked inactive (reminders skip
  them; /start re-activates). Any other `BadRequest`: failed (permanent).
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
import base64
import binascii
import bisect
import contextlib
import datetime as dt
import logging
import math
import random
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

import storage
from dialogs.chat import retry_seconds
from storage import OutboxMessage

log = logging.getLogger(__name__)

# PTB 22 warns whenever `RetryAfter.retry_after` is read, PTB's own constructor included;
# we handle both the int of PTB 22 and the timedelta of PTB 23 (see retry_after_seconds).
warnings.filterwarnings(
    "ignore", message=r".*attribute `retry_after`", category=PTBDeprecationWarning
)

retry_after_seconds = retry_seconds  # one reading of RetryAfter for replies and the outbox

CAPTION_LIMIT = 1024
ERROR_LIMIT = 500  # characters of an error kept in `last_error`
JITTER = 0.1

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


YIELD_STEP_S = 0.002
MAX_YIELD_S = 0.2  # never starve the outbox: at most this long behind interactive updates


class PayloadError(ValueError):
    """A payload that breaks the convention of this module's docstring."""


@dataclass(frozen=True, slots=True)
class Content:
    text: str
    markup: InlineKeyboardMarkup | None
    photo: bytes | None
    parse_mode: str | None


def parse_payload(payload: Any) -> Content:
    """Check a payload against the convention; raises PayloadError."""
    if not isinstance(payload, dict):
        raise PayloadError("payload is not an object")
    text = payload.get("text", "")
    if not isinstance(text, str):
        raise PayloadError("text is not a string")
    photo = None
    if payload.get("photo_b64") is not None:
        try:
            photo = base64.b64decode(payload["photo_b64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise PayloadError("photo_b64 is not base64") from None
        if not photo:
            raise PayloadError("photo_b64 is empty")
    elif not text.strip():
        raise PayloadError("text is empty")
    markup = None
    rows = payload.get("keyboard")
    if rows:
        try:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(str(label), callback_data=str(data))
                  for label, data in row] for row in rows]
            )  # fmt: skip
        except (TypeError, ValueError):
            raise PayloadError("keyboard is not [[[label, callback_data], ...], ...]") from None
    return Content(text, markup, photo, ParseMode.HTML if payload.get("html") else None)


@dataclass(eq=False)
class _Lane:
    """One chat: its claimed rows in sending order, and when it may send next."""

    queue: list[OutboxMessage] = field(default_factory=list)
    last_done: float = -math.inf  # monotonic end of the last request to this chat
    held: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (due, give up)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


def _order(message: OutboxMessage) -> tuple[int, int]:
    return (-message.priority, message.id)


class OutboxSender:
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
    ) -> None:
        if rate_per_s <= 0 or max_concurrency < 1 or max_attempts < 1:
            raise ValueError("rate_per_s, max_concurrency and max_attempts must be positive")
        self._bot = bot
        self._store = store
        # turns a stored payload into the one to send (e.g. renders a chart); its errors are
        # retried like network errors
        self._prepare = prepare
        # replies to runners who are chatting go first: while `busy()` says updates are being
        # handled, a new send waits (a few ms at a time, bounded) — DESIGN.md decision 4
        self._busy = busy
        self._spacing = 1.0 / rate_per_s
        self._chat_interval = max(0.0, per_chat_interval_s)
        self._max_attempts = max_attempts
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
        self.last_tick: dt.datetime | None = None
        self._reset()

    def _reset(self) -> None:
        self._lanes: dict[int, _Lane] = {}
        self._outstanding = 0  # rows claimed, not yet finished
        self._in_flight = 0
        self._eager = False  # a producer woke us: claim as soon as there is room
        self._paused_until = -math.inf
        self._next_slot = -math.inf
        self._parts_done: dict[int, int] = {}  # row id -> parts already delivered (photo)
        self._poke = asyncio.Event()
        self._stop = asyncio.Event()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._turns = asyncio.Lock()  # hands out the rate limiter's slots one at a time
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
        requeued = await self._store.run(storage.requeue_stuck_sending)
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
        """Counters and the last loop tick, for a health endpoint."""
        paused = max(0.0, self._paused_until - time.monotonic())
        return {
            "running": self._task is not None and not self._stopping,
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "sent": self.sent, "retried": self.retried, "failed": self.failed,
            "blocked": self.blocked, "rate_limited": self.rate_limited,
            "claimed": self._outstanding, "in_flight": self._in_flight,
            "paused_s": round(paused, 3),
        }  # fmt: skip

    # --- claiming -------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                more = await self._tick()
            except Exception:  # a bug must not stop the sender: log it and carry on
                log.exception("outbox: sender loop error")
                more = False
            if self._stopping:
                break
            if more:
                await asyncio.sleep(0)
            else:
                await self._wait(self._poke, self._idle_poll)

    async def _tick(self) -> bool:
        """Claim due rows into the chats' lanes; True if more may be due right away."""
        self.last_tick = self._clock()
        self._poke.clear()
        now = time.monotonic()
        if self._paused_until > now:  # flood control: claim nothing meanwhile
            await self._wait(self._poke, self._paused_until - now)
            return True
        due_held = sum(1 for lane in self._lanes.values()
                       for due, _ in lane.held.values() if due <= now)  # fmt: skip
        limit = max(self._window - self._outstanding, due_held)
        batch: list[OutboxMessage] = []
        if limit > 0:
            batch = await self._store.run(storage.claim_due, self._clock(), limit)
            for message in batch:
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
            lane = self._lanes[message.chat_id] = _Lane()
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

    async def _lane(self, lane: _Lane) -> None:
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
                    wait = min(give_up for _, give_up in lane.held.values()) - now
                    await self._wait(lane.changed, wait)
                    continue
                gap = lane.last_done + self._chat_interval - now
                if gap > 0:
                    await self._wait(self._stop, gap)
                    continue
                async with self._slots:
                    if not await self._pace(finishing=False):
                        return
                    message = lane.queue.pop(0)
                    self._in_flight += 1
                    try:
                        await self._deliver(message, lane)
                    finally:
                        self._in_flight -= 1
                        self._finished_row()
        except Exception:  # a bug; the lane restarts with the chat's next row
            log.exception("outbox: chat lane error")
        finally:
            lane.task = None

    async def _pace(self, *, finishing: bool) -> bool:
        """Wait out a flood-control pause, then for our turn: turns are handed out one at a
        time (FIFO), each at least 1/rate after the one before *was taken*, so a stalled
        event loop never releases a burst. False if the sender is stopping (unless
        `finishing` the second part of a message)."""
        stop = None if finishing else self._stop
        async with self._turns:
            while True:
                if self._stopping and not finishing:
                    return False
                wait = max(self._next_slot, self._paused_until) - time.monotonic()
                if wait <= 0:
                    break
                await self._wait(stop, wait)
            yielded = 0.0
            while self._busy is not None and self._busy() and yielded < MAX_YIELD_S:
                await asyncio.sleep(YIELD_STEP_S)
                yielded += YIELD_STEP_S
            self._next_slot = time.monotonic() + self._spacing
        return True

    async def _deliver(self, message: OutboxMessage, lane: _Lane) -> None:
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
            content = parse_payload(payload)
        except PayloadError as exc:
            await self._fail(message, f"bad payload: {exc}")
            return
        parts = self._parts(message.chat_id, content)
        first = self._parts_done.get(message.id, 0)
        try:
            for index in range(first, len(parts)):
                if index > first:  # the text after a photo: paced like any message
                    lane.last_done = time.monotonic()
                    await asyncio.sleep(self._chat_interval)
                    await self._pace(finishing=True)
                await parts[index]()
                if len(parts) > 1:
                    self._parts_done[message.id] = index + 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
            lane.last_done = time.monotonic()
            await self._failed_send(message, lane, exc)
            return
        lane.last_done = time.monotonic()
        self._parts_done.pop(message.id, None)
        await self._record(storage.mark_sent, message.id)  # at once: the duplicate window
        self.sent += 1
        log.debug("outbox %d sent to chat %d", message.id, message.chat_id)

    def _parts(self, chat_id: int, content: Content) -> list[Callable[[], Awaitable[Any]]]:
        bot, text, markup, mode = self._bot, content.text, content.markup, content.parse_mode
        if content.photo is None:
            return [lambda: bot.send_message(chat_id, text, parse_mode=mode, reply_markup=markup)]
        photo = content.photo
        if len(text) <= CAPTION_LIMIT:
            return [lambda: bot.send_photo(chat_id, photo, caption=text or None,
                                           parse_mode=mode if text else None,
                                           reply_markup=markup)]  # fmt: skip
        return [
            lambda: bot.send_photo(chat_id, photo),
            lambda: bot.send_message(chat_id, text, parse_mode=mode, reply_markup=markup),
        ]

    # --- outcomes ---------------------------------------------------------------------------

    async def _failed_send(self, message: OutboxMessage, lane: _Lane, exc: Exception) -> None:
        error = self._describe(exc)
        if isinstance(exc, RetryAfter):
            seconds = retry_after_seconds(exc)
            self.rate_limited += 1
            self._pause(seconds)
            log.info("outbox: flood control, pausing all sends for %.1f s (row %d)",
                     seconds, message.id)  # fmt: skip
            await self._retry(message, lane, seconds, error)
        elif isinstance(exc, Forbidden):
            await self._fail(message, error, deactivate=True)
        elif isinstance(exc, BadRequest):
            await self._fail(message, error, deactivate="chat not found" in str(exc).lower())
        elif isinstance(exc, ChatMigrated):  # groups only; we send to private chats
            await self._fail(message, error)
        else:
            if not isinstance(exc, NetworkError):  # TimedOut is a NetworkError too
                log.warning("outbox %d: unexpected %s", message.id, type(exc).__name__,
                            exc_info=exc)  # fmt: skip
            if message.attempts >= self._max_attempts:
                await self._fail(message, f"gave up after {message.attempts} attempts: {error}")
            else:
                await self._retry(message, lane, self._backoff(message.attempts), error)

    def _backoff(self, attempts: int) -> float:
        delay = self._backoff_base * 2 ** max(0, attempts - 1)
        delay *= 1 + self._rng.uniform(-JITTER, JITTER)
        return max(0.0, min(self._backoff_max, delay))

    def _pause(self, seconds: float) -> None:
        """Flood control is bot-wide: no request to any chat for `seconds`."""
        until = time.monotonic() + seconds
        self._paused_until = max(self._paused_until, until)

    async def _retry(self, message: OutboxMessage, lane: _Lane, delay: float, error: str) -> None:
        not_before = self._clock() + dt.timedelta(seconds=delay)
        if await self._record(storage.mark_retry, message.id, not_before, error):
            self.retried += 1
            now = time.monotonic()
            lane.held[message.id] = (now + delay, now + delay + self._hold_grace)
            if not self._stopping:
                self._wake_at(delay)
            log.debug("outbox %d: retry in %.2f s (attempt %d, %s)", message.id, delay,
                      message.attempts, error.split(":", 1)[0])  # fmt: skip

    async def _fail(self, message: OutboxMessage, error: str, *, deactivate: bool = False) -> None:
        self._parts_done.pop(message.id, None)
        if await self._record(storage.mark_failed, message.id, error):
            self.failed += 1
            log.info("outbox %d to chat %d failed (%s)", message.id, message.chat_id,
                     error.split(":", 1)[0])  # fmt: skip
        if deactivate:
            self.blocked += 1
            if message.runner_id is not None:
                await self._record(storage.set_active, message.runner_id, False)
                log.info("outbox: runner %d marked inactive", message.runner_id)

    async def _record(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Write an outcome; False (logged) if the row or runner is gone (e.g. /delete)."""
        try:
            await self._store.run(fn, *args)
        except LookupError:
            log.info("outbox: %s(%s): row gone", fn.__name__, args[0])
            return False
        except Exception:
            log.exception("outbox: %s(%s) failed", fn.__name__, args[0])
            return False
        return True

    def _describe(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}"
        token = getattr(self._bot, "token", "")
        if token:
            text = text.replace(token, "<token>")
        return text[:ERROR_LIMIT]

    @staticmethod
    async def _wait(event: asyncio.Event | None, timeout: float) -> None:
        """Sleep up to `timeout` seconds, or less if `event` is set."""
        if timeout <= 0:
            return
        if event is None:
            await asyncio.sleep(timeout)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


def _release(db: Any, messages: list[OutboxMessage]) -> None:
    """Put claimed rows that were never tried back to 'pending', as they were."""
    for message in messages:
        with contextlib.suppress(LookupError):
            storage.mark_retry(db, message.id, message.not_before,
                               message.last_error or "released unsent: sender stopped")  # fmt: skip
