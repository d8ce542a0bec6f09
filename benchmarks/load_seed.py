"""The database of benchmarks/checkin_load.py: onboarded runners three weeks into their
plan, seeded straight into SQLite before the bot starts."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))



HISTORY_DAYS = 21

def seed(path: str, first_id: int, runners: int) -> None:
    """`runners` onboarded runners with three weeks of green history (the same history
    copied), their reminder twelve hours away and no nudge."""
    from protocols import Checkin, Day, Profile, decide
    from storage import migrate, open_db, save_checkin_and_decision, update_profile, upsert_runner

    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=HISTORY_DAYS)
    profile = Profile(site="tibia_posteromedial", sex="female", age=29, weight_kg=58,
                      pre_injury_weekly_minutes=300, walking_cleared=True, running_cleared=True,
                      start_stage="W1", start_date=start)  # fmt: skip
    days: list[Day] = []
    for n in range(HISTORY_DAYS):
        loaded = bool(days) and days[-1].decision.session.loading
        checkin = Checkin(
            date=start + dt.timedelta(days=n), pain_rest=0, night_pain=False,
            pain_session=0 if loaded else None, pain_morning=0, soreness_hours=4 if loaded else 0,
            tenderness=False, swelling=False, limp=False, hip_groin_pain=False,
            session_done="full" if loaded else None, sleep_hours=8, calcium_mg=1100,
            protein_g=100, weight_kg=58 if n % 7 == 0 else None,
            missed_cycles=0 if n % 7 == 0 else None,
        )  # fmt: skip
        days.append(Day(checkin, decide(profile, days, checkin)))
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).strftime("%H:%M")
    db = open_db(path)
    migrate(db)
    with db.atomic():
        upsert_runner(db, first_id, first_id, f"R{first_id}")
        update_profile(db, first_id, profile)
        for day in days:
            save_checkin_and_decision(db, first_id, day.checkin, day.decision)
        template = db.execute("SELECT * FROM runners WHERE user_id = ?", [first_id]).fetchone()
        names = [d[0] for d in db.execute("SELECT * FROM runners LIMIT 0").description]
        rows = []
        for uid in range(first_id + 1, first_id + runners):
            row = dict(zip(names, template, strict=True))
            row.update(user_id=uid, chat_id=uid, first_name=f"R{uid}")
            rows.append(list(row.values()))
        db.conn.executemany(f"INSERT INTO runners VALUES ({', '.join('?' * len(names))})", rows)
        for table in ("checkins", "decisions"):
            cols = [d[0] for d in db.execute(f"SELECT * FROM {table} LIMIT 0").description]
            rest = [c for c in cols if c != "runner_id"]
            db.execute(f"""INSERT INTO {table} (runner_id, {', '.join(rest)})
                           SELECT r.user_id, {', '.join('t.' + c for c in rest)} FROM {table} t JOIN runners r
                           ON r.user_id BETWEEN ? AND ? WHERE t.runner_id = ?""",
                       [first_id + 1, first_id + runners - 1, first_id])  # fmt: skip
        db.execute("UPDATE runners SET checkin_time = ?, nudge_hours = NULL", [later])
    db.conn.close()

