"""Fixtures for the outbox sender tests: virtual time (tests/outbox/virtual_time.py), a
sandbox Bot API server on that time, a Bot pointed at it over real HTTP, a fresh database,
and a factory of fast senders on that time that are stopped afterwards."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Bot

import storage
from bot.outbox import OutboxSender
from bot.outbox_limits import OutboxLimits
from bot.sandbox import Sandbox
from tests.outbox.virtual_time import CountingRequest, CountingStore, VirtualTime

TOKEN = "123456:OUTBOX-TEST-TOKEN"

# Fast settings for tests: high rate, no per-chat gap, tiny backoffs, quick idle poll.
FAST: dict[str, Any] = {
    "rate_per_s": 1000, "per_chat_interval_s": 0.0, "backoff_base_s": 0.01,
    "backoff_max_s": 0.05, "idle_poll_s": 0.05, "seed": 1,
}  # fmt: skip


def make_bot(sandbox: Sandbox, clock: VirtualTime, read_timeout: float = 5.0) -> Bot:
    request = CountingRequest(clock, connections=64, read_timeout=read_timeout,
                              write_timeout=5, connect_timeout=5, pool_timeout=5)  # fmt: skip
    return Bot(TOKEN, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url,
               request=request)  # fmt: skip


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Override in a test module (or parametrize) to give the sandbox faults/limits."""
    return {}


@pytest.fixture
def read_timeout() -> float:
    return 5.0


@pytest.fixture
async def clock() -> AsyncIterator[VirtualTime]:
    virtual = VirtualTime()
    virtual.start()
    yield virtual
    await virtual.stop()


@pytest.fixture
async def sandbox(sandbox_options, clock) -> AsyncIterator[Sandbox]:
    async with Sandbox(**sandbox_options, clock=clock.wall) as sb:
        yield sb


@pytest.fixture
async def bot(sandbox, clock, read_timeout) -> AsyncIterator[Bot]:
    async with make_bot(sandbox, clock, read_timeout) as b:  # initialize() calls getMe
        yield b


@pytest.fixture
async def store(tmp_path, clock) -> AsyncIterator[CountingStore]:
    s = CountingStore(tmp_path / "x.db", clock)
    await s.run(storage.migrate)
    yield s
    s.close()


@pytest.fixture
async def make_sender(bot, store, clock) -> AsyncIterator[Callable[..., OutboxSender]]:
    created: list[OutboxSender] = []

    limit_names = {f.name for f in dataclasses.fields(OutboxLimits)}

    def factory(**options: Any) -> OutboxSender:
        options = {**FAST, **options}
        limits = OutboxLimits(**{k: v for k, v in options.items() if k in limit_names})
        others = {k: v for k, v in options.items() if k not in limit_names}
        sender = OutboxSender(bot, store, limits, clock=clock.utc, monotonic=clock, **others)
        created.append(sender)
        return sender

    yield factory
    for sender in created:
        await sender.stop(timeout=2)


async def queue(
    store: CountingStore, sandbox: Sandbox, chats, *, texts=None, runners=False, **options: Any
) -> list[int]:
    """Enqueue one message per entry of `chats` (a chat may repeat); its sandbox user and,
    with `runners`, its runner row are created. Texts default to "m<i> to <chat>"; rows are
    due now in virtual time unless `not_before` says otherwise."""
    options.setdefault("not_before", store.clock.utc())

    def write(db) -> list[int]:
        ids = []
        for i, chat in enumerate(chats):
            if runners:
                storage.upsert_runner(db, chat, chat, f"R{chat}")
            text = texts[i] if texts else f"m{i} to {chat}"
            ids.append(
                storage.enqueue(
                    db, chat, "test", {"text": text}, runner_id=chat if runners else None, **options
                )
            )
        return ids

    for chat in chats:
        sandbox.user(chat)
    return await store.run(write)


async def rows(store: storage.Store, ids) -> list[storage.OutboxMessage]:
    return [await store.run(storage.get_message, i) for i in ids]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most timestamps in any half-open window of `window` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best
