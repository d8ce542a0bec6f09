"""Pure parts of the runner's side: which red flags the answers so far already raise, stage
names in words, strength doses from PROTOCOL.md §2, free text about pain."""

import datetime as dt

import pytest

from dialogs import freetext
from protocols import Day, Profile, decide
from protocols.early import GREEN, is_green, known_red_flags, partial_checkin
from protocols.strength import doses, session_text
from protocols.words import in_words, place, stage_line, stage_name
from tests.protocols.helpers import green

START = dt.date(2026, 3, 2)


def profile(**changes) -> Profile:
    values = dict(site="tibia_posteromedial", weight_kg=60, pre_injury_weekly_minutes=180,
                  walking_cleared=True, running_cleared=True, start_stage="W1", start_date=START)
    return Profile(**{**values, **changes})


def history(prof: Profile, days: int) -> list[Day]:
    out: list[Day] = []
    for n in range(days):
        checkin = green(n)
        out.append(Day(checkin, decide(prof, out, checkin)))
    return out


@pytest.mark.parametrize(("answers", "rules"), [
    ({"night_pain": True}, ("RF1",)),
    ({"pain_rest": 2}, ("RF2",)),
    ({"limp": True}, ("RF3",)),
    ({"tenderness": True}, ("RF4",)),
    ({"hip_groin_pain": True}, ("RF5",)),
    ({"swelling": True, "pain_morning": 1}, ("RF8",)),
    ({"pain_morning": 1}, ()),  # a scale-back, not a red flag
    ({"swelling": True}, ()),  # a hold without pain
    ({}, ()),
])  # fmt: skip
def test_known_red_flags_from_the_answers_so_far(answers, rules):
    prof = profile()
    days = history(prof, 2)
    found = known_red_flags(prof, days, {"date": START + dt.timedelta(days=2), **answers})
    assert set(rules) <= set(found) and (bool(found) == bool(rules))


def test_session_pain_at_a_high_risk_bone_is_a_red_flag_at_once():
    prof = profile(site="navicular")
    days = history(prof, 2)
    answers = {"date": START + dt.timedelta(days=2), "session_done": "full", "pain_session": 1}
    assert "RF7" in known_red_flags(prof, days, answers)


def test_p0_ignores_rest_pain_but_not_night_pain_or_a_rise():
    prof = profile(start_stage="P0", walking_cleared=False)
    days = history(prof, 1)
    day = START + dt.timedelta(days=1)
    assert known_red_flags(prof, days, {"date": day, "pain_rest": 1}) == ()
    assert known_red_flags(prof, days, {"date": day, "pain_rest": 3}) == ("RF6",)  # 2+ above
    # night pain: whatever the engine's version says for P0 (v2: RF1 applies there too)
    full = decide(prof, days, partial_checkin({"date": day, "night_pain": True}))
    expected = tuple(r for r in full.rules if r.startswith("RF")) if full.alert else ()
    assert known_red_flags(prof, days, {"date": day, "night_pain": True}) == expected


def test_the_green_fill_is_green():
    checkin = partial_checkin({"date": START})
    assert all(is_green(name, getattr(checkin, name)) for name in GREEN)


@pytest.mark.parametrize(("stage", "line"), [
    ("W2", "Walk 2 of 6 — brisk walk, 15 min"),
    ("RW3", "Run/walk 3 of 8 — jog 3 min, walk 3 min × 5"),
    ("A70", "AlterG 3 of 6 (70% body weight) — 30 min, run 1–3 min × 5 inside walking"),
    ("R1", "Readiness tests — five pain-free readiness tests"),
    ("C1", "Continuous run 1 of 6 — easy continuous run, 30 min"),
])  # fmt: skip
def test_stage_lines(stage, line):
    assert stage_line(stage) == line


def test_place_and_codes_in_sentences():
    assert place("RW3", False) == "step 11 of 24 on your ladder"
    assert place("RW3", True) == "step 17 of 30 on your ladder"
    assert stage_name("P0") == "Protect"
    text = "2 more clean sessions at RW3, then RW4. Then you graduate (G)."
    assert in_words(text) == "2 more clean sessions at Run/walk 3, then Run/walk 4. Then you graduate (Graduated)."


@pytest.mark.parametrize(("stage", "calf", "plank", "plyo"), [
    ("W1", "double-leg 3 × 15", "3 × 20 s", None),
    ("RW2", "single-leg 3 × 12 each", "3 × 30 s", None),
    ("RW5", "single-leg 3 × 15 each", "3 × 45 s", "pogo hops"),
    ("C3", "single-leg 3 × 15 each", "3 × 45 s", "pogo hops"),
    ("B", "single-leg 3 × 20 each", "3 × 60 s", "hops and bounding"),
])  # fmt: skip
def test_strength_doses_follow_the_table(stage, calf, plank, plyo):
    by_name = dict(doses(stage))
    assert by_name["calf raises"] == calf and by_name["front plank"] == plank
    plyos = {"pogo hops", "hops and bounding"} & set(by_name)
    assert plyos == ({plyo} if plyo else set())
    assert "Stop an exercise at once if bone pain starts." in session_text(stage)


@pytest.mark.parametrize("text", ["my shin hurts a bit, what should I do?", "Sore foot today",
                                  "I think I'm limping", "pain at night"])
def test_pain_talk_gets_the_calm_answer(text):
    reply, keyboard = freetext.answer(text)
    assert "see a clinician at once" in reply and keyboard[0][0][0] == "Check in now"


@pytest.mark.parametrize("text", ["hello", "thanks!", "what can you do"])
def test_other_talk_gets_the_menu(text):
    reply, keyboard = freetext.answer(text)
    assert "/help" in reply and any("Settings" in b[0] for row in keyboard for b in row)
