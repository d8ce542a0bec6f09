"""/plan: the 7-day forecast a runner reads, from the real engine on green days."""

import datetime as dt

import pytest

from dialogs.plan import MAX_CHARS, day_label, forecast, plan_text, short_structure
from protocols import Event, simulate
from protocols.models import Scenario
from tests.progress.helpers import day, green, profile, replay, scenario, until

TZ = "Europe/Berlin"
STRENGTH = "strength, 30 min: calf raises, single-leg balance, glute bridges"


def day_lines(text: str) -> list[str]:
    """The seven day lines ('Tue 3 Mar — …')."""
    return [line for line in text.splitlines() if " — " in line and line[:3] in
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]  # fmt: skip


def test_day_label_and_short_structures():
    assert day_label(dt.date(2026, 3, 3)) == "Tue 3 Mar"
    assert short_structure("RW2") == "jog 2, walk 4 ×5"
    assert short_structure("RW8") == "walk 5, jog 30 continuously, walk 5"
    assert short_structure("A60") == "60% body weight, run 1–2 min ×5"


def test_walk_stage_walks_every_day_with_strength_on_strength_days():
    prof = profile(site="navicular", start_stage="W1")  # high risk: 3 clean walks per stage
    days = replay(prof, [green(0, pain_session=None, session_done=None)])
    text = plan_text(prof, days, day(1), TZ)  # Tuesday, not checked in yet
    lines = day_lines(text)
    assert len(lines) == 7
    assert lines[0].startswith("Tue 3 Mar (today, after your check-in) — W1 brisk walk, 10 min")
    assert lines[-1].startswith("Mon 9 Mar — ")
    assert all("brisk walk" in line for line in lines)
    # default strength days for Mon/Wed/Fri runners: Tue and Thu
    assert "+ strength: calf raises" in lines[0] and "+ strength: calf raises" in lines[2]
    assert "strength" not in lines[1]
    assert "Thu 5 Mar — W2 brisk walk, 15 min + strength" in lines[2]  # 3 clean walks at W1
    assert lines[2].endswith("⬆ new stage")
    assert (
        "Next: Counting today's session: 1 more clean session at W1, then W2. "
        "If all stays clear: W2 from Thu 5 Mar." in text
    )
    assert "if every day stays clear" in text
    assert "Europe/Berlin" in text
    assert len(text) < MAX_CHARS


def test_run_walk_alternates_with_rest_and_strength_days():
    prof = profile(start_stage="RW2", strength_days=("tue", "sat"))
    days = replay(prof, [green(0, pain_session=None, session_done=None)])  # Mon: RW2 session
    text = plan_text(prof, days, day(1), TZ)
    lines = day_lines(text)
    running = ["run/walk" in line for line in lines]
    assert running == [False, True, False, True, False, True, False]
    assert not any(a and b for a, b in zip(running, running[1:], strict=False))
    assert lines[0].startswith("Tue 3 Mar (today, after your check-in) — " + STRENGTH)
    assert "Wed 4 Mar — RW2 run/walk, 30 min (jog 2, walk 4 ×5)" in lines[1]
    assert lines[2].startswith("Thu 5 Mar — rest day")
    assert lines[4].startswith("Sat 7 Mar — " + STRENGTH)
    assert lines[3] == "Fri 6 Mar — RW3 run/walk, 30 min (jog 3, walk 3 ×5) ⬆ new stage"
    assert (
        "Next: Counting your last session: 1 more clean session at RW2, then RW3. "
        "If all stays clear: RW3 from Fri 6 Mar." in text
    )


def test_today_already_checked_in_shows_the_real_decision():
    prof, days = scenario("soreness_setback")
    history = until(days, dt.date(2026, 3, 5))  # Thu: soreness ≥ 24 h, scaled back to RW2
    text = plan_text(prof, history, dt.date(2026, 3, 5), TZ)
    lines = day_lines(text)
    assert lines[0].startswith("Thu 5 Mar (today) — rest day")
    assert lines[0].endswith("⬇ one stage down")
    assert "after your check-in" not in text
    assert "Fri 6 Mar — RW2 run/walk" in lines[1]
    assert "Next: 2 more clean sessions at RW2, then RW3." in text


