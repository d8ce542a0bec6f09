"""Fixtures for the sandbox tests: a running Sandbox, and the demo bot polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sandbox_demo import demo_bot, polling
from telegram.ext import Application

from bot.sandbox import Sandbox


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Application]:
    async with polling(demo_bot(sb)) as app:
        yield app
