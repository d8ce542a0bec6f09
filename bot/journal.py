"""Replies once across a kill: the Bot API calls an update's handler made are journaled.

The inbox (bot/inbox.py) runs a handler again at the next start when the process died before
it finished. Its state changes are written to be repeated (answers stored per question,
actions idempotent per target and moment), but its messages were not: Telegram has no
idempotency key for sendMessage, so a /help answered just before the kill was answered again
after the restart (benchmarks/crash.py counted 10–30 such repeats per kill).

So while an update is being handled (`HANDLING` holds its `Journal`), every call of its
handler that puts something new in a chat (sendMessage, sendPhoto, … copy and forward) is
written to storage (`inbox_replies`) the moment Telegram's answer arrives, keyed by a
fingerprint of the call: the method and its parameters. A handler run again takes the stored
result of a call with the same fingerprint instead of making it — the same message id for the
same message — and calls Telegram only for what the first run had not done. The other calls
are not journaled, because making them again shows nothing new: an edit to the text a message
already has is refused as "not modified" (a press re-applied on a form that has moved on turns
its message into the question it already shows), and a press already answered cannot be
answered again. So a check-in answer by button, the hot path, journals nothing.

What no journal can cover is a call whose answer was on its way back at the kill: Telegram
has the message, the journal does not. The bot writes the entry before anything else runs
on that answer, so that window is the time an answer waits for the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.transport import BotApiRequest

log = logging.getLogger(__name__)

# the calls that put something new in a chat: a second one would be seen twice
NEW_IN_CHAT = ("send", "copyMessage", "forwardMessage")
NOT_NEW = frozenset({"sendChatAction"})  # "typing…": gone by itself, nothing stays


def journaled(method: str) -> bool:
    return method.startswith(NEW_IN_CHAT) and method not in NOT_NEW

Recorder = Callable[[int, int, str], Awaitable[None]]  # (update_id, n, JSON [fingerprint, result])


class Journal:
    """The calls one update's handler has made, in this run and in runs cut short before."""

    __slots__ = ("update_id", "_earlier", "count")

    def __init__(self, update_id: int, earlier: list | None = None) -> None:
        self.update_id = update_id
        self._earlier: dict[str, deque] = {}
        for key, result in earlier or ():
            self._earlier.setdefault(key, deque()).append(result)
        self.count = len(earlier or ())  # calls journaled for this update, over all runs

    def next_index(self) -> int:
        """The number of the next call to journal."""
        self.count += 1
        return self.count - 1

    def take(self, key: str) -> tuple[bool, Any]:
        """(True, result) for a call an earlier run made and this run has not taken yet."""
        results = self._earlier.get(key)
        if not results:
            return False, None
        return True, results.popleft()


HANDLING: ContextVar[Journal | None] = ContextVar("stridecoach_handling", default=None)


def fingerprint(method: str, data: RequestData | None) -> str:
    """What makes two calls the same call: the method and every parameter (as the plain
    values PTB sends them as JSON; their repr, which is cheaper than encoding them again)."""
    params = data.parameters if data is not None else {}
    blob = repr(sorted(params.items()))
    return f"{method}:{hashlib.blake2b(blob.encode(), digest_size=12).hexdigest()}"


class JournaledRequest(BotApiRequest):
    """The bot's HTTP layer, journaling the calls made while an update is being handled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder: Recorder | None = None  # set by the inbox
        self.taken = 0  # calls not made again: a run cut short by a kill had made them

    async def post(self, url: str, request_data: RequestData | None = None,
                   read_timeout: Any = BaseRequest.DEFAULT_NONE,
                   write_timeout: Any = BaseRequest.DEFAULT_NONE,
                   connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                   pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> Any:  # fmt: skip
        journal = HANDLING.get()
        method = url.rpartition("/")[2]
        if journal is None or self.recorder is None or not journaled(method):
            return await super().post(url, request_data, read_timeout, write_timeout,
                                      connect_timeout, pool_timeout)  # fmt: skip
        key = fingerprint(method, request_data)
        found, result = journal.take(key)
        if found:
            self.taken += 1
            return result
        result = await super().post(url, request_data, read_timeout, write_timeout,
                                    connect_timeout, pool_timeout)  # fmt: skip
        try:  # first thing on Telegram's answer: the window for a repeat is this await
            entry = json.dumps([key, result], ensure_ascii=False)
            await self.recorder(journal.update_id, journal.next_index(), entry)
        except Exception:  # noqa: BLE001 - sent all the same; only a re-run could repeat it
            log.warning("journal: could not record a %s for update %d", method,
                        journal.update_id, exc_info=True)  # fmt: skip
        return result