def test_forecast_is_the_engine_on_green_days():
    prof = profile(start_stage="RW5")
    days = replay(prof, [green(0, pain_session=None, session_done=None)])
    predicted = forecast(prof, days, day(1), 7)
    loading = {d.date for d in [days[0].decision, *predicted] if d.session.loading}
    checkins = [days[0].checkin] + [
        green(n, sleep_hours=8, calcium_mg=None, protein_g=None,
              **({} if day(n - 1) in loading else {"pain_session": None, "session_done": None}))
        for n in range(1, 8)
    ]  # fmt: skip
    expected = simulate(Scenario(profile=prof, checkins=checkins))[1:]
    assert [(d.action, d.stage, d.session) for d in predicted] == [
        (d.action, d.stage, d.session) for d in expected
    ]


def test_stopped_runner_sees_a_paused_plan_of_rest_days():
    prof, days = scenario("night_pain_red_flag")
    history = until(days, dt.date(2026, 3, 6))  # Fri: night pain, stop
    text = plan_text(prof, history, dt.date(2026, 3, 7), TZ)
    lines = day_lines(text)
    assert "paused" in text.splitlines()[1]
    assert all("rest (plan paused)" in line for line in lines)
    assert "run/walk" not in text
    assert "Next: Rest until your check-in is clear and your plan is resumed" in text
    assert "forecast if every day stays clear" not in text


def test_a_resume_event_restarts_the_plan_one_stage_lower():
    prof, days = scenario("night_pain_red_flag")
    history = until(days, dt.date(2026, 3, 7))
    resume = Event(date=dt.date(2026, 3, 7), type="resume")
    text = plan_text(prof, history, dt.date(2026, 3, 8), TZ, events=[resume])
    lines = day_lines(text)
    assert "paused" not in text
    assert "RW3 run/walk, 30 min (jog 3, walk 3 ×5) ⬇ one stage down" in lines[0]


def test_build_week_plan():
    prof, days = scenario("smooth_tibia")
    history = until(days, dt.date(2026, 5, 24))  # Sunday, in B: 135 min this week
    text = plan_text(prof, history, dt.date(2026, 5, 25), TZ)
    lines = day_lines(text)
    assert lines[0] == "Mon 25 May (today, after your check-in) — B easy run, 49 min"
    assert lines[2] == "Wed 27 May — B easy run, 49 min"
    assert lines[4] == "Fri 29 May — B easy run, 49 min"
    for i in (1, 3):
        assert STRENGTH in lines[i] and lines[i].endswith("hops and bounding")
    assert lines[5].startswith("Sat 30 May — rest day")
    assert lines[6].startswith("Sun 31 May — rest day")
    assert "toward your 300 min before the injury" in text
    assert "graduate (G)" in text


def test_new_runner_without_check_ins_starts_from_the_profile():
    prof = profile(start_stage="P0", walking_cleared=False)
    text = plan_text(prof, [], day(0), "UTC")
    lines = day_lines(text)
    assert len(lines) == 7
    assert all("P0 pain-free non-impact cross-training" in line for line in lines)
    assert "When your clinician clears walking" in text


@pytest.mark.parametrize(
    "name",
    ["smooth_tibia", "alterg_user", "navicular_waits_for_clearance", "night_pain_red_flag",
     "soreness_setback", "ten_days_off"],
)  # fmt: skip
def test_every_day_of_every_scenario_gives_a_short_seven_line_plan(name):
    prof, days = scenario(name)
    for i in range(0, len(days), 3):
        for checked_in in (True, False):
            today = days[i].date + dt.timedelta(days=0 if checked_in else 1)
            text = plan_text(prof, list(days[: i + 1]), today, TZ)
            assert len(day_lines(text)) == 7, text
            assert len(text) < MAX_CHARS, text
            assert ("after your check-in" in text) is not checked_in


def test_paused_reminders_are_mentioned_and_the_plan_goes_on():
    prof = profile(start_stage="RW2")
    days = replay(prof, [green(0, pain_session=None, session_done=None)])
    pause = Event(date=day(0), type="pause")
    text = plan_text(prof, days, day(1), TZ, events=[pause])
    assert "Reminders are paused" in text
    assert "run/walk" in text
    assert "Reminders are paused" not in plan_text(prof, days, day(1), TZ)
