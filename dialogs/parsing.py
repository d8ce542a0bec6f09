"""Parsers for typed answers and button labels alike: each returns a value or raises Invalid.

Every message says, briefly, what is valid: it is shown to the runner as the re-prompt.
"""

import datetime as dt
import re
import unicodedata
import zoneinfo
from functools import cache

from protocols.codes import WEEKDAYS

MAX_ANSWER_CHARS = 200
LB_TO_KG = 0.45359237
EASY_MIN_PER_KM = 6  # [product] converts km to minutes at an easy pace (~9:40 per mile)
KM_PER_MILE = 1.609344
CALCIUM_MG_PER_SERVING = 300  # a glass of milk, a yogurt or a slice of cheese
PROTEIN_G_PER_PORTION = 25  # a palm-sized portion of meat, fish, eggs or tofu


class Invalid(ValueError):
    """An answer that cannot be used; the message says what is valid."""


def clean(text: str) -> str:
    """Normalise what was typed: NFKC, trimmed, lower case, one space."""
    if len(text) > MAX_ANSWER_CHARS:
        raise Invalid("That answer is too long.")
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", text)


_NUMBER = r"(\d+(?:[.,]\d+)?)"


def _number(text: str) -> float | None:
    match = re.fullmatch(_NUMBER, text)
    return float(match.group(1).replace(",", ".")) if match else None


def whole_number(text: str, low: int, high: int, what: str) -> int:
    """A whole number in [low, high]: "3", "3/10"."""
    t = clean(text).removesuffix("/10").strip()
    if not re.fullmatch(r"-?\d+", t):
        raise Invalid(f"Please send a whole number from {low} to {high} for {what}.")
    value = int(t)
    if not low <= value <= high:
        raise Invalid(f"{what.capitalize()} goes from {low} to {high}.")
    return value


def yes_no(text: str) -> bool:
    t = clean(text).strip("!.✅❌ ")
    if t in ("yes", "y", "yeah", "yep", "true", "1", "ja", "si", "oui"):
        return True
    if t in ("no", "n", "nope", "false", "0", "nein", "non"):
        return False
    raise Invalid("Please answer yes or no.")


def hours(text: str, low: float, high: float, what: str) -> float:
    """Hours as "7", "7.5", "7,5", "7h30", "7:30", "7 h", "7 hours"."""
    t = clean(text)
    match = re.fullmatch(r"(\d{1,3})\s*(?:h|:|hours?|hrs?)\s*(\d{1,2})\s*(?:m|min)?", t)
    if match:
        if int(match.group(2)) > 59:  # "7h75" is not 8.25 h: a minute count goes to 59
            raise Invalid(f"Please send {what} in hours, e.g. 7.5 or 7h30.")
        value = int(match.group(1)) + int(match.group(2)) / 60
    else:
        t = re.sub(r"\s*(h|hours?|hrs?)$", "", t)
        number = _number(t)
        if number is None:
            raise Invalid(f"Please send {what} in hours, e.g. 7.5 or 7h30.")
        value = number
    if not low <= value <= high:
        raise Invalid(f"{what.capitalize()} must be between {low:g} and {high:g} hours.")
    return round(value, 2)


def amount(text: str, units: dict[str, float], default_unit: str, low: float, high: float,
           example: str) -> float:  # fmt: skip
    """A number with an optional unit, converted with `units` (unit → factor)."""
    t = clean(text)
    match = re.fullmatch(_NUMBER + r"\s*([a-z.]*)", t)
    if not match:
        raise Invalid(f"Please send a number, e.g. {example}.")
    number = float(match.group(1).replace(",", "."))
    unit = match.group(2).rstrip(".") or default_unit
    if unit not in units:
        raise Invalid(f"I did not understand the unit '{unit}'. Try e.g. {example}.")
    value = number * units[unit]
    if not low <= value <= high:
        raise Invalid(f"That is outside the range I can use. Try e.g. {example}.")
    return round(value, 1)


