"""Engine speed: decisions per second with a 60-day history, and a 180-day simulation.

Prints one JSON line. Run: .venv/bin/python benchmarks/engine.py [--repeat N]

Wall-clock figures and CPU-time figures (`time.thread_time`: only the time this thread ran)
are both printed: on a machine shared with other work the CPU figures are the steadier ones.
"""

import argparse
import datetime as dt
import json
import statistics
import time

from protocols import Checkin, Day, Profile, Scenario, decide, simulate

START = dt.date(2026, 3, 2)


def _checkin(day: int, loaded: bool) -> Checkin:
    return Checkin(
        date=START + dt.timedelta(days=day), pain_rest=0, night_pain=False,
        pain_session=0 if loaded else None, pain_morning=0, soreness_hours=4,
        tenderness=False, swelling=False, limp=False, hip_groin_pain=False,
        session_done="full" if loaded else None, sleep_hours=8, calcium_mg=1100, protein_g=100,
    )  # fmt: skip


def _profile() -> Profile:
    return Profile(
        site="tibia_posteromedial", sex="female", age=29, weight_kg=58,
        pre_injury_weekly_minutes=300, walking_cleared=True, running_cleared=True,
        start_stage="W1", start_date=START,
    )  # fmt: skip


def _scenario(days: int) -> Scenario:
    profile = _profile()
    history: list[Day] = []
    for day in range(days):
        loaded = bool(history) and history[-1].decision.session.loading
        checkin = _checkin(day, loaded)
        history.append(Day(checkin, decide(profile, history, checkin)))
    return Scenario(profile=profile, checkins=[d.checkin for d in history])


def decisions_per_second(seconds: float) -> tuple[float, float]:
    """decide() on day 61 with the 60 previous days as history, repeated: (per wall second,
    per CPU second)."""
    scenario = _scenario(61)
    profile = scenario.profile
    history: list[Day] = []
    for checkin in scenario.checkins[:60]:
        history.append(Day(checkin, decide(profile, history, checkin)))
    today = scenario.checkins[60]
    count = 0
    begin, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() - begin < seconds:
        for _ in range(200):
            decide(profile, history, today)
        count += 200
    return count / (time.perf_counter() - begin), count / (time.thread_time() - cpu)


def simulate_ms(days: int) -> tuple[float, float]:
    """One simulation of `days` green days: (wall ms, CPU ms)."""
    scenario = _scenario(days)
    begin, cpu = time.perf_counter(), time.thread_time()
    simulate(scenario)
    return (time.perf_counter() - begin) * 1000, (time.thread_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rates, cpu_rates = zip(*(decisions_per_second(1.0) for _ in range(args.repeat)), strict=True)
    sims, cpu_sims = zip(*(simulate_ms(180) for _ in range(args.repeat)), strict=True)
    print(json.dumps({
        "benchmark": "engine",
        "decisions_per_s_median": round(statistics.median(rates)),
        "decisions_per_s_min": round(min(rates)),
        "decision_us_median": round(1e6 / statistics.median(rates), 1),
        "decisions_per_cpu_s_median": round(statistics.median(cpu_rates)),
        "simulate_180_days_ms_median": round(statistics.median(sims), 2),
        "simulate_180_days_ms_max": round(max(sims), 2),
        "simulate_180_days_cpu_ms_median": round(statistics.median(cpu_sims), 2),
        "repeats": args.repeat,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
