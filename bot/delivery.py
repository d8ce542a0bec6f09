"""What becomes of an outbox row after a send attempt (bot/outbox.py's delivery rules): sent,
retried after a backoff or a chat's flood-control pause, given up on (attempts, age), or
failed; and the chat lanes the sender keeps. `Outcomes` is a part of `OutboxSender` (it
uses the sender's store, clock, flood control and counters), kept apart to stay small."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

import storage
from dialogs.chat import retry_seconds
from storage import OutboxMessage

log = logging.getLogger("bot.outbox")

ERROR_LIMIT = 500  # characters of an error kept in `last_error`
JITTER = 0.1
EXPIRE_EVERY_S = 5.0  # how often pending rows are checked against their maximum age


@dataclass(eq=False)
class Lane:
    """One chat: its claimed rows in sending order, and when it may send next."""

    queue: list[OutboxMessage] = field(default_factory=list)
    last_done: float = -math.inf  # monotonic end of the last request to this chat
    held: dict[int, tuple[float, float]] = field(default_factory=dict)  # id -> (due, give up)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Outcomes:
    """The outcome half of OutboxSender (see there for the attributes it relies on)."""

    async def _expire_stale(self) -> None:
        """Give up on pending rows past their maximum age (never claimed in time: a chat
        under flood control, an outage). Ages are real time, like `created_at`, whatever
        the sender's clock says."""
        now = dt.datetime.now(dt.UTC)
        stale = await self._store.run(storage.stale_pending, now - dt.timedelta(seconds=self._max_age))
        if self._urgent_max_age < self._max_age:
            urgent = await self._store.run(
                storage.stale_pending, now - dt.timedelta(seconds=self._urgent_max_age),
                self._urgent_priority,
            )  # fmt: skip
            stale += [m for m in urgent if m.id not in {s.id for s in stale}]
        for message in stale:
            if any(message.id in lane.held for lane in self._lanes.values()):
                for lane in self._lanes.values():
                    lane.held.pop(message.id, None)
            await self._give_up(message, f"expired: not delivered within {self._age_limit(message):.0f} s")

    def _age_limit(self, message: OutboxMessage) -> float:
        urgent = message.priority >= self._urgent_priority
        return min(self._max_age, self._urgent_max_age) if urgent else self._max_age

    def _too_old(self, message: OutboxMessage) -> bool:
        age = dt.datetime.now(dt.UTC) - message.created_at  # real time, like `created_at`
        return age.total_seconds() > self._age_limit(message)

    async def _failed_send(self, message: OutboxMessage, lane: Lane, exc: Exception) -> None:
        error = self._describe(exc)
        if isinstance(exc, RetryAfter):
            seconds = retry_seconds(exc)
            self.rate_limited += 1
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
            await self._fail(message, error, deactivate=True)
        elif isinstance(exc, BadRequest):
            await self._fail(message, error, deactivate="chat not found" in str(exc).lower())
        elif isinstance(exc, ChatMigrated):  # groups only; we send to private chats
            await self._fail(message, error)
        else:
            if not isinstance(exc, NetworkError):  # TimedOut is a NetworkError too
                log.warning("outbox %d: unexpected %s", message.id, type(exc).__name__,
                            exc_info=exc)  # fmt: skip
            if reason := self._bounded(message, error):
                await self._give_up(message, reason)
            else:
                await self._retry(message, lane, self._backoff(message.attempts), error)

    async def _release_lane(self, lane: Lane) -> None:
        """The chat is paused: its rows waiting in the lane go back to 'pending' (the claim
        not counted), so they hold no place in the claim window meanwhile."""
        waiting, lane.queue = lane.queue, []
        if not waiting:
            return
        await self._record(storage.release_claimed, [m.id for m in waiting])
        for _ in waiting:
            self._finished_row()

    async def _give_up(self, message: OutboxMessage, error: str) -> None:
        """Too many attempts or too old: failed, logged and counted."""
        log.warning("outbox %d (%s) to chat %d given up: %s", message.id, message.kind,
                    message.chat_id, error.split(":", 1)[0])  # fmt: skip
        if await self._fail(message, error):
            self.expired += 1

    def _bounded(self, message: OutboxMessage, error: str) -> str | None:
        """Why the row may not be retried (attempts used up, too old), or None."""
        if message.attempts >= self._max_attempts:
            return f"gave up after {message.attempts} attempts: {error}"
        if self._too_old(message):
            return f"expired after {message.attempts} attempts: {error}"
        return None

    def _backoff(self, attempts: int) -> float:
        delay = self._backoff_base * 2 ** max(0, attempts - 1)
        delay *= 1 + self._rng.uniform(-JITTER, JITTER)
        return max(0.0, min(self._backoff_max, delay))

    async def _retry(self, message: OutboxMessage, lane: Lane, delay: float, error: str) -> None:
        not_before = self._clock() + dt.timedelta(seconds=delay)
        if await self._record(storage.mark_retry, message.id, not_before, error):
            self.retried += 1
            now = time.monotonic()
            lane.held[message.id] = (now + delay, now + delay + self._hold_grace)
            if not self._stopping:
                self._wake_at(delay)
            log.debug("outbox %d: retry in %.2f s (attempt %d, %s)", message.id, delay,
                      message.attempts, error.split(":", 1)[0])  # fmt: skip

    async def _fail(self, message: OutboxMessage, error: str, *, deactivate: bool = False) -> bool:
        """Mark the row failed; False if it was gone already."""
        self._parts_done.pop(message.id, None)
        done = await self._record(_mark_failed, message.id, error)
        if done:
            self.failed += 1
            log.info("outbox %d to chat %d failed (%s)", message.id, message.chat_id,
                     error.split(":", 1)[0])  # fmt: skip
        if deactivate:
            self.blocked += 1
            if await self._record(_deactivate_recipient, message.chat_id):
                log.info("outbox: chat %d blocked the bot", message.chat_id)
        if done and self._on_give_up is not None and await self._record(self._on_give_up, message):
            self.wake()  # e.g. the runner is told their coach's alert did not go out
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
        token = getattr(self._bot, "token", "")
        if token:
            text = text.replace(token, "<token>")
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