def weight_kg(text: str) -> float:
    units = {"kg": 1, "kgs": 1, "kilo": 1, "kilos": 1, "lb": LB_TO_KG, "lbs": LB_TO_KG, "pounds": LB_TO_KG}
    return amount(text, units, "kg", 25, 250, "62 kg or 137 lb")


def weekly_minutes(text: str) -> int:
    """Pre-injury running per week in minutes, hours, km or miles (km at ~6 min/km)."""
    per_mile = EASY_MIN_PER_KM * KM_PER_MILE
    units = {"min": 1, "mins": 1, "minutes": 1, "m": 1, "h": 60, "hours": 60, "hrs": 60,
             "km": EASY_MIN_PER_KM, "kms": EASY_MIN_PER_KM, "mi": per_mile, "miles": per_mile}  # fmt: skip
    return int(amount(text, units, "min", 30, 3000, "180 min, 3 h, 30 km or 20 miles"))


# One rule for servings against milligrams or grams (no cliff at 10): a bare number up to
# SERVINGS_UP_TO counts servings (portions); above it, milligrams (grams). 15 servings of
# calcium is 4,500 mg and 15 portions of protein 375 g: no real day needs more.
SERVINGS_UP_TO = 15


def servings_or_amount(text: str, serving_words: tuple[str, ...], per_serving: float,
                       units: dict[str, float], high: float, example: str) -> tuple[float, float | None]:  # fmt: skip
    """(the amount, the servings it came from or None): "3" and "3 servings" are servings,
    "16" and "1200 mg" an amount (see SERVINGS_UP_TO)."""
    t = clean(text).removesuffix("+").strip()  # "5+" is a button; "1+2" is not 12
    t = re.sub(r"^(\d{1,2}),(\d{3})(?!\d)", r"\1\2", t)  # "1,200": a thousands separator
    match = re.fullmatch(_NUMBER + r"\s*([a-z]*)", t)
    if match:
        number = float(match.group(1).replace(",", "."))
        unit = match.group(2)
        if unit in serving_words or (not unit and number <= SERVINGS_UP_TO):
            if number > SERVINGS_UP_TO:
                raise Invalid(f"That is more than {SERVINGS_UP_TO} servings. Try e.g. {example}.")
            return round(number * per_serving), number
    return amount(t, units, next(iter(units)), 0, high, example), None


def calcium(text: str) -> tuple[float, float | None]:
    return servings_or_amount(text, ("serving", "servings", "glass", "glasses", "x"),
                              CALCIUM_MG_PER_SERVING, {"mg": 1}, 5000, "3 (servings) or 1200 mg")  # fmt: skip


def protein(text: str) -> tuple[float, float | None]:
    return servings_or_amount(text, ("portion", "portions", "palm", "palms", "x"),
                              PROTEIN_G_PER_PORTION, {"g": 1, "gr": 1, "grams": 1}, 500,
                              "4 (portions) or 100 g")  # fmt: skip


def calcium_mg(text: str) -> float:
    """Milligrams ("1200", "1200 mg") or servings ("3", "3 servings"): ~300 mg each."""
    return calcium(text)[0]


def protein_g(text: str) -> float:
    """Grams ("100", "100 g") or palm-sized portions ("4", "4 portions"): ~25 g each."""
    return protein(text)[0]


def understood(value: float, servings: float | None, unit: str, word: str) -> str:
    """'≈ 900 mg (3 servings)' or '≈ 1200 mg': what a typed or pressed amount was read as."""
    if servings is None:
        return f"≈ {value:g} {unit}"
    return f"≈ {value:g} {unit} ({servings:g} {word if servings == 1 else word + 's'})"


