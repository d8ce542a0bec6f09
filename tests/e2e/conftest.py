"""Fixtures: a sandbox Bot API server and the real bot polling it, on a fresh database."""

import datetime as dt
import statistics

import pytest

from bot.sandbox import Sandbox
from tests.e2e.harness import BotUnderTest, Clock

# A Monday morning, 06:00 UTC (07:00 in Berlin).
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def sandbox():
    async with Sandbox() as sb:
        yield sb


@pytest.fixture
def bot_settings(request) -> dict:
    """Settings over the harness's for `bot`: parametrize it indirectly to change them."""
    return getattr(request, "param", {})


@pytest.fixture
async def bot(sandbox, tmp_path, clock, bot_settings):
    under_test = BotUnderTest(sandbox, str(tmp_path / "bot.db"), clock, settings=bot_settings)
    await under_test.start()
    yield under_test
    await under_test.stop()


def pytest_terminal_summary(terminalreporter):
    """Report the bot-side time per update measured across the end-to-end tests."""
    from tests.e2e.harness import TIMINGS

    if not TIMINGS:
        return
    ms = sorted(t * 1000 for t in TIMINGS)
    p95 = ms[int(len(ms) * 0.95) - 1]
    terminalreporter.write_line(
        f"bot-side time per update: {len(ms)} updates, median {statistics.median(ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
    )
