"""The parsers for weekdays, past dates, calcium and protein, the injured bone and missed
periods, table-driven like test_parsing.py: a weekday is a word that starts a day's name
("monkey" is not Monday), a bone word is a whole word ("ship" is not the hip).
"""

import datetime as dt

import pytest

from dialogs.checkin import FORM as CHECKIN
from dialogs.forms import FormContext
from dialogs.parsing import calcium_mg, past_date, protein_g, weekdays
from dialogs.vocabulary import site_code
from tests.dialogs.tables import TOO_LONG, cases, check, refused

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
    ("sunday monday", ["mon", "sun"]), ("tuesdays and thursdays", ["tue", "thu"]),
    ("weds fri", ["wed", "fri"]), ("thur sat", ["thu", "sat"]), ("Saturday", ["sat"]),
    ("WED", ["wed"]), ("satur", ["sat"]),
]  # fmt: skip
TWO_WEEKDAYS_VALID = [("tue thu", ["tue", "thu"]), ("mon/wed", ["mon", "wed"])]  # strength days
WEEKDAYS_INVALID = [
    ("", "Please name weekdays, e.g. Tue Thu."),
    ("123", "Please name weekdays, e.g. Tue Thu."),
    ("tomorrow", "Please name weekdays, e.g. Tue Thu."),
    ("tue and later", "Please name weekdays, e.g. Tue Thu."),
    ("t", "Please name weekdays, e.g. Tue Thu."),
    ("monkey", "Please name weekdays, e.g. Tue Thu."),  # not Monday: a day's name must start it
    ("sunny", "Please name weekdays, e.g. Tue Thu."),
    ("mo", "Please name weekdays, e.g. Tue Thu."),  # three letters at least
    ("fridge", "Please name weekdays, e.g. Tue Thu."),
    ("wedding", "Please name weekdays, e.g. Tue Thu."),
    ("tuesdayx", "Please name weekdays, e.g. Tue Thu."),
    (TOO_LONG, "That answer is too long."),
]
TWO_WEEKDAYS_INVALID = [
    ("tue", "Please name 2 weekdays, e.g. Tue Thu."),
    ("mon wed fri", "Please name 2 weekdays, e.g. Tue Thu."),
    ("mon mon", "Please name 2 weekdays, e.g. Tue Thu."),
    ("monkey thu", "Please name weekdays, e.g. Tue Thu."),
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
# A bare number up to 15 is servings (calcium, ~300 mg each) or palm-sized portions (protein,
# ~25 g each); above 15 it is mg or g (dialogs.parsing.SERVINGS_UP_TO: no cliff at 10).

CALCIUM_BARE = [("0", 0), ("1", 300), ("3", 900), ("2.5", 750), ("2,5", 750), ("10", 3000),
                ("11", 3300), ("15", 4500), ("16", 16.0), ("900", 900.0), ("1200", 1200.0), ("5000", 5000.0),
                ("5+", 1500)]  # fmt: skip
PROTEIN_BARE = [("0", 0), ("1", 25), ("4", 100), ("2,4", 60), ("10", 250), ("11", 275),
                ("15", 375), ("16", 16.0),
                ("100", 100.0), ("500", 500.0), ("6+", 150)]  # fmt: skip

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
    ("1+2", f"Please send a number, e.g. {CALCIUM_EXAMPLE}."),  # not 12 servings
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
    ("2+2", f"Please send a number, e.g. {PROTEIN_EXAMPLE}."),  # not 22 g
    ("", f"Please send a number, e.g. {PROTEIN_EXAMPLE}."),
    (TOO_LONG, "That answer is too long."),
]


# --- the injured bone in words (onboarding and /settings) ----------------------------------------

SITE_VALID = [
    ("Heel", "calcaneus"), ("heel", "calcaneus"), ("Top of the foot, midfoot", "navicular"),
    ("navicular", "navicular"), ("my heel hurts", "calcaneus"), ("both heels", "calcaneus"),
    ("the hip", "femoral_neck"), ("Hip (femoral neck)", "femoral_neck"),
    ("I don't know", "other"), ("Not sure", "other"), ("thigh bone", "femoral_shaft"),
]  # fmt: skip
NOT_A_BONE = "Please choose the bone with a button (or 'Not sure')."
SITE_INVALID = [
    ("ship", NOT_A_BONE), ("wheel", NOT_A_BONE), ("chip", NOT_A_BONE), ("hippo", NOT_A_BONE),
    ("shipping", NOT_A_BONE), ("leg", NOT_A_BONE), ("", NOT_A_BONE),
    (TOO_LONG, "That answer is too long."),
]  # fmt: skip


# --- missed periods (the check-in's weekly question) ---------------------------------------------

CTX = FormContext(1, 1, "Ann", TODAY, dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC), {"_date": "2026-03-02"})


def missed_periods(text):
    return CHECKIN.question("missed_cycles").read(text, CTX)


CYCLES_VALID = [("0", 0), ("2", 2), ("3+", 3), (" 3+ ", 3), ("Skip", None), ("24", 24)]
CYCLES_INVALID = [
    ("1+2", "Please send a whole number from 0 to 24 for missed periods."),  # not 12
    ("25", "Missed periods goes from 0 to 24."),
    ("some", "Please send a whole number from 0 to 24 for missed periods."),
]

# --- every table, run ----------------------------------------------------------------------

# each parser with its valid table and its invalid table
TABLES = [
    (any_weekdays, WEEKDAYS_VALID, WEEKDAYS_INVALID),
    (two_weekdays, TWO_WEEKDAYS_VALID, TWO_WEEKDAYS_INVALID),
    (injury_date, PAST_VALID, PAST_INVALID),
    (calcium_mg, CALCIUM_BARE + CALCIUM_UNITS, CALCIUM_INVALID),
    (protein_g, PROTEIN_BARE + PROTEIN_UNITS, PROTEIN_INVALID),
    (site_code, SITE_VALID, SITE_INVALID),
    (missed_periods, CYCLES_VALID, CYCLES_INVALID),
]


@pytest.mark.parametrize(("parse", "text", "expected"), cases(TABLES, 1))
def test_valid_answers_parse(parse, text, expected):
    check(parse, text, expected)


@pytest.mark.parametrize(("parse", "text", "message"), cases(TABLES, 2))
def test_invalid_answers_get_a_re_prompt_saying_what_is_valid(parse, text, message):
    refused(parse, text, message)
