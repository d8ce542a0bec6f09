"""benchmarks/load_sandbox.Recorder: the first call's latency, and its split by the bot's own
times (checkin_load.py --trace), from recorded times a test sets by hand."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from load_sandbox import Recorder  # noqa: E402


def recorder() -> Recorder:
    rec = Recorder(sandbox=None)
    # update 1: a press in chat 7 handed out at 10.000; update 2: a message in chat 8 at 10.100
    rec.handed = {1: (10.000, 7, "q1"), 2: (10.100, 8, None)}
    rec.calls[7] += [(10.020, "answercallbackquery", "q0"),  # the previous press's late answer
                     (10.030, "answercallbackquery", "q1"), (10.040, "editmessagetext", None)]
    rec.calls[8] += [(10.160, "sendmessage", None)]
    return rec


def test_first_call_skips_an_earlier_press_answer() -> None:
    timings = recorder().timings(9.0, 11.0)
    assert timings["updates"] == 2 and timings["unanswered"] == 0
    assert timings["first"]["p50"] == 30.0 and timings["first"]["p99"] == 60.0
    assert timings["reply"]["p50"] == 40.0


def test_split_by_the_bots_own_times(tmp_path: Path) -> None:
    trace = tmp_path / "bot.trace"
    rows = [{"got": 10.004, "ids": [1]}, {"got": 10.110, "ids": [2]},
            {"sent": 10.019, "method": "answercallbackquery", "chat": None, "query": "q0"},
            {"sent": 10.027, "method": "answercallbackquery", "chat": None, "query": "q1"},
            {"sent": 10.038, "method": "editmessagetext", "chat": 7, "query": None},
            {"sent": 10.150, "method": "sendmessage", "chat": 8, "query": None}]  # fmt: skip
    trace.write_text("".join(json.dumps(r) + "\n" for r in rows))
    split = recorder().timings(9.0, 11.0, str(trace))["split"]
    assert split["updates"] == 2
    # update 1: handed 10.000, got 10.004, its own answer sent 10.027, read 10.030
    # update 2: handed 10.100, got 10.110, sent 10.150, read 10.160
    assert split["handoff"]["p50"] == 4.0 and split["handoff"]["p99"] == 10.0
    assert split["in_bot"]["p50"] == 23.0 and split["in_bot"]["p99"] == 40.0
    assert split["call_read"]["p50"] == 3.0 and split["call_read"]["p99"] == 10.0
