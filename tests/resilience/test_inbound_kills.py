"""kill -9 with inbound updates in flight, in webhook and in polling mode: every update
Telegram counts as delivered is handled once, in order per person (tests/resilience/inbound.py;
benchmarks/crash.py runs more rounds)."""

import pytest

from bot.app import HANDLING_AT_ONCE
from tests.resilience.inbound import run_inbound


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_a_kill_with_updates_in_flight_loses_none_and_doubles_none(tmp_path, mode):
    report = await run_inbound(tmp_path, mode, rounds=2, users=100)
    print(f"\ninbound {mode}: {report.json_line()}")
    assert report.kills == 2 and report.updates == 600
    # the kills came while updates were acknowledged to Telegram but not yet handled
    assert report.in_flight_at_kill > 0, report.json_line()
    assert report.lost == 0, report.details
    # no update marked handled before the kill was answered again after it
    assert report.handled_twice == 0, report.details
    # The one repeat no bot can rule out (see inbound.py): a reply Telegram had taken whose
    # answer the bot had not read when it died. Every repeat is one of those, never a reply
    # whose answer had been read (the journal) nor one of a finished update.
    assert report.answered_twice == report.answered_in_flight, report.details
    assert report.answered_in_flight <= report.replies_unread_at_kill, report.json_line()
    # at most one per handler running at the kill (or ended, not yet marked: a few more)
    assert report.answered_in_flight <= report.kills * HANDLING_AT_ONCE * 2, report.json_line()
    assert report.out_of_order == 0, report.details
