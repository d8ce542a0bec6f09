"""What becomes of an outbox row after a send attempt (bot/outbox.py's delivery rules): sent,
retried after a backoff or a chat's flood-control pause, given up on (attempts, age), or
failed; and the counters a health check reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

import storage
from bot.claims import Claims, Clock
from bot.flood import FloodControl
from bot.lanes import Lane, Lanes
from bot.outbox_limits import OutboxLimits
from dialogs.chat import retry_seconds
from storage import OutboxMessage

log = logging.getLogger("bot.outbox")

ERROR_LIMIT = 500  # characters of an error kept in `last_error`

GiveUp = Callable[[Any, OutboxMessage], Any]


@dataclass(slots=True)
class Counts:
    """What the sender did since it started, for a health endpoint."""

    sent: int = 0  # rows delivered
    retried: int = 0  # retries scheduled (RetryAfter included)
    failed: int = 0  # rows given up on (blocked ones included)
    blocked: int = 0  # rows whose chat blocked the bot or is gone (runner made inactive)
    rate_limited: int = 0  # RetryAfter answers
    expired: int = 0  # rows given up on for their attempts or age


class Outcomes:
    """Records each attempt's outcome on its row. `on_give_up(db, row)` runs on the database
    thread for every row failed (an urgent alert: the runner is told); `token` is kept out
    of the errors stored."""

    def __init__(
        self, store: storage.Store, limits: OutboxLimits, utc: Clock, *, token: str,
        flood: FloodControl, lanes: Lanes, claims: Claims, stop: asyncio.Event,
        counts: Counts, on_give_up: GiveUp | None = None,
    ) -> None:  # fmt: skip
        self._store = store
        self._limits = limits
        self._utc = utc
        self._token = token
        self._flood = flood
        self._lanes = lanes
        self._claims = claims
        self._stop = stop
        self._on_give_up = on_give_up
        self._rng = random.Random(limits.seed)
        self.counts = counts
        self.parts_done: dict[int, int] = {}  # row id -> parts already delivered (photo)

    async def sent(self, message: OutboxMessage) -> None:
        self.parts_done.pop(message.id, None)
        await self._record(mark_sent_and_wipe, message.id)  # at once: the duplicate window
        self.counts.sent += 1
        log.debug("outbox %d sent to chat %d", message.id, message.chat_id)

    async def expire_stale(self) -> None:
        """Give up on pending rows past their maximum age (never claimed in time: a chat
        under flood control, an outage). Ages are measured on the sender's UTC clock
        against `created_at` (stamped in real time: give the sender a clock near it)."""
        limits, now = self._limits, self._utc()
        stale = await self._store.run(storage.stale_pending, now - dt.timedelta(seconds=limits.max_age_s))
        if limits.urgent_max_age_s < limits.max_age_s:
            urgent = await self._store.run(
                storage.stale_pending, now - dt.timedelta(seconds=limits.urgent_max_age_s),
                limits.urgent_priority,
            )  # fmt: skip
            stale += [m for m in urgent if m.id not in {s.id for s in stale}]
        for message in stale:
            self._lanes.forget(message.id)
            limit = limits.age_limit(message)
            await self._give_up(message, f"expired: not delivered within {limit:.0f} s")

    async def failed_send(self, message: OutboxMessage, lane: Lane, exc: Exception) -> None:
        """Record a failed attempt: retried, given up on or failed, by the kind of error."""
        error = self._describe(exc)
        if isinstance(exc, RetryAfter):
            seconds = retry_seconds(exc)
            self.counts.rate_limited += 1
            if self._flood.limited(message.chat_id, seconds):
                log.info("outbox: bot-wide flood control, pausing all sends for %.1f s (row %d)",
                         seconds, message.id)  # fmt: skip
            else:
                log.info("outbox: flood control, pausing chat %d for %.1f s (row %d)",
                         message.chat_id, seconds, message.id)  # fmt: skip
            await self._release_lane(lane)
            if reason := self._bounded(message, error):
                await self._give_up(message, reason)
            else:
                await self._retry(message, lane, seconds, error)
        elif isinstance(exc, Forbidden):
            await self.fail(message, error, deactivate=True)
        elif isinstance(exc, BadRequest):
            await self.fail(message, error, deactivate="chat not found" in str(exc).lower())
        elif isinstance(exc, ChatMigrated):  # groups only; we send to private chats
            await self.fail(message, error)
        else:
            if not isinstance(exc, NetworkError):  # TimedOut is a NetworkError too
                log.warning("outbox %d: unexpected %s", message.id, type(exc).__name__,
                            exc_info=exc)  # fmt: skip
            if reason := self._bounded(message, error):
                await self._give_up(message, reason)
            else:
                await self._retry(message, lane, self._limits.backoff(message.attempts, self._rng), error)

    async def _release_lane(self, lane: Lane) -> None:
        """The chat is paused: its rows waiting in the lane go back to 'pending' (the claim
        not counted), so they hold no place in the claim window meanwhile."""
        waiting, lane.queue = lane.queue, []
        if not waiting:
            return
        await self._record(storage.release_claimed, [m.id for m in waiting])
        self._claims.finished(len(waiting))

    async def _give_up(self, message: OutboxMessage, error: str) -> None:
        """Too many attempts or too old: failed, logged and counted."""
        log.warning("outbox %d (%s) to chat %d given up: %s", message.id, message.kind,
                    message.chat_id, error.split(":", 1)[0])  # fmt: skip
        if await self.fail(message, error):
            self.counts.expired += 1

    def _bounded(self, message: OutboxMessage, error: str) -> str | None:
        """Why the row may not be retried (attempts used up, too old), or None."""
        if message.attempts >= self._limits.max_attempts:
            return f"gave up after {message.attempts} attempts: {error}"
        age = (self._utc() - message.created_at).total_seconds()
        if age > self._limits.age_limit(message):
            return f"expired after {message.attempts} attempts: {error}"
        return None

    async def _retry(self, message: OutboxMessage, lane: Lane, delay: float, error: str) -> None:
        not_before = self._utc() + dt.timedelta(seconds=delay)
        if await self._record(storage.mark_retry, message.id, not_before, error):
            self.counts.retried += 1
            self._lanes.hold(lane, message.id, delay, self._limits.hold_grace)
            if not self._stop.is_set():
                self._claims.wake_at(delay)
            log.debug("outbox %d: retry in %.2f s (attempt %d, %s)", message.id, delay,
                      message.attempts, error.split(":", 1)[0])  # fmt: skip

    async def fail(self, message: OutboxMessage, error: str, *, deactivate: bool = False) -> bool:
        """Mark the row failed; False if it was gone already."""
        self.parts_done.pop(message.id, None)
        done = await self._record(_mark_failed, message.id, error)
        if done:
            self.counts.failed += 1
            log.info("outbox %d to chat %d failed (%s)", message.id, message.chat_id,
                     error.split(":", 1)[0])  # fmt: skip
        if deactivate:
            self.counts.blocked += 1
            if await self._record(_deactivate_recipient, message.chat_id):
                log.info("outbox: chat %d blocked the bot", message.chat_id)
        if done and self._on_give_up is not None and await self._record(self._on_give_up, message):
            self._claims.wake()  # e.g. the runner is told their coach's alert did not go out
        return done

    async def _record(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Write an outcome; False (logged) if the row or runner is gone (e.g. /delete), or
        if `fn` returned False."""
        try:
            result = await self._store.run(fn, *args)
        except LookupError:
            log.info("outbox: %s(%s): row gone", fn.__name__, args[0])
            return False
        except Exception:
            log.exception("outbox: %s(%s) failed", getattr(fn, "__name__", fn), args[0])
            return False
        return result is not False

    def _describe(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}"
        if self._token:
            text = text.replace(self._token, "<token>")
        return text[:ERROR_LIMIT]


def mark_sent_and_wipe(db: Any, message_id: int) -> None:
    if storage.mark_sent(db, message_id):  # about someone deleted: the row went, its bytes too
        storage.wipe_free_space(db)


def _mark_failed(db: Any, message_id: int, error: str) -> None:
    if storage.mark_failed(db, message_id, error):
        storage.wipe_free_space(db)


def _deactivate_recipient(db: Any, chat_id: int) -> bool:
    """The chat blocked the bot: its runner (not the athlete a coach's alert was about)
    gets no more reminders. False if the chat is no runner's (a coach's)."""
    return db.execute(
        "UPDATE runners SET active = 0, updated_at = ? WHERE chat_id = ? AND active = 1",
        [storage.utc_iso(), chat_id],
    ).rowcount > 0
