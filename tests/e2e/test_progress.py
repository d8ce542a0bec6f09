"""Seeing progress and owning your data, through the sandbox: plan, chart, history, export,
delete (with an SQL sweep afterwards)."""

import csv
import io
import sqlite3

from bot.services import services
from tests.e2e.harness import answer_checkin, reply, tap
from tests.e2e.test_coach import coach_with_code, linked_runner


async def two_days(sandbox, bot, clock, user_id: int, name: str):
    from tests.e2e.test_runner_loop import onboard

    user, question = await onboard(sandbox, user_id, name)
    await answer_checkin(user, question, calcium_mg="type:1200 mg")
    clock.advance(days=1)
    await answer_checkin(user, await reply(user, "/checkin"), pain_morning="1")
    return user


async def test_plan_history_and_chart(sandbox, bot, clock):
    ann = await two_days(sandbox, bot, clock, 5001, "Ann")
    plan = await reply(ann, "/plan")
    assert plan.text.startswith("Your next 7 days") and "Europe/Berlin" in plan.text
    assert "if every day stays clear" in plan.text and "Next:" in plan.text
    history = await reply(ann, "/history")
    assert history.entities and history.entities[0]["type"] == "pre"
    assert "03-02" in history.text and "03-03" in history.text
    await ann.send("/progress")
    chart = await ann.wait_for_message(timeout=10)
    assert chart.photo_bytes.startswith(b"\x89PNG") and "last 8 weeks" in chart.caption
    await ann.send("/progress all")
    chart = await ann.wait_for_message(timeout=10)
    assert "everything so far" in chart.caption


async def test_export_sends_three_csv_files(sandbox, bot, clock):
    ben = await two_days(sandbox, bot, clock, 5002, "Ben")
    intro = await reply(ben, "/export")
    assert "CSV" in intro.text
    files = {}
    for _ in range(3):
        doc = await ben.wait_for_message(timeout=15)
        files[doc.document_name] = doc.document_bytes.decode("utf-8")
    assert set(files) == {"checkins.csv", "decisions.csv", "coach_actions.csv"}
    rows = list(csv.DictReader(io.StringIO(files["checkins.csv"])))
    assert [r["date"] for r in rows] == ["2026-03-02", "2026-03-03"]
    assert rows[0]["calcium_mg"].startswith("1200") and rows[1]["pain_morning"] == "1"
    decisions = list(csv.DictReader(io.StringIO(files["decisions.csv"])))
    assert decisions[1]["action"] == "regress" and "SB2" in decisions[1]["rules"]


async def test_delete_removes_every_row_about_the_runner(sandbox, bot, clock):
    coach, code = await coach_with_code(sandbox)
    cat, question = await linked_runner(sandbox, coach, code, 5003, "Cat")
    await answer_checkin(cat, question, night_pain="Yes")  # an alert, outbox rows, events
    await coach.wait_for_message(timeout=15)
    await reply(cat, "/pause")
    await reply(cat, "/checkin")  # a draft in progress
    explained = await reply(cat, "/delete")
    assert "cannot be undone" in explained.text and "/export" in explained.text
    done = await tap(cat, "Delete everything")
    assert "everything about you is deleted" in done.text
    assert "Cat has left" in (await coach.wait_for_message(timeout=15)).text
    # the notice names her until it is sent; once sent, its row goes too
    assert await services(bot.app).outbox.drain(10)
    db = sqlite3.connect(bot.db)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    leftovers = []
    for table in tables:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        for column in columns:
            hits = db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ? OR {column} = ?",
                              [5003, "5003"]).fetchone()[0]  # fmt: skip
            if hits:
                leftovers.append((table, column, hits))
    db.close()
    assert leftovers == []
    again = await reply(cat, "/today")
    assert "/start" in again.text


async def test_delete_can_be_declined(sandbox, bot, clock):
    dan = await two_days(sandbox, bot, clock, 5004, "Dan")
    await reply(dan, "/delete")
    kept = await tap(dan, "Keep my data")
    assert "Nothing was deleted" in kept.text
    assert "Your next 7 days" in (await reply(dan, "/plan")).text


async def test_an_old_delete_button_expires_and_deletes_nothing(sandbox, bot, clock):
    eve = await two_days(sandbox, bot, clock, 5005, "Eve")
    confirm = await reply(eve, "/delete")
    clock.advance(minutes=11)  # e.g. the message scrolled up and was tapped by chance later
    query_id = await eve.press("Delete everything", confirm)
    answer = await eve.wait_for_answer(query_id)
    assert "expired" in answer.text and "nothing was deleted" in answer.text
    assert "Your next 7 days" in (await reply(eve, "/plan")).text  # the data is still there
    await reply(eve, "/delete")
    done = await tap(eve, "Delete everything")  # a fresh one works
    assert "everything about you is deleted" in done.text


async def test_a_forged_delete_confirmation_deletes_nothing(sandbox, bot, clock):
    fay = await two_days(sandbox, bot, clock, 5006, "Fay")
    message = await reply(fay, "/delete")
    for forged in ("del:confirm", "del:confirm:abc", f"del:confirm:{10**30}"):
        answer = await fay.wait_for_answer(await fay.press_data(forged, message))
        assert "nothing was deleted" in answer.text
    assert "Your next 7 days" in (await reply(fay, "/plan")).text
