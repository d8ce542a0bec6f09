"""A sandbox Bot API server per test; the bots under test run as subprocesses."""

import pytest

from bot.sandbox import Sandbox


@pytest.fixture
async def sandbox():
    async with Sandbox() as sb:
        yield sb
