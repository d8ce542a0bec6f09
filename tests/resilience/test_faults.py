"""10 % of Bot API calls fail — 429 with retry_after, 5xx, answers slower than the bot's read
timeout (which still take effect), dropped connections — on sends, edits, callback answers and
getUpdates, from a fixed seed. Runners resend like people when no reply comes. Still every
check-in completes with the answers as given, and every reminder, coach alert and coach notice
is delivered at least once; duplicates are counted."""

import pytest

from bot.sandbox import Faults
from tests.resilience.workload import FAULT_OUTCOMES, Scenario, run_scenario

# a mixed workload under 10 % faults: tens of seconds, minutes on a loaded machine
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

READ_TIMEOUT = 5.0  # PTB's default, which the bot keeps


class CallFaults(Faults):
    """The sandbox's faults on answerCallbackQuery too (it covers sends, edits, getUpdates)."""

    def applies_to(self, method: str) -> bool:
        return super().applies_to(method) or method == "answercallbackquery"


def ten_percent(seed: int) -> CallFaults:
    return CallFaults(error_rate=0.03, slow_rate=0.02, drop_rate=0.025, retry_after_rate=0.025,
                      retry_after=1, slow_delay=READ_TIMEOUT + 0.5, include_get_updates=True,
                      seed=seed)  # fmt: skip


async def test_ten_percent_faults_lose_nothing(tmp_path):
    faults = ten_percent(seed=2024)
    scenario = Scenario(kills=0, checkin_runners=8, red_every=3, reminder_runners=40, holds=2,
                        patience=READ_TIMEOUT + 2, faults=faults, final_timeout=50,
                        settle=faults.slow_delay + 0.5)  # fmt: skip
    report = await run_scenario(tmp_path, scenario)
    print(f"\nfaults: {report.json_line()}")
    problems = "\n".join(report.errors + report.details)
    assert not report.errors, problems
    assert all(report.faults.get(kind) for kind in FAULT_OUTCOMES), report.faults
    hit = report.faults_by_method
    assert all(
        hit.get(m) for m in ("getUpdates", "sendMessage", "editMessageText", "answerCallbackQuery")
    ), hit
    assert report.checkins_done == report.checkins, problems
    assert report.answers_acked > 0 and report.answers_lost == 0, problems
    assert report.answers_inconsistent == 0, problems  # the form stays as the runner gave it
    assert report.alerts > 0 and report.alerts_lost == 0, problems
    assert report.reminders_lost == 0, problems
    assert report.notices > 0 and report.notices_lost == 0 and report.coach_actions_lost == 0, (
        problems
    )
    assert set(report.outbox) == {"sent"}, report.outbox
