"""/healthz tells the truth (issue 15, point 3), with the real bot over the sandbox: 503 and
the reason when the disk is full, when a page of the database is damaged, when the sender is
failing or paused for long; start-up refuses an empty or malformed database file."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot import health
from bot.services import services
from tests.e2e.harness import BotUnderTest, answer_checkin, reply
from tests.e2e.test_runner_loop import onboard

SORRY = "Sorry — something went wrong on my side"


async def serve_health(app) -> tuple[web.AppRunner, str]:
    web_app = web.Application()
    health.add_routes(web_app, app)
    runner = await health.start_server(web_app, "127.0.0.1", 0)
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"


async def get_health(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


def fill_the_disk(db) -> None:
    """A full disk, as SQLite meets it: no new page can be added (SQLITE_FULL)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


async def test_a_full_disk_makes_healthz_503_with_the_reason(sandbox, bot, clock):
    runner, url = await serve_health(bot.app)
    try:
        ann, question = await onboard(sandbox, 6101, "Ann")
        assert (await get_health(url))[0] == 200
        store = services(bot.app).store
        await store.run(fill_the_disk)
        for db in store._loop_dbs.values():  # the loop's own connections meet the same disk
            fill_the_disk(db)
        await store.apart(fill_the_disk)  # and so does the decision worker's
        # answers are refused with "Sorry…" once a write needs a new page
        replies = []
        for day in range(6):
            if day:
                clock.advance(days=1)
                question = await reply(ann, "/checkin")
                if SORRY in (question.text or ""):
                    replies.append(question.text)
                    break
            last, _ = await answer_checkin(ann, question)
            replies.append(last.text)
            if SORRY in (last.text or ""):
                break
        assert any(SORRY in (text or "") for text in replies), replies
        status, body = await get_health(url)
        assert status == 503 and body["status"] == "unhealthy"
        assert any("database write failed" in p and "SQLITE_FULL" in p for p in body["problems"]), body
        assert any("the last update failed" in p for p in body["problems"]), body
    finally:
        await runner.cleanup()


def zero_page(path: str, table: str) -> None:
    """Overwrite the first page of `table` with zeros, as a failing disk might."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\0" * page_size)


async def test_a_damaged_page_makes_healthz_503(sandbox, tmp_path, clock):
    path = str(tmp_path / "bot.db")
    first = BotUnderTest(sandbox, path, clock)
    await first.start()
    ann, question = await onboard(sandbox, 6102, "Ann")
    await answer_checkin(ann, question)
    await first.stop()
    zero_page(path, "outbox_due")  # the index every claim of the sender reads

    second = BotUnderTest(sandbox, path, clock)
    await second.start()  # it starts (runners may still be served) but says it is unwell
    runner, url = await serve_health(second.app)
    try:
        status, body = await get_health(url)
        assert status == 503
        assert any("integrity check at start-up failed" in p for p in body["problems"]), body
        sender = services(second.app).outbox
        sender.wake()
        for _ in range(50):  # the sender's claim meets the damaged page
            if sender.health()["loop_errors"]:
                break
            await __import__("asyncio").sleep(0.05)
        status, body = await get_health(url)
        assert status == 503
        assert any("outbox sender failed" in p for p in body["problems"]), body
        assert any("database write failed" in p and "CORRUPT" in p for p in body["problems"]), body
    finally:
        await runner.cleanup()
        await second.stop()


def run_cli(db_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIDECOACH_")}
    env.update(STRIDECOACH_TOKEN="123:x", STRIDECOACH_DB=str(db_path),
               STRIDECOACH_BOT_API_URL="http://127.0.0.1:9/bot")  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=db_path.parent,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "is empty (0 bytes)"), (b"not a database at all\n" * 100, "is not an SQLite database")],
)
def test_start_up_refuses_an_empty_or_malformed_file(tmp_path, content, says):
    db_path = tmp_path / "bot.db"
    db_path.write_bytes(content)
    done = run_cli(db_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert says in lines[0] and "stridecoach db backup" in lines[0]
    assert db_path.read_bytes() == content  # left as it was, for the operator


def test_start_up_refuses_a_file_whose_schema_cannot_be_read(tmp_path):
    db_path = tmp_path / "bot.db"
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # page 1 (the schema) garbled after the header
    db_path.write_bytes(bytes(data))
    done = run_cli(db_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot be read" in lines[0], done.stderr
