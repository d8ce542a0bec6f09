"""Every parser of dialogs/parsing.py, table-driven: what a runner may type (valid), the edges
of each range and unit, and what gets a re-prompt (invalid) with the message the runner reads.

A row is (typed text, expected value) or (typed text, part of the re-prompt). The calcium and
protein tables are kept apart at the end: their servings-or-amount rule is being changed.
"""

import datetime as dt

import pytest

from dialogs.parsing import (
    MAX_ANSWER_CHARS,
    Invalid,
    calcium_mg,
    clean,
    clock_time,
    hours,
    past_date,
    protein_g,
    time_zone,
    weekdays,
    weekly_minutes,
    weight_kg,
    whole_number,
    yes_no,
)

TOO_LONG = "7" * (MAX_ANSWER_CHARS + 1)


def check(parse, text, expected):
    """A valid answer parses to `expected` (numbers compared to 0.01)."""
    value = parse(text)
    if isinstance(expected, float):
        assert value == pytest.approx(expected, abs=0.01), text
    else:
        assert value == expected, text


def refused(parse, text, message):
    """An invalid answer raises Invalid whose text (the re-prompt) contains `message`."""
    with pytest.raises(Invalid) as caught:
        parse(text)
    assert message in str(caught.value), (text, str(caught.value))


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


# --- weekdays -----------------------------------------------------------------------------------


def any_weekdays(text):
    return weekdays(text)


def two_weekdays(text):  # strength days: exactly two
    return weekdays(text, count=2)


WEEKDAYS_VALID = [
    ("tue thu", ["tue", "thu"]), ("Tue + Thu", ["tue", "thu"]),
    ("tuesday, thursday", ["tue", "thu"]), ("thu tue", ["tue", "thu"]),
    ("TUES THURS", ["tue", "thu"]), ("mon mon", ["mon"]),
    ("Mon and Wed or Fri", ["mon", "wed", "fri"]), ("sat sun", ["sat", "sun"]),
    ("sunday monday", ["mon", "sun"]),
]  # fmt: skip
TWO_WEEKDAYS_VALID = [("tue thu", ["tue", "thu"]), ("mon/wed", ["mon", "wed"])]  # strength days
WEEKDAYS_INVALID = [
    ("", "Please name weekdays, e.g. Tue Thu."),
    ("123", "Please name weekdays, e.g. Tue Thu."),
    ("tomorrow", "Please name weekdays, e.g. Tue Thu."),
    ("tue and later", "Please name weekdays, e.g. Tue Thu."),
    ("t", "Please name weekdays, e.g. Tue Thu."),
    (TOO_LONG, "That answer is too long."),
]
TWO_WEEKDAYS_INVALID = [
    ("tue", "Please name 2 weekdays, e.g. Tue Thu."),
    ("mon wed fri", "Please name 2 weekdays, e.g. Tue Thu."),
    ("mon mon", "Please name 2 weekdays, e.g. Tue Thu."),
]


# --- past_date (today a Monday, 2 March 2026; at most two years back) ----------------------------

TODAY = dt.date(2026, 3, 2)


def injury_date(text):
    return past_date(text, TODAY)


PAST_VALID = [
    ("today", "2026-03-02"), ("Today", "2026-03-02"), ("yesterday", "2026-03-01"),
    ("1 day ago", "2026-03-01"), ("10 days ago", "2026-02-20"), ("0 days ago", "2026-03-02"),
    ("1 week ago", "2026-02-23"), ("3 weeks ago", "2026-02-09"), ("2 months ago", "2026-01-01"),
    ("2026-03-01", "2026-03-01"), ("2026-03-02", "2026-03-02"), ("01.03.2026", "2026-03-01"),
    ("1.3.2026", "2026-03-01"), ("01/03/2026", "2026-03-01"), ("1 mar 2026", "2026-03-01"),
    ("1 March 2026", "2026-03-01"), ("2024-03-02", "2024-03-02"),  # exactly 730 days
    ("24 months ago", "2024-03-12"), ("03/01/2026", "2026-01-03"),  # day first
]  # fmt: skip
FORMAT = "Please send a date like 2026-03-01, or e.g. '3 weeks ago'."
PAST_INVALID = [
    ("2026-03-03", "That date is in the future."),
    ("tomorrow", FORMAT),
    ("2026-02-30", FORMAT),
    ("2024-03-01", "That is more than two years ago; please check the date."),
    ("25 months ago", "That is more than two years ago; please check the date."),
    ("999 months ago", "That is more than two years ago; please check the date."),
    ("3 weeks", FORMAT),
    ("last week", FORMAT),
    ("-3 days ago", FORMAT),
    ("2026/03/01", FORMAT),
    ("", FORMAT),
    (TOO_LONG, "That answer is too long."),
]


