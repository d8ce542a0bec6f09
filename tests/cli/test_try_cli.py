"""`stridecoach try`: a person typing in the terminal sees every question, including the
ones a button answer brings up by editing the question's message."""

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # drives stridecoach try in a subprocess

ROOT = Path(__file__).resolve().parents[2]


async def read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> str:
    """Read output lines until one contains `marker`; everything read is kept in `seen`."""
    async with asyncio.timeout(30):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"output ended before {marker!r}:\n{''.join(seen)}")
            seen.append(line)
            if marker in line:
                return "".join(seen)


async def test_try_shows_the_question_a_button_answer_brings_up(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("STRIDECOACH_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "try", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    seen: list[str] = []
    try:
        await read_until(proc.stdout, "Type /start to begin", seen)
        proc.stdin.write(b"/start\n")
        await read_until(proc.stdout, "I agree", seen)  # the consent question, as choice [1]
        proc.stdin.write(b"1\n")
        out = await read_until(proc.stdout, "Heel", seen)  # the next question's choices
        assert "bot (edited):" in out and "✓ I agree" in out
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        async with asyncio.timeout(30):
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert (tmp_path / "stridecoach-try.db").exists()
