"""Hard kills: the crash test of tests/resilience/test_crash.py at full size. The real bot (a
subprocess) is killed with SIGKILL at random moments 100 times and restarted on the same
database while runners check in (some with red flags for their coach), reminders fan out in
waves and the coach acts. One JSON line: kills, seconds, answers acknowledged and lost, alerts,
reminders and coach notices lost, duplicates (bounded by kills × the outbox's 16 requests in
flight).

Then kills with inbound updates in flight (tests/resilience/inbound.py), `--inbound-rounds`
rounds per mode: 100 people × 3 commands each round, one kill -9 once Telegram counts a random
share of them as delivered (webhook: answered 200 over 40 connections, retried until 200;
polling: confirmed by the getUpdates offset). Counts commands lost, handled twice (answered
again although marked handled before the kill), answered twice (what a person sees), its part
answered_in_flight (a reply Telegram had taken whose answer the bot had not read when it died,
tests/resilience/inbound.py explains why no bot can rule those out) and out of order.
Exits 1 if anything was lost, handled twice, reordered or repeated other than in flight.

    .venv/bin/python benchmarks/crash.py [--kills 100] [--seed 7] [--inbound-rounds 10]
"""

import argparse
import asyncio
import dataclasses
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.resilience.inbound import run_inbound  # noqa: E402
from tests.resilience.workload import OUTBOX_CONCURRENCY, crash_scenario, run_scenario  # noqa: E402


async def inbound(rounds: int, seed: int) -> bool:
    """The inbound kills in both modes; whether nothing was lost, doubled or reordered."""
    good = True
    for mode in ("webhook", "polling"):
        with tempfile.TemporaryDirectory(prefix=f"stridecoach-inbound-{mode}-") as workdir:
            report = await run_inbound(Path(workdir), mode, rounds=rounds, seed=seed)
        print(report.json_line(), flush=True)
        good &= report.lost == 0 and report.handled_twice == 0 and report.out_of_order == 0
        good &= report.answered_twice == report.answered_in_flight
    return good


async def main(kills: int, seed: int, inbound_rounds: int) -> int:
    # requests cut off by a kill make the sandbox's aiohttp server log "Connection lost"
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    inbound_ok = await inbound(inbound_rounds, seed) if inbound_rounds else True
    if not kills:
        return 0 if inbound_ok else 1
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
        if inbound_ok
        and report.lost == 0
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
    parser.add_argument("--inbound-rounds", type=int, default=10,
                        help="kills with inbound updates in flight, per mode (0: none)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.kills, args.seed, args.inbound_rounds)))
