"""`stridecoach export --runner ID --out DIR` writes the runner's CSV files."""

import csv
import datetime as dt
import io

from bot.cli import main
from protocols import Checkin, Profile, decide
from storage import migrate, open_db, save_checkin_and_decision, update_profile, upsert_runner


def test_export_writes_three_csv_files(tmp_path, monkeypatch, capsys):
    path = tmp_path / "x.db"
    db = open_db(path)
    migrate(db)
    upsert_runner(db, 77, 77, "Ann")
    profile = Profile(site="fibula", weight_kg=60, pre_injury_weekly_minutes=180,
                      walking_cleared=True, start_stage="W1", start_date="2026-03-02")  # fmt: skip
    update_profile(db, 77, profile)
    c = Checkin(date=dt.date(2026, 3, 2), pain_rest=0, night_pain=False, pain_morning=0,
                soreness_hours=0, tenderness=False, swelling=False, limp=False,
                hip_groin_pain=False, protein_g=90)  # fmt: skip
    save_checkin_and_decision(db, 77, c, decide(profile, [], c))
    db.conn.close()
    monkeypatch.setenv("STRIDECOACH_DB", str(path))
    assert main(["export", "--runner", "77", "--out", str(tmp_path / "out")]) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["checkins.csv", "coach_actions.csv", "decisions.csv"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "checkins.csv").read_text())))
    assert rows[0]["date"] == "2026-03-02" and rows[0]["protein_g"].startswith("90")
    assert main(["export", "--runner", "78", "--out", str(tmp_path / "out2")]) == 2
    assert "no runner 78" in capsys.readouterr().err


def test_run_without_a_token_says_what_to_set_and_suggests_try(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("STRIDECOACH_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "STRIDECOACH_TOKEN" in err and "stridecoach try" in err
