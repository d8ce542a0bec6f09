"""The real bot killed hard (SIGKILL) at random moments, again and again, while runners check in
(some with red flags for their coach), reminders fan out and the coach acts; restarted on the
same database each time. Nothing acknowledged is lost; duplicates stay within the in-flight bound.

CI runs 12 kills (well under 90 s); `CRASH_KILLS=100` runs 100 (a few minutes), as does
benchmarks/crash.py.
"""

import os

import pytest

from tests.resilience.workload import OUTBOX_CONCURRENCY, crash_scenario, run_scenario

# hard kills of the real bot, again and again: tens of seconds, minutes on a loaded machine
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

KILLS = int(os.environ.get("CRASH_KILLS", "12"))


async def test_hard_kills_lose_nothing_acknowledged(tmp_path):
    report = await run_scenario(tmp_path, crash_scenario(KILLS))
    print(f"\ncrash: {report.json_line()}")
    problems = "\n".join(report.errors + report.details)
    assert not report.errors, problems
    assert report.kills == KILLS
    assert report.checkins_done == report.checkins, problems
    # an answer is acknowledged when the bot asked the next question or gave the decision;
    # every acknowledged answer is in the stored check-in (or the draft), as given
    assert report.answers_acked > 0
    assert report.answers_lost == 0, problems
    assert report.answers_inconsistent == 0, problems
    assert report.regressions == 0, problems
    # every red-flag decision's alert reached the coach; every due runner got the reminder;
    # every coach action acknowledged reached its runner
    assert report.alerts > 0 and report.alerts_lost == 0, problems
    assert report.reminders_lost == 0, problems
    assert report.notices > 0 and report.notices_lost == 0 and report.coach_actions_lost == 0, (
        problems
    )
    assert set(report.outbox) == {"sent"}, report.outbox
    # A duplicate can only be a message in flight at a kill: the sandbox took the sendMessage
    # but the process died before `mark_sent` committed, so the next start requeues the row
    # (`requeue_stuck_sending`). Reminder claims and alert rows are written in the same
    # transaction as their outbox row, so they are never queued twice. The sender has at most
    # OUTBOX_CONCURRENCY (16) requests in flight, hence at most that many per kill.
    assert report.duplicates <= report.kills * OUTBOX_CONCURRENCY, report.json_line()
