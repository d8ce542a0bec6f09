"""The parsers of dialogs/parsing.py for words, numbers, hours, weights, times and zones,
table-driven: what a runner may type (valid), the edges of each range and unit, and what gets
a re-prompt (invalid) with the message the runner reads. Days, dates and amounts are in
test_parsing_days_amounts.py.
"""

import pytest

from dialogs.parsing import (
    MAX_ANSWER_CHARS,
    Invalid,
    clean,
    clock_time,
    hours,
    time_zone,
    weekly_minutes,
    weight_kg,
    whole_number,
    yes_no,
)
from tests.dialogs.tables import TOO_LONG, cases, check, refused

# --- clean -------------------------------------------------------------------------------

CLEAN = [
    ("Hello", "hello"),
    ("  Seven   HOURS \n", "seven hours"),
    ("\tyes\t", "yes"),
    ("７", "7"),  # full-width digit (NFKC)
    ("𝟕 h", "7 h"),  # mathematical digit (NFKC)
    ("ﬁve", "five"),  # ligature (NFKC)
    ("", ""),
    ("7" * MAX_ANSWER_CHARS, "7" * MAX_ANSWER_CHARS),  # exactly at the limit
]


CLEAN_INVALID = [(TOO_LONG, "That answer is too long.")]


# --- whole_number (pain 0–10 as the check-in asks it, age 9–100 as onboarding does) --------


def pain(text):
    return whole_number(text, 0, 10, "pain at rest")


def age(text):
    return whole_number(text, 9, 100, "age")


PAIN_VALID = [
    ("0", 0), ("3", 3), ("10", 10), (" 4 ", 4), ("3/10", 3), ("3 /10", 3), ("10/10", 10),
    ("07", 7), ("７", 7), ("𝟕", 7),
]  # fmt: skip
PAIN_INVALID = [
    ("11", "Pain at rest goes from 0 to 10."),
    ("-1", "Pain at rest goes from 0 to 10."),
    ("11/10", "Pain at rest goes from 0 to 10."),
    ("3.5", "Please send a whole number from 0 to 10 for pain at rest."),
    ("three", "Please send a whole number from 0 to 10 for pain at rest."),
    ("", "Please send a whole number from 0 to 10 for pain at rest."),
    ("3 4", "Please send a whole number from 0 to 10 for pain at rest."),
    ("1e1", "Please send a whole number from 0 to 10 for pain at rest."),
    ("😀", "Please send a whole number from 0 to 10 for pain at rest."),
    (TOO_LONG, "That answer is too long."),
]
AGE_VALID = [("9", 9), ("29", 29), ("100", 100)]
AGE_INVALID = [("8", "Age goes from 9 to 100."), ("101", "Age goes from 9 to 100."),
               ("29 years", "Please send a whole number from 9 to 100 for age.")]  # fmt: skip


# --- yes_no --------------------------------------------------------------------------------

YES_NO_VALID = [
    ("yes", True), ("Yes", True), ("YES", True), ("y", True), ("yeah", True), ("yep", True),
    ("true", True), ("1", True), ("ja", True), ("si", True), ("oui", True), ("Yes!", True),
    ("✅ Yes", True), ("  yes.  ", True),
    ("no", False), ("No", False), ("n", False), ("nope", False), ("false", False), ("0", False),
    ("nein", False), ("non", False), ("❌ No", False), ("no.", False),
]  # fmt: skip
YES_NO_INVALID = [
    ("maybe", "Please answer yes or no."),
    ("", "Please answer yes or no."),
    ("yes no", "Please answer yes or no."),
    ("2", "Please answer yes or no."),
    ("✅", "Please answer yes or no."),
    ("👍", "Please answer yes or no."),
    (TOO_LONG, "That answer is too long."),
]


# --- hours (sleep 0–24 as the check-in asks it) ----------------------------------------------


def sleep(text):
    return hours(text, 0, 24, "sleep")


