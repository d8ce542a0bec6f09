"""/history: a narrow table of the last check-ins, escaped for HTML <pre>."""

import datetime as dt
import html

from dialogs.history import MAX_CHARS, history_lines, history_table
from tests.progress.helpers import green, profile, replay, scenario, until


def table_lines(text: str) -> list[str]:
    assert text.startswith("<pre>") and text.endswith("</pre>")
    return html.unescape(text[len("<pre>") : -len("</pre>")]).splitlines()


def test_last_fourteen_check_ins_one_line_each_within_forty_characters():
    prof, days = scenario("smooth_tibia")
    text = history_table(list(days))
    lines = table_lines(text)
    rows = [line for line in lines if line[:2].isdigit()]
    assert len(rows) == 14
    assert rows[0].startswith("07-06") and rows[-1].startswith("07-19")
    assert lines[0].split() == ["date", "R", "S", "M", "slp", "prot", "Ca", "plan", "stg"]
    assert all(len(line) <= 40 for line in lines)
    assert len(text) < MAX_CHARS
    assert rows[-1].split()[-2:] == ["ok", "G"]


def test_columns_show_the_answers_and_the_decision():
    prof, days = scenario("night_pain_red_flag")
    rows = {line[:5]: line.split() for line in table_lines(history_table(list(days)))}
    # 2026-03-06: bone pain 2/10 at rest, night pain → stop, still at RW4
    day = days[4]
    assert day.date == dt.date(2026, 3, 6) and day.decision.action == "stop"
    c = day.checkin
    assert rows["03-06"] == [
        "03-06", str(c.pain_rest), "-" if c.pain_session is None else str(c.pain_session),
        str(c.pain_morning), f"{c.sleep_hours:g}", str(round(c.protein_g)),
        str(round(c.calcium_mg)), "STOP", "RW4",
    ]  # fmt: skip
    assert rows["03-09"][-2:] == ["back", "RW3"]  # resumed one stage below
    assert rows["03-13"][-2:] == ["up", "RW4"]


def test_missing_answers_show_a_dash_and_the_limit_applies():
    prof = profile(start_stage="RW3")
    days = replay(prof, [green(0, pain_session=None, session_done=None, sleep_hours=None,
                               protein_g=None, calcium_mg=None), green(1, sleep_hours=7.25)])  # fmt: skip
    lines = table_lines(history_table(days))
    assert lines[1].split() == ["03-02", "0", "-", "0", "-", "-", "-", "ok", "RW3"]
    assert lines[2].split()[4] == "7.2"  # rounded to one decimal
    assert len([x for x in history_lines(days, limit=1) if x[:2].isdigit()]) == 1


def test_long_limits_stay_under_telegram_length_and_escape_html():
    prof, days = scenario("smooth_tibia")
    text = history_table(list(days), limit=500)
    assert len(text) < MAX_CHARS
    assert "<" not in text[5:-6] and ">" not in text[5:-6]
    assert table_lines(text)[-1].startswith("STOP = warning sign")


def test_no_check_ins_yet():
    text = history_table([])
    assert "No check-ins yet" in text and "<pre>" not in text


def test_short_history_lists_every_day():
    prof, days = scenario("ten_days_off")
    rows = [
        x for x in table_lines(history_table(until(days, dt.date(2026, 3, 17)))) if x[:2].isdigit()
    ]
    assert [r[:5] for r in rows] == ["03-02", "03-03", "03-04", "03-05", "03-06", "03-17"]
    assert rows[-1].split()[-2:] == ["back", "RW4"]  # ten days off: two stages down (SB4)
