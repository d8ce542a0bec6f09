"""Delete means gone (issue 15, point 2), through the sandbox: a runner who was also a coach
presses "Delete everything"; afterwards no table and no byte of the database file (nor its
write-ahead log) holds their id or their name, their invite link is dead, and the other
people keep their own data."""

import datetime as dt
import sqlite3
from pathlib import Path

from bot.scheduler import run_tick
from bot.services import services
from tests.e2e.harness import answer_checkin, reply, tap
from tests.e2e.test_coach import coach_with_code, linked_runner

ZEPH = 7_777_123_456  # distinctive, so a text search finds only real mentions
NAME = "Zephyrine"
OLWEN = 7_777_654_321


def mentions(db_path: str, needle_id: int, needle_name: str) -> list[tuple[str, str, int]]:
    """Every (table, column, rows) whose value equals the id or contains it or the name."""
    db = sqlite3.connect(db_path)
    found = []
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]:
                hits = db.execute(
                    f'''SELECT count(*) FROM "{table}" WHERE "{column}" = ?
                        OR CAST("{column}" AS TEXT) LIKE ? OR CAST("{column}" AS TEXT) LIKE ?''',
                    [needle_id, f"%{needle_id}%", f"%{needle_name}%"],
                ).fetchone()[0]
                if hits:
                    found.append((table, column, hits))
    finally:
        db.close()
    return found


def raw_hits(db_path: str, *needles: bytes) -> dict[str, list[bytes]]:
    """Which needles occur in the raw bytes of the database file and its -wal / -journal."""
    hits = {}
    for suffix in ("", "-wal", "-journal"):
        path = Path(db_path + suffix)
        if path.exists():
            data = path.read_bytes()
            found = [n for n in needles if n in data]
            if found:
                hits[path.name] = found
    return hits


async def test_delete_leaves_no_row_and_no_byte_of_a_runner_who_was_also_a_coach(sandbox, bot, clock):
    kay, kay_code = await coach_with_code(sandbox)
    zeph, question = await linked_runner(sandbox, kay, kay_code, ZEPH, NAME)
    # Zephyrine coaches too: she signs up, and Olwen links to her
    await reply(zeph, "/coach")  # a runner is asked first (issue 17)
    invite = await tap(zeph, "Yes, set me up as a coach")
    zeph_code = invite.text.split("start=c_")[1].split()[0]
    olwen, olwen_question = await linked_runner(sandbox, zeph, zeph_code, OLWEN, "Olwen")
    await answer_checkin(olwen, olwen_question, night_pain="Yes")  # an alert to Zephyrine
    await zeph.wait_for_message(timeout=15)
    await answer_checkin(zeph, question, night_pain="Yes")  # an alert about her to Kay
    assert "urgent" in (await kay.wait_for_message(timeout=15)).text.lower()
    await reply(zeph, "/settings")  # a form in progress: a draft
    # Monday 08:05 in the coaches' zone (UTC): the weekly digests, which name her
    clock.advance(hours=2, minutes=5)
    await run_tick(bot.app)
    digest = await kay.wait_for_message(timeout=15)  # the squad chart, the text its caption
    assert digest.photo_bytes and digest.caption.startswith("Weekly digest") and NAME in digest.caption
    before = mentions(bot.db, ZEPH, NAME)
    assert {t for t, _, _ in before} >= {
        "runners", "coaches", "coach_links", "checkins", "decisions", "alerts", "outbox",
        "outbox_about", "form_drafts", "audit_log",
    }  # fmt: skip
    assert raw_hits(bot.db, NAME.encode(), str(ZEPH).encode())  # the search can find them

    await zeph.wait_idle()
    zeph.unread()  # her own digest as a coach, naming Olwen
    explained = await reply(zeph, "/delete")
    assert "coach account goes too" in explained.text
    done = await tap(zeph, "Delete everything")
    assert "everything about you is deleted" in done.text
    assert f"{NAME} has left" in (await kay.wait_for_message(timeout=15)).text
    assert await services(bot.app).outbox.drain(10)
    await sandbox.wait_idle(quiet=0.3)

    assert mentions(bot.db, ZEPH, NAME) == []
    assert raw_hits(bot.db, NAME.encode(), str(ZEPH).encode(), zeph_code.encode()) == {}
    # her invite link no longer works; Olwen keeps her own data, unlinked from her
    left = await olwen.wait_for_message(timeout=15)  # her coach is gone: she is told
    assert "has closed their coach account" in left.text
    stranger = sandbox.user(7_777_000_001, first_name="Quinn")
    assert "does not work" in (await reply(stranger, f"/coach {zeph_code}")).text
    assert "Your next 7 days" in (await reply(olwen, "/plan")).text
    db = sqlite3.connect(bot.db)
    assert db.execute("SELECT count(*) FROM checkins WHERE runner_id = ?", [OLWEN]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM alerts WHERE runner_id = ?", [OLWEN]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'runner_deleted'").fetchone()[0] == 1
    db.close()
    secure = await services(bot.app).store.run(lambda d: d.execute("PRAGMA secure_delete").fetchone()[0])
    assert secure == 1


async def test_finished_rows_are_pruned_after_the_retention_period(sandbox, bot, clock):
    kay, code = await coach_with_code(sandbox)
    ana, question = await linked_runner(sandbox, kay, code, 7_777_200_001, "Ana")
    await answer_checkin(ana, question)
    await run_tick(bot.app)  # the first tick of the day prunes (nothing old yet)
    db = sqlite3.connect(bot.db)
    db.execute("INSERT INTO reminder_log (runner_id, kind, local_date, created_at) VALUES (?, ?, ?, ?)",
               [7_777_200_001, "checkin", "2026-01-01", "2026-01-01T06:00:00.000000+00:00"])  # fmt: skip
    db.execute("UPDATE outbox SET created_at = '2026-01-01T06:00:00.000000+00:00' WHERE status = 'sent'")
    db.commit()
    old_rows = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    db.close()
    assert old_rows >= 1
    await run_tick(bot.app)  # same day: no second pass
    db = sqlite3.connect(bot.db)
    assert db.execute("SELECT count(*) FROM reminder_log WHERE local_date = '2026-01-01'").fetchone()[0] == 1
    db.close()
    clock.advance(days=1)
    await run_tick(bot.app)  # the next day's first tick
    db = sqlite3.connect(bot.db)
    assert db.execute("SELECT count(*) FROM reminder_log WHERE local_date = '2026-01-01'").fetchone()[0] == 0
    assert db.execute(
        "SELECT count(*) FROM outbox WHERE created_at < ?", [(clock.now - dt.timedelta(days=30)).isoformat()]
    ).fetchone()[0] == 0
    db.close()