def clock_time(text: str) -> str:
    """A time of day as HH:MM: "7", "07:30", "7.30", "7am", "7:30 pm"."""
    t = clean(text).replace(" ", "")
    match = re.fullmatch(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm)?", t)
    if not match:
        raise Invalid("Please send a time like 07:30 or 7am.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise Invalid("With am/pm the hour goes from 1 to 12.")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise Invalid("Please send a real time of day, like 07:30.")
    return f"{hour:02d}:{minute:02d}"


@cache
def _zones_by_city() -> dict[str, str]:
    zones: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").lower()
        zones.setdefault(city, name)
    zones.update({"nyc": "America/New_York", "la": "America/Los_Angeles", "san francisco":
                  "America/Los_Angeles", "washington": "America/New_York", "boston":
                  "America/New_York", "seattle": "America/Los_Angeles", "munich": "Europe/Berlin",
                  "hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin", "delhi": "Asia/Kolkata",
                  "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
                  "beijing": "Asia/Shanghai", "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv",
                  "utc": "UTC", "gmt": "UTC"})  # fmt: skip
    return zones


def time_zone(text: str) -> str:
    """An IANA zone from its name ("Europe/Berlin") or a city ("Berlin", "New York")."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if len(raw) > MAX_ANSWER_CHARS:
        raise Invalid("That answer is too long.")
    candidate = raw.replace(" ", "_")
    if "/" in candidate:
        for name in zoneinfo.available_timezones():
            if name.lower() == candidate.lower():
                return name
    found = _zones_by_city().get(clean(raw))
    if found:
        return found
    raise Invalid(
        "I could not find that place. Type a big city near you (e.g. Berlin, New York, "
        "Kolkata) or a zone name like Europe/Berlin."
    )


DAY_NAMES = dict(zip(WEEKDAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                                 "saturday", "sunday"), strict=True))  # fmt: skip


def weekday(word: str) -> str | None:
    """The day a word names: the start of a day's name, three letters at least ("tue",
    "thurs", "saturday"), a plural ("tuesdays") or "weds"; never a word that merely begins
    like one ("monkey", "sunny")."""
    word = {"weds": "wed"}.get(word, word)
    for day, name in DAY_NAMES.items():
        if len(word) >= 3 and (name.startswith(word) or word == name + "s"):
            return day
    return None


def weekdays(text: str, count: int | None = None) -> list[str]:
    """Weekday names: "tue thu", "Tue + Thu", "tuesday, thursday"."""
    words = re.findall(r"[a-z]+", clean(text))
    days = []
    for word in words:
        day = weekday(word)
        if day is None:
            if word in ("and", "or"):
                continue
            raise Invalid("Please name weekdays, e.g. Tue Thu.")
        if day not in days:
            days.append(day)
    if not days or (count is not None and len(days) != count):
        need = f"{count} weekdays" if count else "weekdays"
        raise Invalid(f"Please name {need}, e.g. Tue Thu.")
    return sorted(days, key=WEEKDAYS.index)


def past_date(text: str, today: dt.date, oldest_days: int = 730) -> str:
    """A date not in the future: "2026-03-01", "01.03.2026", "today", "3 weeks ago"."""
    t = clean(text)
    if t == "today":
        value = today
    elif t == "yesterday":
        value = today - dt.timedelta(days=1)
    elif match := re.fullmatch(r"(\d{1,3}) (day|days|week|weeks|month|months) ago", t):
        n, unit = int(match.group(1)), match.group(2)
        days = n * (1 if unit.startswith("day") else 7 if unit.startswith("week") else 30)
        value = today - dt.timedelta(days=days)
    else:
        value = None
        for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d %b %Y", "%d %B %Y"):
            try:
                value = dt.datetime.strptime(t, fmt).date()
                break
            except ValueError:
                continue
        if value is None:
            raise Invalid("Please send a date like 2026-03-01, or e.g. '3 weeks ago'.")
    if value > today:
        raise Invalid("That date is in the future.")
    if (today - value).days > oldest_days:
        raise Invalid("That is more than two years ago; please check the date.")
    return value.isoformat()
