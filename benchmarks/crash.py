"""Hard kills: the crash test of tests/resilience/test_crash.py at full size. The real bot (a
subprocess) is killed with SIGKILL at random moments 100 times and restarted on the same
database while runners check in (some with red flags for their coach), reminders fan out in
waves and the coach acts. One JSON line: kills, seconds, answers acknowledged and lost, alerts,
reminders and coach notices lost, duplicates (bounded by kills × the outbox's 16 requests in
flight). Exits 1 if anything was lost.

    .venv/bin/python benchmarks/crash.py [--kills 100] [--seed 7]
"""

import argparse
import asyncio
import dataclasses
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.resilience.workload import OUTBOX_CONCURRENCY, crash_scenario, run_scenario  # noqa: E402


async def main(kills: int, seed: int) -> int:
    # requests cut off by a kill make the sandbox's aiohttp server log "Connection lost"
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    scenario = dataclasses.replace(crash_scenario(kills), seed=seed)
    with tempfile.TemporaryDirectory(prefix="stridecoach-crash-") as workdir:
        report = await run_scenario(Path(workdir), scenario)
    print(report.json_line())
    if report.errors or report.details:
        print("\n".join(report.errors + report.details), file=sys.stderr)
    bounded = report.duplicates <= report.kills * OUTBOX_CONCURRENCY
    complete = report.checkins_done == report.checkins
    return (
        0
        if report.lost == 0
        and report.regressions == 0
        and not report.errors
        and bounded
        and complete
        else 1
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.kills, args.seed)))
