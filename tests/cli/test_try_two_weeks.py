"""examples/try/two-weeks.txt replayed by `stridecoach try --script`: a runner and a coach
over two weeks. Checked by what a reader of the transcript would look for — reminders, a
stop, the coach's alert and resume, a chart saved to a file, the digest — not by exact
sentences (the dialogs' wording may change)."""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "try" / "two-weeks.txt"
SAVED = re.compile(r"picture saved: (\./stridecoach-try-files/\S+\.png)")


@dataclass
class Event:
    when: str  # the last clock mark, e.g. "Fri 13 Mar 2026 07:30 CET"
    person: str
    kind: str  # "typed" or "bot"
    text: str
    unprompted: bool  # a bot message that arrived while the clock moved


def events(transcript: str) -> list[Event]:
    """The transcript as typed lines and bot messages, each with its person and moment."""
    found: list[Event] = []
    when, person, moving = "", "", False
    for line in transcript.splitlines():
        if line.startswith("⏰ "):
            when = line[2:].split("  (moved")[0]
            moving = "(moved" not in line
            continue
        if header := re.match(r"^── (\w+)", line):
            person = header.group(1)
            continue
        if typed := re.match(r"^(\w+)> (.*)$", line):
            person, moving = typed.group(1), False
            found.append(Event(when, person, "typed", typed.group(2), False))
            continue
        if line.startswith("  bot"):
            found.append(Event(when, person, "bot", line.strip(), moving))
        elif line.startswith("  ") and found and found[-1].kind == "bot":
            found[-1].text += "\n" + line.strip()
    return found


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("two-weeks")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("STRIDECOACH_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "try", "--script", str(SCRIPT)], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return proc, events(proc.stdout), cwd


@pytest.mark.slow
def test_the_script_runs_through_without_a_hitch(replay):
    proc, _, _ = replay
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "[log]" not in proc.stdout
    assert "  try: " not in proc.stdout  # every button the script presses was there
    assert "went wrong" not in proc.stdout


@pytest.mark.slow
def test_morning_reminders_arrive_while_the_clock_moves(replay):
    _, found, _ = replay
    reminders = [e for e in found if e.person == "Ann" and e.unprompted and "07:00" in e.when
                 and "#1" in e.text]  # fmt: skip
    days = {e.when.split(" 07:00")[0] for e in reminders}
    assert len(days) >= 10, days


@pytest.mark.slow
def test_a_red_flag_stops_ann_and_alerts_kay_at_once(replay):
    _, found, _ = replay
    # a message to Kay with buttons, brought by a line Ann typed (not by the clock)
    i = next(i for i, e in enumerate(found) if e.person == "Kay" and e.kind == "bot"
             and "Ann" in e.text and "#1" in e.text and not e.unprompted
             and [t for t in found[:i] if t.kind == "typed"][-1].person == "Ann")  # fmt: skip
    alert = found[i]
    assert alert.when.startswith("Fri 13 Mar") and "urgent" in alert.text.lower()
    stop = next(
        e for e in found[i:] if e.person == "Ann" and e.kind == "bot" and "stop" in e.text.lower()
    )
    assert "clinician" in stop.text.lower() and stop.when == alert.when
    resent = [e for e in found[i + 1 :] if e.person == "Kay" and e.unprompted and "Ann" in e.text]
    assert resent and resent[0].when.startswith("Fri 13 Mar 2026 19:3")  # unseen for 12 h


@pytest.mark.slow
def test_kay_resumes_ann_and_her_plan_restarts(replay):
    _, found, _ = replay
    press = next(i for i, e in enumerate(found) if e.person == "Kay" and e.kind == "typed"
                 and "pressed “Resume" in e.text)  # fmt: skip
    told = next(e for e in found[press:] if e.person == "Ann" and e.kind == "bot")
    assert "resume" in told.text.lower()
    later = [
        e
        for e in found[press:]
        if e.person == "Ann" and e.kind == "bot" and e.when.startswith("Sun 15")
    ]
    assert any("resume" in e.text.lower() for e in later)  # the next check-in says so


@pytest.mark.slow
def test_charts_are_saved_to_files(replay):
    proc, found, cwd = replay
    paths = SAVED.findall(proc.stdout)
    assert len(paths) >= 3  # two Sunday summaries for Ann, Kay's /athlete view
    for path in paths:
        data = (cwd / path).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
    summaries = [
        e for e in found if e.person == "Ann" and e.unprompted and "picture saved" in e.text
    ]
    assert {e.when[:10] for e in summaries} == {"Sun 08 Mar", "Sun 15 Mar"}


@pytest.mark.slow
def test_kay_gets_the_monday_digest(replay):
    _, found, _ = replay
    digests = [e for e in found if e.person == "Kay" and e.unprompted and e.when.startswith("Mon")
               and "08:00" in e.when and "Ann" in e.text]  # fmt: skip
    assert {e.when[:10] for e in digests} >= {"Mon 09 Mar", "Mon 16 Mar"}
