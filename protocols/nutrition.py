"""Nutrition and sleep targets and the feedback shown after each check-in (docs/PROTOCOL.md §5)."""

from functools import lru_cache

from protocols.models import Checkin, Profile

PROTEIN_AIM_G_PER_KG = (1.6, 2.0)  # [A1]
PROTEIN_FLOOR_G_PER_KG = 1.2  # below this is low for anyone in training [S18]
CALCIUM_HEALING_AIM_MG = (1200, 1500)  # during healing [A1]
SLEEP_TARGET_HOURS = 8  # [S14]
VITAMIN_D_GOAL_NG_ML = 40  # [S20, A1]
VITAMIN_D_DEFICIENT_NG_ML = 30  # [S20, A1]


def calcium_floor_mg(age: int | None, sex: str | None) -> int:
    """Reference intake [S19]: 1,000 mg at 19–50; 1,300 mg at 9–18 and for women over 50.

    Conservative readings (docs/PROTOCOL.md names no other groups): an unknown age uses the adult
    1,000 mg; over 50 with sex not given uses the women's 1,300 mg; men over 50 keep 1,000 mg.
    """
    if age is None:
        return 1000
    if age <= 18:
        return 1300
    if age > 50 and sex != "male":
        return 1300
    return 1000


def calcium_upper_mg(age: int | None) -> int:
    """Tolerable upper intake [S19]: 2,500 mg, or 3,000 mg at ages 9–18."""
    return 3000 if age is not None and age <= 18 else 2500


def protein_per_kg(protein_g: float, weight_kg: float) -> float:
    return protein_g / weight_kg


NOTES = 1024  # feedback lines kept per kind, by the values they report


def feedback(profile: Profile, checkin: Checkin, weight_kg: float) -> tuple[str, ...]:
    """Plain-language notes on protein, calcium, sleep and vitamin D against the targets."""
    # Each line is made once per value it reports. "+ 0.0": -0.0 equals 0.0 as a cache key,
    # so both are written as 0 (the bot's parsers never give a sign; a scenario file could).
    notes: list[str] = []
    if checkin.protein_g is not None:
        notes.append(_protein_note(checkin.protein_g + 0.0, weight_kg))
    if checkin.calcium_mg is not None:
        notes.append(_calcium_note(round(checkin.calcium_mg), profile.age, profile.sex))
    if checkin.sleep_hours is not None:
        notes.append(_sleep_note(checkin.sleep_hours + 0.0))
    if checkin.vitamin_d_ng_ml is not None:
        notes.append(_vitamin_d_note(checkin.vitamin_d_ng_ml + 0.0))
    return tuple(notes)


@lru_cache(maxsize=NOTES)
def _protein_note(protein_g: float, weight_kg: float) -> str:
    low, high = PROTEIN_AIM_G_PER_KG
    per_kg = protein_per_kg(protein_g, weight_kg)
    aim = f"{round(low * weight_kg)}–{round(high * weight_kg)} g"
    if per_kg >= low:
        return f"Protein {protein_g:g} g — on target (aim {aim})."
    if per_kg >= PROTEIN_FLOOR_G_PER_KG:
        return f"Protein {protein_g:g} g — a little under the aim of {aim}."
    return f"Protein {protein_g:g} g — low for training; aim for {aim} a day."


@lru_cache(maxsize=NOTES)
def _calcium_note(mg: int, age: int | None, sex: str | None) -> str:
    floor = calcium_floor_mg(age, sex)
    upper = calcium_upper_mg(age)
    aim_low, aim_high = CALCIUM_HEALING_AIM_MG
    if mg > upper:
        return f"Calcium {mg} mg — above the safe upper limit of {upper} mg."
    if mg >= floor:
        return f"Calcium {mg} mg — meets the {floor} mg minimum; {aim_low}–{aim_high} mg helps healing."
    return (
        f"Calcium {mg} mg — under the {floor} mg minimum; "
        f"aim for {aim_low}–{aim_high} mg while healing."
    )


@lru_cache(maxsize=NOTES)
def _sleep_note(hours: float) -> str:
    if hours >= SLEEP_TARGET_HOURS:
        return f"Sleep {hours:g} h — good."
    return f"Sleep {hours:g} h — bone heals best with 8 hours or more."


@lru_cache(maxsize=NOTES)
def _vitamin_d_note(value: float) -> str:
    if value >= VITAMIN_D_GOAL_NG_ML:
        return f"Vitamin D {value:g} ng/mL — at the goal of 40 or more."
    if value >= VITAMIN_D_DEFICIENT_NG_ML:
        return f"Vitamin D {value:g} ng/mL — low (goal 40 or more); ask your clinician."
    return f"Vitamin D {value:g} ng/mL — deficient; talk to your clinician."
