"""Six weeks of a low-risk runner, the clock moved day by day: W1 into run/walk, with the taps
a green morning costs (issue 16: ≤ 5 after a non-loading day, ≤ 7 after a loading day, weekly
questions +1 each) and the milestones the bot promised "at the earliest" coming true."""

import re

import pytest

from tests.e2e.harness import answer_checkin, reply
from tests.e2e.test_runner_loop import onboard

DAYS = 42
LOADED = "session"  # the question only asked after a loading day
WEEKLY = ("weight_kg", "missed_cycles")


@pytest.mark.slow
async def test_six_weeks_from_walking_into_run_walk(sandbox, bot, clock):
    ann, question = await onboard(sandbox, 6001, "Ann")
    taps: list[tuple[str, int, list[str]]] = []
    stages: list[str] = []
    promised = None
    for day in range(DAYS):
        if day:
            clock.advance(days=1)
            question = await reply(ann, "/checkin")
        decision, asked = await answer_checkin(ann, question)
        assert not decision.text.startswith("🛑"), decision.text
        kind = "after a loading day" if LOADED in asked else "after a non-loading day"
        weekly = sum(q in asked for q in WEEKLY)
        taps.append((kind, weekly, asked))
        stage = re.search(r"📍 ([^—]+) —", decision.text).group(1).strip()
        stages.append(stage)
        if promised is None:
            found = re.search(r"first run/walk (\w{3} \d+ \w{3})", decision.text)
            promised = found.group(1) if found else None
        if day == 0:
            assert "at the earliest" in decision.text.lower() and "Typical for this injury" in decision.text
    for kind, weekly, asked in taps:
        limit = (7 if kind == "after a loading day" else 5) + weekly
        assert len(asked) <= limit, (kind, asked)
    green = [len(a) for k, w, a in taps if k == "after a non-loading day" and not w]
    loaded = [len(a) for k, w, a in taps if k == "after a loading day" and not w]
    assert green and loaded and max(green) <= 5 and max(loaded) <= 7
    print(f"\ntaps: green morning after a non-loading day {sorted(set(green))}, after a loading "
          f"day {sorted(set(loaded))}, weekly questions add {sorted({w for _, w, _ in taps if w})}")
    print("stages:", " → ".join(dict.fromkeys(stages)))
    # W1 → W6 daily, readiness, then run/walk; six clean weeks reach the end of run/walk
    assert stages[0] == "Walk 1 of 6" and "Readiness tests" in stages
    first_rw = stages.index("Run/walk 1 of 8")
    assert first_rw == 7 and stages[-1] in ("Run/walk 8 of 8", "Continuous run 1 of 6")
    # the first morning's promise ("first run/walk <date> at the earliest") is the real date
    real = clock.now.date() - __import__("datetime").timedelta(days=DAYS - 1 - first_rw)
    assert promised == f"{real:%a} {real.day} {real:%b}"
    plan = await reply(ann, "/plan")
    assert "✓ Walk — brisk walks" in plan.text and "▶ " in plan.text and "· Build" in plan.text
    print(plan.text)
