"""The words the runner picks from, shared by onboarding, /settings and the coach's views:
injured bones in plain words, where the runner stands, how much they ran, zones, times and
days. Data only (and the one parser of a bone in words), so any module may import it."""

import re
from typing import Any

from dialogs.parsing import Invalid, clean, weekly_minutes, yes_no
from protocols.codes import Site

# Plain words → site code (§1). "Not sure" is treated as high risk [product].
SITES: dict[str, Site] = {
    "Shin — inner edge": Site.TIBIA_POSTEROMEDIAL,
    "Shin — front": Site.TIBIA_ANTERIOR,
    "Outer lower leg (fibula)": Site.FIBULA,
    "Inner ankle bone": Site.MEDIAL_MALLEOLUS,
    "Foot — middle of a long bone": Site.METATARSAL_SHAFT,
    "Foot — base of 2nd toe bone": Site.METATARSAL_2_BASE,
    "Foot — base of little-toe bone": Site.METATARSAL_5_PROXIMAL,
    "Top of the foot, midfoot": Site.NAVICULAR,
    "Ankle — talus": Site.TALUS,
    "Under the big toe (sesamoid)": Site.SESAMOID,
    "Heel": Site.CALCANEUS,
    "Hip (femoral neck)": Site.FEMORAL_NECK,
    "Thigh bone": Site.FEMORAL_SHAFT,
    "Pelvis or sacrum": Site.PELVIS_SACRUM,
    "Not sure": Site.OTHER,
}
# Words a runner may type for a bone, matched as whole words ("hip", never "ship").
SITE_WORDS = {
    "heel": Site.CALCANEUS, "navicular": Site.NAVICULAR, "midfoot": Site.NAVICULAR,
    "fibula": Site.FIBULA, "sesamoid": Site.SESAMOID, "talus": Site.TALUS,
    "pelvis": Site.PELVIS_SACRUM, "sacrum": Site.PELVIS_SACRUM, "hip": Site.FEMORAL_NECK,
    "femoral neck": Site.FEMORAL_NECK, "femur": Site.FEMORAL_SHAFT, "thigh": Site.FEMORAL_SHAFT,
    "don't know": Site.OTHER, "dont know": Site.OTHER, "unsure": Site.OTHER,
}  # fmt: skip
SITE_NAMES = {code: label for label, code in SITES.items()}

STAGES = {
    "Not walking for exercise yet": "P0",
    "Walking without pain": "W1",
    "Cleared to run, not running yet": "R1",
    "Already doing some run/walk": "RW1",
}
DIAGNOSED = {
    "This week": 0, "2 weeks ago": 14, "4 weeks ago": 28, "6 weeks ago": 42,
    "8 weeks ago": 56, "12+ weeks ago": 84,
}  # fmt: skip
SEXES = {"Female": "female", "Male": "male", "Prefer not to say": None}
WEEKLY = {"1 h": 60, "2 h": 120, "3 h": 180, "4 h": 240, "5 h": 300, "6 h+": 360}
ZONES = (("Europe/London", "Europe/Berlin"), ("America/New_York", "America/Los_Angeles"),
         ("Asia/Kolkata", "Australia/Sydney"))  # fmt: skip
TIMES = (("06:30", "07:00", "07:30"), ("08:00", "08:30", "09:00"))
STRENGTH = {"Tue + Thu": "tue thu", "Tue + Sat": "tue sat", "Thu + Sat": "thu sat",
            "Sat + Sun": "sat sun"}  # fmt: skip
YES_NO = (("Yes", "No"),)
TZ_OK = (("Yes", "No, change it"),)


def site_code(text: str) -> str:
    """A bone from its button label, its code, or a word for it typed in a sentence."""
    t = clean(text)
    for label, code in SITES.items():
        if t in (clean(label), code.value):
            return code.value
    for word, code in SITE_WORDS.items():
        if re.search(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])", t):
            return code.value
    raise Invalid("Please choose the bone with a button (or 'Not sure').")


def choice(options: dict[str, Any], what: str):
    """A parser accepting one of the button labels (any case)."""

    def parse(text: str) -> Any:
        t = clean(text)
        for label, value in options.items():
            if clean(label) == t:
                return value
        raise Invalid(f"Please choose {what} with a button.")

    return parse


def tz_confirmed(text: str) -> bool:
    """The answer to "I understood <zone> — is that right?" (Yes / No, change it)."""
    return yes_no(text.replace("No, change it", "no"))


def weekly(text: str) -> int:
    """Running before the injury: a button ("3 h") or typed minutes, hours, km or miles."""
    return WEEKLY.get(text.strip()) or weekly_minutes(text)
