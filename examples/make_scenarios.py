#!/usr/bin/env python3
"""Builds examples/scenarios/*.json by driving the engine day by day (session fields follow
whether yesterday had a loading session)."""
import datetime as dt
import json

from protocols import Checkin, Day, Event, Profile, decide

GREEN = dict(pain_rest=0, night_pain=False, pain_morning=0, tenderness=False,
             swelling=False, limp=False, hip_groin_pain=False)

def build(name, description, profile, days, overrides=None, events=(), skip=()):
    overrides = overrides or {}
    prof = Profile(**profile)
    start = prof.start_date
    evs = [Event(**e) for e in events]
    history, out = [], []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        if i in skip:
            continue
        prev = history[-1] if history else None
        loaded = prev is not None and prev.date == d - dt.timedelta(days=1) and prev.decision.session.loading
        c = dict(date=d.isoformat(), **GREEN, pain_session=0 if loaded else None,
                 session_done="full" if loaded else None,
                 soreness_hours=6 if loaded else 0,
                 sleep_hours=[8, 7.5, 8.5, 8][i % 4], calcium_mg=[1100, 1250, 950, 1300][i % 4],
                 protein_g=[95, 105, 88, 110][i % 4])
        if i % 7 == 0:
            c["weight_kg"] = profile["weight_kg"]
        c.update(overrides.get(i, {}))
        ck = Checkin(**c)
        todays = [e for e in evs if (prev.date if prev else dt.date.min) < e.date <= d]
        for e in todays:
            if e.type in ("walking_cleared", "running_cleared"):
                prof = prof.model_copy(update={e.type: True})
        dec = decide(prof, history, ck, todays)
        history.append(Day(ck, dec))
        out.append(c)
    scenario = {"description": description, "profile": profile, "events": list(events), "checkins": out}
    with open(f"examples/scenarios/{name}.json", "w") as f:
        json.dump(scenario, f, indent=1)
        f.write("\n")
    last = history[-1].decision
    print(name, len(out), "check-ins, ends", last.date, last.stage)

base = dict(sex="female", age=29, weight_kg=58, pre_injury_weekly_minutes=300, has_alterg=False,
            walking_cleared=True, running_cleared=True, start_stage="W1", start_date="2026-03-02")

build("smooth_tibia", "Low-risk shin (posteromedial tibia): every check-in green, from the first walk (W1) through run/walk, continuous running and the build weeks to graduation (G).",
      dict(base, site="tibia_posteromedial"), 140)

build("navicular_waits_for_clearance", "High-risk midfoot (navicular): 3 clean walks per stage, then held at W6 by the clearance gate (H7) until the coach sets running clearance; readiness test and run/walk follow.",
      dict(base, site="navicular", sex="male", age=34, weight_kg=72, running_cleared=False), 40,
      events=[{"date": "2026-03-28", "type": "running_cleared"}])

build("soreness_setback", "Low-risk fibula at RW3: soreness lasting 30 hours after a session scales back one stage (SB3, RW3 → RW2), then the runner climbs again.",
      dict(base, site="fibula", start_stage="RW3"), 24,
      overrides={3: {"soreness_hours": 30}, 4: {"soreness_hours": 30}})

build("night_pain_red_flag", "Low-risk metatarsal shaft at RW4: bone pain at night is a red flag (RF1) — stop, urgent alert, rest until the coach resumes and a fully green check-in, then RW3.",
      dict(base, site="metatarsal_shaft", start_stage="RW4"), 16,
      overrides={4: {"night_pain": True, "pain_rest": 2}, 5: {"pain_rest": 1}},
      events=[{"date": "2026-03-09", "type": "resume"}])

build("alterg_user", "Low-risk calcaneus runner with an anti-gravity treadmill: readiness test, then A50 to A100 (2 clean sessions each, every other day), then run/walk from RW1. Calcaneus is trabecular: a one-off review (RED3).",
      dict(base, site="calcaneus", has_alterg=True, start_stage="R1"), 34)

build("ten_days_off", "Low-risk posteromedial tibia at RW5 who advances to RW6, then is away for 10 days without check-ins: SB4 drops two stages on return (⌊10 ÷ 5⌋ = 2).",
      dict(base, site="tibia_posteromedial", start_stage="RW5"), 22, skip=range(5, 15))
