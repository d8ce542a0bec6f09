"""/export: CSV files built from storage.export_runner, read back with csv.DictReader."""

import csv
import datetime as dt
import io

import pytest

from dialogs.export import AUDIT_COLUMNS, CHECKIN_COLUMNS, DECISION_COLUMNS, export_csvs
from protocols import Checkin
from storage import (
    export_runner,
    log_action,
    migrate,
    open_db,
    save_checkin_and_decision,
    update_profile,
    upsert_runner,
)
from tests.progress.helpers import scenario

RUNNER, COACH, OTHER = 7_001, 7_500, 7_002


def read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = data.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "export.db")
    migrate(database)
    yield database
    database.close()


@pytest.fixture
def exported(db):
    prof, days = scenario("night_pain_red_flag")
    for user in (RUNNER, OTHER):
        upsert_runner(db, user, chat_id=user, first_name="Ana")
        update_profile(db, user, prof)
    for x in days:
        save_checkin_and_decision(db, RUNNER, x.checkin, x.decision)
    save_checkin_and_decision(db, OTHER, days[0].checkin, days[0].decision)
    log_action(db, "resume", actor_id=COACH, runner_id=RUNNER, detail={"note": 'said "ok", fine'})
    log_action(db, "clear", actor_id=COACH, runner_id=RUNNER, detail={"what": "running"})
    log_action(db, "export", actor_id=RUNNER)
    log_action(db, "clear", actor_id=COACH, runner_id=OTHER)
    return days, export_csvs(export_runner(db, RUNNER))


def test_three_files_with_header_rows(exported):
    _, files = exported
    assert set(files) == {"checkins.csv", "decisions.csv", "coach_actions.csv"}
    assert read(files["checkins.csv"])[0] == list(CHECKIN_COLUMNS) == list(Checkin.model_fields)
    assert read(files["decisions.csv"])[0] == list(DECISION_COLUMNS) == [
        "date", "action", "stage_before", "stage", "session_kind", "session_minutes",
        "session_run_minutes", "rules", "reasons", "escalation", "protocol_version",
    ]  # fmt: skip
    assert (
        read(files["coach_actions.csv"])[0]
        == list(AUDIT_COLUMNS)
        == ["at", "actor_id", "action", "detail"]
    )
    assert all(b"\r\n" in data for data in files.values())  # RFC 4180 line ends


def test_checkins_csv_has_every_field_of_every_check_in(exported):
    days, files = exported
    _, rows = read(files["checkins.csv"])
    assert [r["date"] for r in rows] == [x.date.isoformat() for x in days]
    for row, x in zip(rows, days, strict=True):
        dt.date.fromisoformat(row["date"])
        back = {k: (None if v == "" else v) for k, v in row.items()}
        for name in ("night_pain", "tenderness", "swelling", "limp", "hip_groin_pain"):
            assert back[name] in ("true", "false")
            back[name] = back[name] == "true"
        assert Checkin.model_validate(back) == x.checkin  # every value survives the trip
    stop_day = rows[4]
    assert stop_day["date"] == "2026-03-06" and stop_day["night_pain"] == "true"


def test_decisions_csv_flattens_session_rules_and_reasons(exported):
    days, files = exported
    _, rows = read(files["decisions.csv"])
    assert len(rows) == len(days)
    for row, x in zip(rows, days, strict=True):
        d = x.decision
        assert row["date"] == d.date.isoformat()
        assert (row["action"], row["stage_before"], row["stage"]) == (
            d.action,
            d.stage_before,
            d.stage,
        )
        assert row["session_kind"] == d.session.kind
        assert row["session_minutes"] == str(d.session.minutes)
        assert row["session_run_minutes"] == (
            "" if d.session.run_minutes is None else str(d.session.run_minutes)
        )
        assert row["rules"].split() == list(d.rules)
        assert row["reasons"] == " | ".join(d.reasons)
        assert row["escalation"] == (d.escalation or "")
        assert row["protocol_version"] == d.protocol_version
    stop = rows[4]
    assert (
        stop["action"] == "stop"
        and stop["rules"] == "RF1 RF2 RF6"
        and stop["escalation"] == "urgent"
    )
    assert stop["reasons"].count(" | ") == 2


def test_coach_actions_csv_lists_the_runners_audit_entries(exported):
    _, files = exported
    _, rows = read(files["coach_actions.csv"])
    assert [(r["actor_id"], r["action"]) for r in rows] == [
        (str(COACH), "resume"), (str(COACH), "clear"), (str(RUNNER), "export"),
    ]  # fmt: skip
    assert rows[0]["detail"] == '{"note": "said \\"ok\\", fine"}'  # quotes and commas survive
    assert rows[2]["detail"] == ""
    assert all(dt.datetime.fromisoformat(r["at"].replace("Z", "+00:00")) for r in rows)


def test_nothing_stored_still_gives_headers(db):
    files = export_csvs(export_runner(db, 12345))
    for name, columns in (("checkins.csv", CHECKIN_COLUMNS), ("decisions.csv", DECISION_COLUMNS),
                          ("coach_actions.csv", AUDIT_COLUMNS)):  # fmt: skip
        header, rows = read(files[name])
        assert header == list(columns) and rows == []
    assert export_csvs({}) == files


def test_text_is_utf8():
    rows = {"decisions": [{"date": "2026-03-02", "action": "continue", "stage_before": "W1",
                           "stage": "W1", "rules": "[]", "escalation": None,
                           "protocol_version": "x",
                           "decision": '{"session": {"kind": "walk", "minutes": 10}, '
                                       '"reasons": ["Pain 1–2/10 — hold"]}'}]}  # fmt: skip
    data = export_csvs(rows)["decisions.csv"]
    assert "Pain 1–2/10 — hold".encode() in data
    assert read(data)[1][0]["reasons"] == "Pain 1–2/10 — hold"
