"""What the chat fuzzer (tests/fuzz/test_fuzz_chats.py) says and presses: hypothesis
strategies for texts, commands, forged button data, names and clock moves, and the valid
answers and deep states it looks for."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from dialogs.runner import FORMS

INTERESTING = (
    "7h30", "7:30", "7,5", "1200 mg", "100 g", "62 kg", "137 lb", "1200mg", "5000 mg", "5001 mg",
    "0", "10", "11", "-1", "-0", "00", "3/10", "11/10", "1e9", "1e309", "NaN", "inf", "-inf",
    "99999999999999999999999999", "0.0000001", "٣", "𝟕", "½", "²", "24:00", "25h", "240 h",
    "9+", "5+", "6+", "3+", "yes", "No", "SKIP", "y", "nein", "✅", "Berlin", "Europe/Berlin",
    "Mars/Olympus", "etc/utc", "tue thu", "mon mon", "2026-02-30", "0001-01-01", "9999-12-31",
    "3 weeks ago", "999 months ago", "today", "<b>bold</b>", "</pre>", "&amp;", "\u202eevil",
    "\u200f\u05e9\u05dc\u05d5\u05dd", "مرحبا ١٢", "😀", "👍🏽", "\x00", "\x1b[31m", "\r\n", " ",
    "\t", "\u200b", "/", "//", "@", "#", "null",
    "'; DROP TABLE runners;--", "{0}", "%s", "I agree — let's start", "✅ Looks right",
    "Correct today's answers", "Delete everything", "No, change it", "6 h+", "12+ weeks ago",
)  # fmt: skip
UNITS = ("", "mg", "g", "kg", "lb", "lbs", "h", "min", "km", "mi", "miles", "servings",
         "portions", "x", "am", "pm", "/10", "%", "hours", " weeks ago")  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.builds(lambda n, sep, unit: f"{n}{sep}{unit}", st.integers(-500, 6000),
              st.sampled_from(("", " ")), st.sampled_from(UNITS)),  # fmt: skip
    st.from_regex(r"\d{1,3}[h:.,]\d{1,2}", fullmatch=True),
)
TEXTS = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(INTERESTING),
    NUMBERS,
    st.dates().map(dt.date.isoformat),
    st.builds(lambda piece, n: (piece * n)[:4096], st.text(min_size=1, max_size=3),
              st.integers(1, 4096)),  # fmt: skip
    # the longest texts Telegram delivers (4,096 characters), of digits, letters or emoji
    st.builds(lambda piece, n: piece * n, st.sampled_from(("x", "9", "😀", "\u202e", " 7")),
              st.sampled_from((4096, 2048))),  # fmt: skip
).filter(lambda text: text != "")

KNOWN_COMMANDS = ("start", "checkin", "today", "plan", "progress", "history", "export", "delete",
                  "privacy", "help", "cancel", "settings", "pause", "resume", "coach", "athletes",
                  "athlete", "clear", "hold")  # fmt: skip
ARGS = st.one_of(
    st.just(""),
    st.integers(-2, 4).map(str),
    NUMBERS,
    st.sampled_from(("all", "revoke", "REVOKE", "zone Berlin", "zone", "zone Mars", "c_", "c_x",
                     "1 2", "0", "-0", "٢", "c_" + "a" * 70)),  # fmt: skip
    st.text(min_size=1, max_size=24).map(lambda t: "c_" + t),
    st.text(min_size=1, max_size=40),
)
COMMAND_LINES = st.builds(
    lambda name, suffix, arg: f"/{name}{suffix}" + (f" {arg}" if arg else ""),
    st.one_of(st.sampled_from(KNOWN_COMMANDS), st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)),
    st.sampled_from(("", "", "", "@stridecoach_sandbox_bot", "@some_other_bot")),
    ARGS,
)
COACH_LINES = st.builds(
    lambda cmd, n: f"/{cmd}" + (f" {n}" if n is not None else ""),
    st.sampled_from(("athletes", "athlete", "clear", "hold", "resume")),
    st.one_of(st.none(), st.integers(0, 4), st.integers(-(10**30), 10**30)),
)


def _fits(data: str) -> bool:
    return 1 <= len(data.encode()) <= 64  # Telegram's callback_data limit


FORM_QUESTIONS = sorted((form.name, q.id) for form in FORMS.values() for q in form.questions)
WELL_FORMED_WRONG = (
    "f:checkin:pain_rest:99", "f:checkin:pain_rest:-1", "f:checkin:pain_rest:", "f:checkin:x:0",
    "f:nope:x:0", "f:", "f:::", "f:onboarding:consent:0", "f:settings:menu:4", "a:seen:1",
    "a:resume:1", "a:hold:1", "a:bogus:1", "a:seen:x", "a:seen:", "a:", "a:seen:-1",
    "a:seen:99999999999999999999", "snooze:7", "snooze:1", "snooze:3", "snooze:", "snooze:-1",
    "snooze:x", "snooze:99999999999999999999", "checkin:start", "checkin:correct",
    "checkin:today", "resume:self", "del:confirm", "del:cancel", "del:x", "del:", ":", "f",
)  # fmt: skip
FORGED = st.one_of(
    st.sampled_from(WELL_FORMED_WRONG),
    st.text(min_size=1, max_size=64),
    st.builds(lambda fq, i: f"f:{fq[0]}:{fq[1]}:{i}", st.sampled_from(FORM_QUESTIONS),
              st.one_of(st.integers(-2, 40), st.integers())),  # fmt: skip
    st.builds(lambda action, n: f"a:{action}:{n}", st.sampled_from(("seen", "resume", "hold", "x")),
              st.one_of(st.integers(-1, 12), st.integers(), st.text(max_size=8))),  # fmt: skip
    st.builds(lambda n: f"snooze:{n}", st.one_of(st.integers(-1, 5), st.text(max_size=8))),
).filter(_fits)

NAMES = st.one_of(
    st.sampled_from(("Ann", "Ben", "Cora", "<b>Dee</b>", "A & B", "\u202eEve", "😀" * 32,
                     "O'Neil", "x" * 64, "مريم", "</pre>")),  # fmt: skip
    st.text(min_size=1, max_size=64).filter(lambda name: name.strip() != ""),
)
DELTAS = st.one_of(
    st.sampled_from([dt.timedelta(minutes=m) for m in (1, 59, 60, 180, 23 * 60, 24 * 60, 25 * 60,
                                                       48 * 60, 7 * 24 * 60)]),  # fmt: skip
    st.integers(1, 9 * 24 * 60).map(lambda m: dt.timedelta(minutes=m)),
)
MEDIA = ("sticker", "photo", "photo_caption", "voice", "location", "document", "contact")

# Valid typed answers, by a phrase of the question (the question is the last paragraph).
TYPED = (
    ("Your body weight? Type", ("62 kg", "137 lb", "80")),
    ("How old are you", ("29", "45", "17", "9", "100")),
    ("body weight today", ("62 kg", "Skip", "140 lb")),
    ("When was it diagnosed", ("2026-02-01", "3 weeks ago", "yesterday", "today")),
    ("Which time zone", ("Berlin", "New York", "Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago",
                         "Australia/Lord_Howe", "Asia/Kathmandu")),  # fmt: skip
    ("Your time zone? Type", ("Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Kolkata")),
    ("remind you to check in each morning", ("7:15", "6am", "23:59", "00:00")),
    ("New check-in reminder time", ("7:15", "6am", "23:59", "00:00")),
    ("Before the injury", ("30 km", "20 miles", "180 min", "5 h")),
    ("Which two days", ("mon wed", "Saturday and Sunday")),
    ("hours did you sleep", ("7h30", "7,5", "9")),
    ("Calcium yesterday", ("1200 mg", "3", "2 servings")),
    ("Protein yesterday", ("100 g", "4", "3 portions")),
    ("at rest or walking around", ("0", "1/10")),
)
# Texts that show the chats reached a deep state (reported with --hypothesis-show-statistics).
MILESTONES = (
    ("You're all set", "reached: onboarding done"),
    ("Next:", "reached: a decision"),
    ("🛑", "reached: a stop"),
    ("Scaling back", "reached: a scale-back"),
    ("moving up to", "reached: an advance"),
    ("You are linked to your coach", "reached: a runner linked"),
    ("Good morning!", "reached: a morning reminder"),
    ("Your athletes:", "reached: an athlete list"),
    ("Correcting today's check-in", "reached: a correction"),
    ("everything about you is deleted", "reached: a deletion"),
    ("Your coach has", "reached: a coach action told"),
    ("has seen your alert", "reached: an alert seen"),
    ("set aside", "reached: an expired check-in"),
    ("All saved. Your settings", "reached: settings saved"),
    ("🚨", "reached: an urgent alert to a coach"),
    ("Marked as seen", "reached: an alert seen"),
    ("restarts one stage below", "reached: a resume"),
)
# Answers that are valid somewhere (for bursts of quick typing).
GOOD_WORDS = ("0", "No", "Yes", "8", "3", "4", "62 kg", "29", "/checkin", "/start", "/cancel",
              "/today", "Skip", "7h30", "1200 mg")  # fmt: skip
# Buttons that move a form forward; the state machine picks them three times out of four.
FORWARD = {"I agree — let's start", "✅ Looks right", "✅ Done", "Walking without pain",
           "Already doing some run/walk", "Yes", "4 weeks ago", "Europe/Berlin", "07:00",
           "Tue + Thu", "3 h", "Female", "Male"}  # fmt: skip
