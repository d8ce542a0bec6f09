"""`stridecoach simulate` on the example scenarios, and its answers to bad input."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
CONTRACT_KEYS = {"date", "action", "stage_before", "stage", "session", "rules", "escalation"}


def simulate(capsys, path, *extra) -> list[dict]:
    assert main(["simulate", str(path), *extra]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_runs_and_prints_one_contract_line_per_checkin(capsys, path):
    scenario = json.loads(path.read_text())
    assert scenario["description"], "each scenario says what it shows"
    lines = simulate(capsys, path)
    assert [line["date"] for line in lines] == [c["date"] for c in scenario["checkins"]]
    for line in lines:
        assert set(line) == CONTRACT_KEYS
        assert {"kind", "minutes", "text"} <= set(line["session"])
        if line["session"]["kind"] in ("run_walk", "run"):
            assert line["session"]["run_minutes"] > 0


def test_smooth_tibia_reaches_graduation(capsys):
    lines = simulate(capsys, SCENARIOS / "smooth_tibia.json")
    stages = [line["stage"] for line in lines]
    assert stages[0] == "W1" and stages[-1] == "G"
    assert all(line["action"] in ("advance", "continue") for line in lines)
    graduation = next(line for line in lines if line["stage"] == "G")
    weeks = (date.fromisoformat(graduation["date"]) - date.fromisoformat(lines[0]["date"])).days / 7
    assert 13 <= weeks <= 26, "sources expect full training after roughly 3–6 months"


def test_navicular_runs_only_after_the_coach_clears_running(capsys):
    lines = simulate(capsys, SCENARIOS / "navicular_waits_for_clearance.json")
    running = {"readiness", "alterg", "run_walk", "run"}
    before = [line for line in lines if line["date"] < "2026-03-28"]
    assert not any(line["session"]["kind"] in running for line in before)
    assert any("H7" in line["rules"] for line in before)
    cleared_day = next(line for line in lines if line["date"] == "2026-03-28")
    assert (cleared_day["action"], cleared_day["stage"]) == ("advance", "R1")


def test_night_pain_stops_with_an_urgent_alert_until_resumed(capsys):
    lines = simulate(capsys, SCENARIOS / "night_pain_red_flag.json")
    stop = next(line for line in lines if line["action"] == "stop")
    assert "RF1" in stop["rules"] and stop["escalation"] == "urgent"
    assert stop["session"]["kind"] == "rest"
    resumed = next(line for line in lines if line["date"] == "2026-03-09")
    assert (resumed["action"], resumed["stage_before"], resumed["stage"]) == ("regress", "RW4", "RW3")


def test_soreness_over_a_day_scales_back_one_stage(capsys):
    lines = simulate(capsys, SCENARIOS / "soreness_setback.json")
    setback = next(line for line in lines if "SB3" in line["rules"])
    assert (setback["action"], setback["stage_before"], setback["stage"]) == ("regress", "RW3", "RW2")
    assert sum("SB3" in line["rules"] for line in lines) == 1


def test_alterg_user_climbs_every_alterg_stage_then_run_walk(capsys):
    lines = simulate(capsys, SCENARIOS / "alterg_user.json")
    order = []
    for line in lines:
        if not order or order[-1] != line["stage"]:
            order.append(line["stage"])
    assert order[:8] == ["R1", "A50", "A60", "A70", "A80", "A90", "A100", "RW1"]
    assert lines[0]["escalation"] == "review" and "RED3" in lines[0]["rules"]


def test_ten_days_off_drops_two_stages(capsys):
    lines = simulate(capsys, SCENARIOS / "ten_days_off.json")
    back = next(line for line in lines if "SB4" in line["rules"])
    assert (back["stage_before"], back["stage"]) == ("RW6", "RW4")


def test_table_format_has_a_header_and_a_row_per_day(capsys):
    path = SCENARIOS / "night_pain_red_flag.json"
    assert main(["simulate", str(path), "--format", "table"]) == 0
    out = capsys.readouterr().out
    rows = out.split("\n\n")[0].splitlines()  # the key of rule IDs follows a blank line
    assert rows[0].split() == ["date", "action", "stage", "session", "run", "rules", "escalation"]
    assert len(rows) == 1 + len(json.loads(path.read_text())["checkins"])
    assert any("RW4→RW3" in row for row in rows)


def test_table_has_a_key_of_the_rule_ids_it_shows(capsys):
    from protocols.rulebook import RULES

    assert main(["simulate", str(SCENARIOS / "night_pain_red_flag.json"), "--format", "table"]) == 0
    table, key = capsys.readouterr().out.split("\n\n")
    used = {rule for row in table.splitlines()[1:] for rule in row.split() if rule in RULES}
    assert "RF1" in used
    assert key.splitlines()[0] == "Rules (all of them: stridecoach rules):"
    keyed = [line.split()[0] for line in key.splitlines()[1:] if not line.startswith(" ")]
    assert set(keyed) == used and len(keyed) == len(used)
    assert f"RF1   {RULES['RF1'].text}" in key


def _bad(tmp_path, capsys, scenario) -> str:
    path = tmp_path / "bad.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario))
    assert main(["simulate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


def _scenario(**checkin_overrides) -> dict:
    checkin = {"date": "2026-03-02", "pain_rest": 0, "night_pain": False, "pain_session": None,
               "pain_morning": 0, "soreness_hours": 0, "tenderness": False, "swelling": False,
               "limp": False, "hip_groin_pain": False, "session_done": None}  # fmt: skip
    checkin.update(checkin_overrides)
    profile = {"site": "fibula", "weight_kg": 60, "pre_injury_weekly_minutes": 200,
               "walking_cleared": True, "start_stage": "W1", "start_date": "2026-03-02"}  # fmt: skip
    return {"profile": profile, "checkins": [checkin]}


def test_unknown_site_names_the_field_and_the_allowed_sites(tmp_path, capsys):
    scenario = _scenario()
    scenario["profile"]["site"] = "knee"
    err = _bad(tmp_path, capsys, scenario)
    assert "profile.site" in err and "'knee'" in err and "tibia_posteromedial" in err


def test_pain_eleven_names_the_field_and_the_range(tmp_path, capsys):
    err = _bad(tmp_path, capsys, _scenario(pain_rest=11))
    assert "checkins[0].pain_rest" in err and "0–10" in err


def test_missing_field_is_named(tmp_path, capsys):
    scenario = _scenario()
    del scenario["checkins"][0]["soreness_hours"]
    err = _bad(tmp_path, capsys, scenario)
    assert "checkins[0].soreness_hours: is missing" in err


def test_not_json_and_missing_file_are_short_messages(tmp_path, capsys):
    assert "not valid JSON" in _bad(tmp_path, capsys, "{nope")
    assert main(["simulate", str(tmp_path / "absent.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_duplicate_date_is_named_not_the_whole_scenario(tmp_path, capsys):
    scenario = _scenario()
    scenario["checkins"].append(dict(scenario["checkins"][0]))
    err = _bad(tmp_path, capsys, scenario)
    assert "checkins[1].date: 2026-03-02 appears twice (also checkins[0])" in err
    assert "'profile'" not in err and len(err.splitlines()) == 1


def test_checkins_out_of_order_name_the_date(tmp_path, capsys):
    scenario = _scenario()
    later = dict(scenario["checkins"][0], date="2026-03-05")
    scenario["checkins"] = [later, dict(scenario["checkins"][0], date="2026-03-04")]
    err = _bad(tmp_path, capsys, scenario)
    assert "checkins[1].date: 2026-03-04 comes after 2026-03-05 (checkins[0])" in err


def test_several_files_each_headed_by_its_name(capsys):
    first, second = SCENARIOS / "night_pain_red_flag.json", SCENARIOS / "ten_days_off.json"
    assert main(["simulate", str(first), str(second), "--format", "table"]) == 0
    out = capsys.readouterr().out.splitlines()
    headers = [i for i, line in enumerate(out) if line.startswith("==> ")]
    assert [out[i] for i in headers] == [f"==> {first} <==", f"==> {second} <=="]
    for i in headers:
        assert out[i + 1].split()[:2] == ["date", "action"]
    rows = len(json.loads(first.read_text())["checkins"])
    block = out[headers[0] + 1 : headers[1]]
    assert block.index("") == 1 + rows  # column names, a row per day, then the key
    assert block[-1] == "" and "Rules" in block[rows + 2]


def test_one_bad_file_among_several_still_runs_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    good = SCENARIOS / "soreness_setback.json"
    assert main(["simulate", str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    assert f"{bad}: not valid JSON" in captured.err
    lines = captured.out.splitlines()
    assert lines[:2] == [f"==> {bad} <==", ""] and lines[2] == f"==> {good} <=="
    assert len(lines[3:]) == len(json.loads(good.read_text())["checkins"])
    assert all(json.loads(line)["date"] for line in lines[3:])


def test_a_closed_pipe_ends_quietly():
    path = SCENARIOS / "smooth_tibia.json"
    # four copies: more output than a pipe buffers, so writing goes on after the close
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "simulate", *[str(path)] * 4],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    _, err = proc.communicate(timeout=60)
    assert first.decode() == f"==> {path} <==\n"
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert proc.returncode == 0


@pytest.mark.slow  # a fresh interpreter imports the whole bot (seconds)
def test_console_script_exits_2_on_bad_input(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_scenario(pain_morning=-1)))
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "simulate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "pain_morning" in proc.stderr and "Traceback" not in proc.stderr
