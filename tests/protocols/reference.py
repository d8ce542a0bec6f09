"""Seeded random scenarios and a digest of the decisions the engine gives for each.

`reference_decisions.json` holds, per seed, the digest of every decision (the whole stored
model: action, stages, session, rules, texts and state) that the engine of main commit a8b9c69
gave, before the engine was made faster. `test_reference.py` checks the engine still gives
them. Regenerate only when decisions change on purpose (a new protocol version), and say so:

    .venv/bin/python -m tests.protocols.reference > tests/protocols/reference_decisions.json

The scenarios mirror the property tests' strategies (strategies.py) without hypothesis, so they stay the
same whatever hypothesis version is installed: general ones (1–120 days, red and amber
signals, gaps, random coach events) and long mostly green ones that reach B and G.
"""

import datetime as dt
import hashlib
import json
import random

from protocols import Checkin, Decision, Event, Profile, Scenario
from protocols.codes import WEEKDAYS, Site
from protocols.ladder import path_for

SEEDS = range(150)
DAY = dt.timedelta(days=1)
FIRST_DATE = dt.date(2024, 1, 1)
EVENT_TYPES = ("walking_cleared", "running_cleared", "resume", "hold", "pause", "unpause")
SIGNALS = (
    "sleep_short", "sleep_missing", "calcium_low", "protein_low", "protein_missing", "weight",
    "missed_cycles", "vitamin_d", "session_partial", "session_none", "session_null",
    "pain_session_null", "pain_session_low", "swelling", "soreness", "pain_morning",
    "pain_session_high", "pain_rest", "night_pain", "tenderness", "limp", "hip_groin_pain",
)  # fmt: skip


def _weekdays(rng: random.Random) -> tuple[str, ...]:
    chosen = rng.sample(WEEKDAYS, rng.randint(1, 7))
    return tuple(sorted(chosen, key=WEEKDAYS.index))


def _profile(rng: random.Random, long: bool) -> Profile:
    has_alterg = rng.random() < 0.5
    return Profile(
        site=rng.choice(list(Site)),
        sex=rng.choice([None, "female", "male", "other"]),
        age=rng.choice([None, rng.randint(14, 70)]),
        weight_kg=rng.randint(45, 100),
        height_cm=rng.choice([None, rng.randint(150, 195)]),
        pre_injury_weekly_minutes=rng.randint(30, 600),
        has_alterg=has_alterg,
        walking_cleared=long or rng.random() < 0.5,
        running_cleared=rng.random() < 0.5,
        start_stage=rng.choice(["P0", rng.choice(path_for(has_alterg))]),
        start_date=FIRST_DATE + DAY * rng.randint(0, 3 * 365),
        run_days=rng.choice([("mon", "wed", "fri"), _weekdays(rng)]),
        strength_days=rng.choice([None, _weekdays(rng)]),
        previous_bsi_count_2y=rng.randint(0, 3),
        periods_started=rng.choice([None, True, False]),
    )


def _signal(rng: random.Random, fields: dict, signal: str) -> None:
    values = {
        "sleep_short": ("sleep_hours", rng.randint(10, 13) / 2),
        "sleep_missing": ("sleep_hours", None),
        "calcium_low": ("calcium_mg", rng.randint(0, 900)),
        "protein_low": ("protein_g", rng.randint(20, 80)),
        "protein_missing": ("protein_g", None),
        "weight": ("weight_kg", rng.randint(40, 100)),
        "missed_cycles": ("missed_cycles", rng.randint(0, 6)),
        "vitamin_d": ("vitamin_d_ng_ml", rng.randint(10, 60)),
        "session_partial": ("session_done", "partial"),
        "session_none": ("session_done", "none"),
        "session_null": ("session_done", None),
        "pain_session_null": ("pain_session", None),
        "pain_session_low": ("pain_session", rng.randint(1, 2)),
        "pain_session_high": ("pain_session", rng.randint(3, 10)),
        "soreness": ("soreness_hours", rng.choice([23.5, 24, rng.randint(24, 72)])),
        "pain_morning": ("pain_morning", rng.randint(1, 10)),
        "pain_rest": ("pain_rest", rng.randint(1, 10)),
    }
    name, value = values.get(signal, (signal, True))  # the red booleans
    fields[name] = value


def _checkins(rng: random.Random, start: dt.date, days: int, signal_pct: int, gap_pct: int,
              max_gap: int) -> list[Checkin]:  # fmt: skip
    out, date, lasting = [], start, []
    for i in range(days):
        fields = dict(
            date=date, pain_rest=0, night_pain=False, pain_session=0, pain_morning=0,
            soreness_hours=(i * 7) % 24, tenderness=False, swelling=False, limp=False,
            hip_groin_pain=False, session_done="full", sleep_hours=(7, 7.5, 8, 8.5, 9)[i % 5],
            calcium_mg=600 + (i * 97) % 900, protein_g=60 + (i * 13) % 80,
        )  # fmt: skip
        if rng.randrange(100) < signal_pct:
            for _ in range(rng.randint(1, 3)):
                chosen = rng.choice(SIGNALS)
                _signal(rng, fields, chosen)
                if rng.random() < 0.3:  # the same sign again the next days (RF9, H4, ...)
                    lasting.extend([chosen] * rng.randint(1, 3))
        elif lasting:
            _signal(rng, fields, lasting.pop())
        out.append(Checkin(**fields))
        date += DAY
        if rng.randrange(100) < gap_pct:
            date += DAY * rng.randint(1, max_gap)
    return out


def scenario(seed: int) -> Scenario:
    """Seeds 0, 3, 6, … are long and mostly green; the others general."""
    rng = random.Random(seed)
    long = seed % 3 == 0
    profile = _profile(rng, long)
    if long:
        start = profile.start_date
        checkins = _checkins(rng, start, rng.randint(100, 200), rng.randint(0, 10),
                             rng.randint(0, 3), max_gap=3)  # fmt: skip
        span = (checkins[-1].date - start).days
        events = [
            Event(date=start + DAY * rng.randint(0, 5), type="walking_cleared"),
            Event(date=start + DAY * rng.randint(0, 40), type="running_cleared"),
        ]
        k = rng.randint(0, 10)
        while k <= span:
            events.append(Event(date=start + DAY * k, type="resume"))
            k += rng.randint(3, 15)
        for _ in range(rng.randint(0, 2)):
            events.append(Event(date=start + DAY * rng.randint(0, span), type="hold"))
    else:
        start = profile.start_date + DAY * rng.randint(0, 3)
        checkins = _checkins(rng, start, rng.randint(1, 120), rng.randint(0, 40),
                             rng.randint(0, 15), max_gap=11)  # fmt: skip
        span = (checkins[-1].date - profile.start_date).days
        events = [
            Event(date=profile.start_date + DAY * rng.randint(0, span), type=rng.choice(EVENT_TYPES))
            for _ in range(rng.randint(0, 8))
        ]
    return Scenario(profile=profile, events=events, checkins=checkins)


def digest(decisions: list[Decision]) -> str:
    """A short digest of every field of every decision, in order."""
    h = hashlib.sha256()
    for d in decisions:
        h.update(d.model_dump_json().encode())
        h.update(b"\n")
    return h.hexdigest()[:20]


def main() -> None:
    from protocols import simulate

    out = {}
    for seed in SEEDS:
        decisions = simulate(scenario(seed))
        out[str(seed)] = [len(decisions), digest(decisions)]
    lines = [f"{json.dumps(seed)}: {json.dumps(value)}" for seed, value in out.items()]
    print("{\n" + ",\n".join(lines) + "\n}")


if __name__ == "__main__":
    main()