def test_past_date_oldest_is_the_callers():
    assert past_date("10 days ago", TODAY, oldest_days=10) == "2026-02-20"
    refused(lambda t: past_date(t, TODAY, oldest_days=10), "11 days ago", "more than two years")


# --- calcium and protein: servings/portions or an amount -----------------------------------------
# Today a bare number up to 10 is servings (calcium, ~300 mg each) or palm-sized portions
# (protein, ~25 g each); above 10 it is mg or g. This rule is being changed: update the
# bare-number rows below with it.

CALCIUM_BARE = [("0", 0), ("1", 300), ("3", 900), ("2.5", 750), ("2,5", 750), ("10", 3000),
                ("11", 11.0), ("900", 900.0), ("1200", 1200.0), ("5000", 5000.0)]  # fmt: skip
PROTEIN_BARE = [("0", 0), ("1", 25), ("4", 100), ("2,4", 60), ("10", 250), ("11", 11.0),
                ("100", 100.0), ("500", 500.0)]  # fmt: skip

CALCIUM_UNITS = [
    ("3 servings", 900), ("1 serving", 300), ("3servings", 900), ("3 glasses", 900),
    ("1 glass", 300), ("3x", 900), ("3 x", 900), ("1200 mg", 1200.0), ("1200mg", 1200.0),
    ("1200 MG", 1200.0), ("1200 mg.", 1200.0), ("1200,5 mg", 1200.5), ("0 mg", 0.0),
    ("5000 mg", 5000.0), ("3 mg", 3.0),
]  # fmt: skip
CALCIUM_EXAMPLE = "3 (servings) or 1200 mg"
CALCIUM_INVALID = [
    ("5001", f"That is outside the range I can use. Try e.g. {CALCIUM_EXAMPLE}."),
    ("5001 mg", f"That is outside the range I can use. Try e.g. {CALCIUM_EXAMPLE}."),
    ("3 cups", f"I did not understand the unit 'cups'. Try e.g. {CALCIUM_EXAMPLE}."),
    ("1 g", f"I did not understand the unit 'g'. Try e.g. {CALCIUM_EXAMPLE}."),
    ("lots", f"Please send a number, e.g. {CALCIUM_EXAMPLE}."),
    ("-3", f"Please send a number, e.g. {CALCIUM_EXAMPLE}."),
    ("", f"Please send a number, e.g. {CALCIUM_EXAMPLE}."),
    (TOO_LONG, "That answer is too long."),
]

PROTEIN_UNITS = [
    ("4 portions", 100), ("1 portion", 25), ("4 palms", 100), ("1 palm", 25), ("4x", 100),
    ("100 g", 100.0), ("100g", 100.0), ("100 gr", 100.0), ("100 grams", 100.0),
    ("100 G", 100.0), ("0 g", 0.0), ("500 g", 500.0), ("4 g", 4.0), ("80,5 g", 80.5),
]  # fmt: skip
PROTEIN_EXAMPLE = "4 (portions) or 100 g"
PROTEIN_INVALID = [
    ("501", f"That is outside the range I can use. Try e.g. {PROTEIN_EXAMPLE}."),
    ("501 g", f"That is outside the range I can use. Try e.g. {PROTEIN_EXAMPLE}."),
    ("100 oz", f"I did not understand the unit 'oz'. Try e.g. {PROTEIN_EXAMPLE}."),
    ("100 mg", f"I did not understand the unit 'mg'. Try e.g. {PROTEIN_EXAMPLE}."),
    ("some", f"Please send a number, e.g. {PROTEIN_EXAMPLE}."),
    ("", f"Please send a number, e.g. {PROTEIN_EXAMPLE}."),
    (TOO_LONG, "That answer is too long."),
]


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
    (any_weekdays, WEEKDAYS_VALID, WEEKDAYS_INVALID),
    (two_weekdays, TWO_WEEKDAYS_VALID, TWO_WEEKDAYS_INVALID),
    (injury_date, PAST_VALID, PAST_INVALID),
    (calcium_mg, CALCIUM_BARE + CALCIUM_UNITS, CALCIUM_INVALID),
    (protein_g, PROTEIN_BARE + PROTEIN_UNITS, PROTEIN_INVALID),
]


def cases(column: int):
    """One test case per row of column 1 (valid) or 2 (invalid) of TABLES."""
    return [pytest.param(tables[0], text, want, id=f"{tables[0].__name__}:{text[:24]!r}")
            for tables in TABLES for text, want in tables[column]]  # fmt: skip


@pytest.mark.parametrize(("parse", "text", "expected"), cases(1))
def test_valid_answers_parse(parse, text, expected):
    check(parse, text, expected)


@pytest.mark.parametrize(("parse", "text", "message"), cases(2))
def test_invalid_answers_get_a_re_prompt_saying_what_is_valid(parse, text, message):
    refused(parse, text, message)


def test_weekly_minutes_are_whole_minutes():
    assert all(type(weekly_minutes(text)) is int for text, _ in WEEKLY_VALID)