HOURS_VALID = [
    ("7", 7.0), ("0", 0.0), ("24", 24.0), ("7.5", 7.5), ("7,5", 7.5), ("7h30", 7.5),
    ("7:30", 7.5), ("7 h", 7.0), ("7h", 7.0), ("7 hours", 7.0), ("1 hour", 1.0),
    ("7 hrs", 7.0), ("7hr", 7.0), ("7.5h", 7.5), ("7h 15m", 7.25), ("7 h 15 min", 7.25),
    ("7:45", 7.75), ("7h20", 7.33), ("6:05", 6.08), ("7H30", 7.5), ("７:３０", 7.5),
]  # fmt: skip
HOURS_INVALID = [
    ("25", "Sleep must be between 0 and 24 hours."),
    ("24:30", "Sleep must be between 0 and 24 hours."),
    ("24.1", "Sleep must be between 0 and 24 hours."),
    ("-1", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("seven", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("7 minutes", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("1e1", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("nan", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("7h30h", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("7h75", "Please send sleep in hours, e.g. 7.5 or 7h30."),  # 75 is no minute count (not 8.25 h)
    ("7:60", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    ("6h99m", "Please send sleep in hours, e.g. 7.5 or 7h30."),
    (TOO_LONG, "That answer is too long."),
]


def test_hours_range_is_the_callers():
    assert hours("48", 0, 240, "soreness") == 48.0  # soreness goes to 240 h
    refused(lambda t: hours(t, 0, 240, "soreness"), "241",
            "Soreness must be between 0 and 240 hours.")  # fmt: skip


# --- weight_kg (25–250 kg, kg or lb) ---------------------------------------------------------

WEIGHT_VALID = [
    ("62", 62.0), ("62 kg", 62.0), ("62kg", 62.0), ("62 KG", 62.0), ("62.5 kg", 62.5),
    ("62,5", 62.5), ("62 kgs", 62.0), ("62 kilo", 62.0), ("62 kilos", 62.0), ("62 kg.", 62.0),
    ("137 lb", 62.1), ("137 lbs", 62.1), ("137lb", 62.1), ("137 pounds", 62.1),
    ("25", 25.0), ("250", 250.0), ("56 lb", 25.4),
]  # fmt: skip
WEIGHT_INVALID = [
    ("24", "That is outside the range I can use. Try e.g. 62 kg or 137 lb."),
    ("251", "That is outside the range I can use. Try e.g. 62 kg or 137 lb."),
    ("0", "That is outside the range I can use. Try e.g. 62 kg or 137 lb."),
    ("600 lb", "That is outside the range I can use. Try e.g. 62 kg or 137 lb."),
    ("10 st", "I did not understand the unit 'st'. Try e.g. 62 kg or 137 lb."),
    ("62 g", "I did not understand the unit 'g'. Try e.g. 62 kg or 137 lb."),
    ("heavy", "Please send a number, e.g. 62 kg or 137 lb."),
    ("-60", "Please send a number, e.g. 62 kg or 137 lb."),
    ("", "Please send a number, e.g. 62 kg or 137 lb."),
    ("62 kg 500 g", "Please send a number, e.g. 62 kg or 137 lb."),
    (TOO_LONG, "That answer is too long."),
]


# --- weekly_minutes (pre-injury running: 30–3000 min; km at ~6 min/km) -------------------------

WEEKLY_VALID = [
    ("180", 180), ("180 min", 180), ("180 mins", 180), ("180 minutes", 180), ("180m", 180),
    ("3 h", 180), ("3h", 180), ("3 hours", 180), ("3 hrs", 180), ("2.5 h", 150),
    ("2,5 hours", 150), ("30 km", 180), ("30 kms", 180), ("20 miles", 193), ("20 mi", 193),
    ("30", 30), ("3000", 3000), ("50 h", 3000), ("5 km", 30),
]  # fmt: skip
WEEKLY_INVALID = [
    ("29", "That is outside the range I can use. Try e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("3001", "That is outside the range I can use. Try e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("51 h", "That is outside the range I can use. Try e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("0", "That is outside the range I can use. Try e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("3 weeks", "I did not understand the unit 'weeks'. Try e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("a lot", "Please send a number, e.g. 180 min, 3 h, 30 km or 20 miles."),
    ("3h30", "Please send a number, e.g. 180 min, 3 h, 30 km or 20 miles."),
    (TOO_LONG, "That answer is too long."),
]


# --- clock_time ---------------------------------------------------------------------------------

CLOCK_VALID = [
    ("7", "07:00"), ("07", "07:00"), ("0", "00:00"), ("07:30", "07:30"), ("7:30", "07:30"),
    ("7.30", "07:30"), ("7h30", "07:30"), ("23:59", "23:59"), ("00:00", "00:00"),
    ("7am", "07:00"), ("7 am", "07:00"), ("7 AM", "07:00"), ("7pm", "19:00"),
    ("7:30 pm", "19:30"), ("7.30am", "07:30"), ("12am", "00:00"), ("12pm", "12:00"),
    ("12:15 am", "00:15"), ("1pm", "13:00"), ("７:３０", "07:30"), (" 9:15 ", "09:15"),
]  # fmt: skip
CLOCK_INVALID = [
    ("24:00", "Please send a real time of day, like 07:30."),
    ("25", "Please send a real time of day, like 07:30."),
    ("7:60", "Please send a real time of day, like 07:30."),
    ("13pm", "With am/pm the hour goes from 1 to 12."),
    ("0am", "With am/pm the hour goes from 1 to 12."),
    ("7:5", "Please send a time like 07:30 or 7am."),
    ("730", "Please send a time like 07:30 or 7am."),
    ("noon", "Please send a time like 07:30 or 7am."),
    ("7:30:00", "Please send a time like 07:30 or 7am."),
    ("-7", "Please send a time like 07:30 or 7am."),
    ("", "Please send a time like 07:30 or 7am."),
    (TOO_LONG, "That answer is too long."),
]


# --- time_zone ----------------------------------------------------------------------------------

ZONE_VALID = [
    ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"),
    ("EUROPE/BERLIN", "Europe/Berlin"), ("Berlin", "Europe/Berlin"), ("berlin", "Europe/Berlin"),
    ("  Berlin  ", "Europe/Berlin"), ("America/New_York", "America/New_York"),
    ("America/New York", "America/New_York"), ("New York", "America/New_York"),
    ("new  york", "America/New_York"), ("NYC", "America/New_York"),
    ("Boston", "America/New_York"), ("San Francisco", "America/Los_Angeles"),
    ("Kolkata", "Asia/Kolkata"), ("Delhi", "Asia/Kolkata"), ("Mumbai", "Asia/Kolkata"),
    ("London", "Europe/London"), ("Sydney", "Australia/Sydney"), ("Munich", "Europe/Berlin"),
    ("Kiev", "Europe/Kyiv"), ("Kyiv", "Europe/Kyiv"), ("UTC", "UTC"), ("GMT", "UTC"),
    ("Etc/UTC", "Etc/UTC"),
]  # fmt: skip
NOT_FOUND = "I could not find that place."
ZONE_INVALID = [
    ("Mars/Olympus", NOT_FOUND), ("Atlantis", NOT_FOUND), ("", NOT_FOUND), ("/", NOT_FOUND),
    ("Europe", NOT_FOUND), ("UTC+2", NOT_FOUND), ("😀", NOT_FOUND),
    ("x" * (MAX_ANSWER_CHARS + 1), "That answer is too long."),
]  # fmt: skip


def test_time_zone_re_prompt_says_what_works():
    with pytest.raises(Invalid) as caught:
        time_zone("Atlantis")
    assert "Berlin" in str(caught.value) and "Europe/Berlin" in str(caught.value)


# --- every table, run ----------------------------------------------------------------------

# each parser with its valid table and its invalid table
TABLES = [
    (clean, CLEAN, CLEAN_INVALID),
    (pain, PAIN_VALID, PAIN_INVALID),
    (age, AGE_VALID, AGE_INVALID),
    (yes_no, YES_NO_VALID, YES_NO_INVALID),
    (sleep, HOURS_VALID, HOURS_INVALID),
    (weight_kg, WEIGHT_VALID, WEIGHT_INVALID),
    (weekly_minutes, WEEKLY_VALID, WEEKLY_INVALID),
    (clock_time, CLOCK_VALID, CLOCK_INVALID),
    (time_zone, ZONE_VALID, ZONE_INVALID),
]


@pytest.mark.parametrize(("parse", "text", "expected"), cases(TABLES, 1))
def test_valid_answers_parse(parse, text, expected):
    check(parse, text, expected)


@pytest.mark.parametrize(("parse", "text", "message"), cases(TABLES, 2))
def test_invalid_answers_get_a_re_prompt_saying_what_is_valid(parse, text, message):
    refused(parse, text, message)


def test_weekly_minutes_are_whole_minutes():
    assert all(type(weekly_minutes(text)) is int for text, _ in WEEKLY_VALID)
