"""Flood control per chat with the real bot (issue 15, point 4): Telegram holds one coach's
chat for ten minutes; an urgent alert to another coach still goes out at once."""

import time

import pytest

from bot.scheduler import run_tick
from bot.services import services
from tests.e2e.harness import answer_checkin
from tests.e2e.test_coach import coach_with_code, linked_runner

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)


async def test_a_600_s_429_on_one_coach_does_not_delay_an_urgent_alert_to_another(sandbox, bot, clock):
    kay, kay_code = await coach_with_code(sandbox, 9001, "Kay")
    bea, bea_question = await linked_runner(sandbox, kay, kay_code, 6201, "Bea")
    await answer_checkin(bea, bea_question)
    lou, lou_code = await coach_with_code(sandbox, 9002, "Lou")
    ann, ann_question = await linked_runner(sandbox, lou, lou_code, 6202, "Ann")

    # Monday 08:05 UTC: the weekly digests; Telegram answers Kay's with retry_after=600
    sandbox.faults.fail_chat(kay.id, "retry_after", count=1, retry_after=600)
    clock.advance(hours=2, minutes=5)
    await run_tick(bot.app)
    assert (await lou.wait_for_message(timeout=15)).caption.startswith("Weekly digest")
    assert [c.outcome for c in sandbox.calls("sendPhoto") if c.chat_id == kay.id][-1] == "retry_after"

    started = time.monotonic()
    stop, _ = await answer_checkin(ann, ann_question, night_pain="Yes")
    assert "clinician" in stop.text
    alert = await lou.wait_for_message(timeout=30)
    delay = time.monotonic() - started
    assert "urgent" in alert.text.lower() and "Ann" in alert.text
    assert delay < 30
    sender = services(bot.app).outbox.health()
    assert sender["chats_paused"] == 1 and sender["paused_s"] == 0  # Kay's chat only
    assert not any("Weekly digest" in (m.caption or "") for m in kay.messages)  # still held
    print(f"\nurgent alert to Lou {delay * 1000:.0f} ms after Ann's last answer, while Kay's chat "
          f"waits out a 600 s 429")
