"""The outbox sender against Telegram's rate limits and injected faults (5xx, slow answers,
dropped connections, 429): nothing is lost, flood control is honoured. In virtual time; the
sandbox's rate limits count in it too."""

from __future__ import annotations

import pytest

from bot.sandbox import Faults, RateLimits
from tests.outbox.conftest import queue, rows

# PTB 22 warns when RetryAfter is built; pytest would show it despite bot.outbox's filter.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)

# A 429 pauses its chat for at least 1 s (the sandbox never answers retry_after < 1); 429s
# on several chats at once pause everything (bot/flood.py).
MIN_RETRY_AFTER = 1.0
# Calls already on the wire when a 429 arrived may still land just after it.
IN_FLIGHT_GRACE = 0.1


def calls_inside_429_windows(sandbox, bot) -> list[tuple[float, float]]:
    """(429 time, call start) of every send to the same chat that started within
    retry_after after that chat's 429, beyond the in-flight grace. The sandbox logs a call
    when it answers; when each started, the bot's request knows (virtual_time.Started)."""
    limited = [(c.at, c.chat_id) for c in sandbox.calls("sendMessage") if c.status == 429]
    starts = [(s.at, int(s.chat_id)) for s in bot.request.started if s.method == "sendMessage"]
    return [
        (t, start)
        for t, chat in limited
        for start, other in starts
        if other == chat and t + IN_FLIGHT_GRACE < start < t + MIN_RETRY_AFTER
    ]


@pytest.mark.parametrize(
    "sandbox_options",
    [{"rate_limits": RateLimits(enabled=True, per_second=20, per_chat_interval=0.1)}],
)
async def test_telegram_limits_are_honoured_and_nothing_is_lost(sandbox, store, make_sender, bot):
    chats = [c for c in range(1, 21) for _ in range(2)]  # 20 chats, 2 messages each
    ids = await queue(store, sandbox, chats)
    sender = make_sender(rate_per_s=60, per_chat_interval_s=0.02, max_concurrency=8)
    await sender.start()
    assert await sender.drain(10)

    for chat in range(1, 21):
        assert [m.text for m in sandbox.user(chat).messages] == [
            f"m{i} to {chat}" for i, c in enumerate(chats) if c == chat
        ]
    assert {m.status for m in await rows(store, ids)} == {"sent"}
    limited = sandbox.calls("sendMessage", "rate_limited")
    assert limited, "the sender was meant to go faster than the sandbox allows"
    assert sender.counts.rate_limited == len(limited)
    assert calls_inside_429_windows(sandbox, bot) == []


@pytest.mark.parametrize("read_timeout", [0.15])
@pytest.mark.parametrize(
    "sandbox_options",
    [
        {
            "faults": Faults(
                error_rate=0.03,
                slow_rate=0.025,
                drop_rate=0.025,
                retry_after_rate=0.02,
                retry_after=1,
                slow_delay=0.4,
                seed=11,
            )
        }
    ],
)
async def test_ten_percent_faults_lose_nothing(sandbox, store, make_sender, bot):
    chats = list(range(1, 81))
    ids = await queue(store, sandbox, chats)
    sender = make_sender(rate_per_s=200, max_concurrency=16)
    await sender.start()
    assert await sender.drain(10)
    await sandbox.wait_answered(timeout=3)  # slow answers land after the client gave up

    assert {m.status for m in await rows(store, ids)} == {"sent"}
    counts = {chat: len(sandbox.user(chat).messages) for chat in chats}
    assert min(counts.values()) == 1  # every message delivered
    slow_chats = {c.chat_id for c in sandbox.calls("sendMessage", "slow")}
    duplicated = {chat for chat, n in counts.items() if n > 1}
    assert duplicated <= slow_chats  # duplicates come only from answers too slow to wait for
    outcomes = sandbox.stats()["by_outcome"]
    faults = {k: outcomes.get(k, 0) for k in ("error_5xx", "slow", "drop", "retry_after")}
    assert all(faults.values()), faults  # every kind of fault happened
    assert calls_inside_429_windows(sandbox, bot) == []
    print(
        f"\nfaults {faults}; duplicates {sum(counts.values()) - len(chats)} "
        f"(chats {sorted(duplicated)}); sender {sender.health()}"
    )
