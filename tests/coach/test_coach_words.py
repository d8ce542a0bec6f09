"""Coach-facing wording and timing (issue 17): third person, every rule, the coach's daytime."""

import datetime as dt
import re

import pytest

from dialogs import coach_words as words
from dialogs.alerts import daytime
from protocols.codes import RULE_IDS
from protocols.messages import REASONS
from storage import CoachRow, RunnerRow
from tests.e2e.test_squad import second_person_about_athlete
from tests.storage.conftest import make_profile


def runner(sex="female", name="Rita", site="navicular") -> RunnerRow:
    return RunnerRow(1, 1, name, make_profile(sex=sex, site=site), "UTC", "07:00", 3, (), True, False,
                     None, None, "x")  # fmt: skip


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_reads_in_the_third_person(rule_id):
    for sex, pronoun in (("female", "her"), ("male", "him|his"), (None, "them|their")):
        text = words.rule(runner(sex), rule_id)
        assert text.startswith("Rita ")
        assert not re.search(r"\byou(r)?\b", text, re.I), text
        if "{" in words.RULES[rule_id]:
            assert re.search(rf"\b({pronoun})\b", text), text


def test_the_transcript_scan_catches_the_runner_wording():
    old = "\n".join(f"bot: • {REASONS[r]}" for r in ("RF1", "RF2", "RF3", "H7", "RED5"))
    assert len(second_person_about_athlete(old)) == 5
    fine = ("bot: ⏸ Ann (Heel) stays stopped until you resume the plan. Ann has been told.\n"
            "bot: Your athletes:\nbot: Already done by you at 09:14.")
    assert second_person_about_athlete(fine) == []


def test_names_pronouns_and_labels():
    assert words.label(runner()) == "Rita (Top of the foot, midfoot)"
    assert words.pronouns(runner("male")) == ("he", "his")
    assert words.high_risk(runner()) and not words.high_risk(runner(site="tibia_posteromedial"))
    assert words.stage_words("RW2") == "RW2 · Run/walk, jog 2 min, walk 4 min — 5 times"


@pytest.mark.parametrize(("utc", "expected"), [
    ("2026-03-02T06:00", "2026-03-02T07:00"),  # 07:00 Berlin: waits for 08:00
    ("2026-03-02T09:00", "2026-03-02T09:00"),  # daytime: at once
    ("2026-03-02T20:30", "2026-03-03T07:00"),  # 21:30 Berlin: next morning
    ("2026-03-28T23:30", "2026-03-29T06:00"),  # the spring DST night: 08:00 CEST
])  # fmt: skip
def test_a_review_waits_for_the_coach_daytime(utc, expected):
    coach = CoachRow(9, 9, "Kay", "Europe/Berlin", "code", "x")
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert daytime(coach, now) == dt.datetime.fromisoformat(expected).replace(tzinfo=dt.UTC)


def test_the_digest_never_calls_a_week_with_night_pain_painless():
    from dialogs.digest import pain_line
    from tests.storage.conftest import make_checkin

    d = dt.date(2026, 3, 13)
    quiet = [make_checkin(d, pain_morning=0), make_checkin(d + dt.timedelta(days=1), pain_morning=0)]
    assert pain_line(quiet) == "none all week"
    woke = [make_checkin(d, pain_morning=0, night_pain=True), quiet[1]]
    assert pain_line(woke) == "no 0–10 pain reported; night pain Fri 13 Mar"
