"""Strength doses by phase, from PROTOCOL.md §2 "Strength dosage" [product, toward S7].

Twice a week on non-run days; slow and controlled, 60–90 s rest between sets, every
repetition pain-free: stop the exercise at any bone pain.
"""

from protocols.codes import STAGES

EARLY, ALTERG_RW1_4, RW5_C, BUILD = "early", "alterg_rw1_4", "rw5_c", "build"

# exercise → dose per column of the table (P0/W/R | A, RW1–RW4 | RW5–RW8, C | B, G)
DOSES: dict[str, dict[str, str]] = {
    "calf raises": {EARLY: "double-leg 3 × 15", ALTERG_RW1_4: "single-leg 3 × 12 each",
                    RW5_C: "single-leg 3 × 15 each", BUILD: "single-leg 3 × 20 each"},
    "single-leg balance": {EARLY: "3 × 30 s each", ALTERG_RW1_4: "3 × 45 s each",
                           RW5_C: "3 × 60 s each", BUILD: "3 × 60 s each on a cushion"},
    "glute bridges": {EARLY: "double-leg 3 × 12", ALTERG_RW1_4: "single-leg 3 × 10 each",
                      RW5_C: "single-leg 3 × 12 each", BUILD: "single-leg 3 × 15 each"},
    "side-lying hip abduction": {EARLY: "3 × 15 each", ALTERG_RW1_4: "3 × 15 each",
                                 RW5_C: "3 × 20 each", BUILD: "3 × 20 each"},
    "split squats": {EARLY: "3 × 8 each", ALTERG_RW1_4: "3 × 10 each", RW5_C: "3 × 12 each",
                     BUILD: "3 × 12 each"},
    "front plank": {EARLY: "3 × 20 s", ALTERG_RW1_4: "3 × 30 s", RW5_C: "3 × 45 s",
                    BUILD: "3 × 60 s"},
    "pogo hops": {RW5_C: "2 × 10"},
    "hops and bounding": {BUILD: "3 × 10"},
}  # fmt: skip
HOW = "Slow and controlled, 60–90 s rest between sets; every repetition pain-free."
STOP_AT_PAIN = "Stop an exercise at once if bone pain starts."
P0_NOTE = (
    "Only with your clinician's agreement, and only exercises that do not load the injured "
    "bone: upper body and core; for a foot or lower-leg injury, hip work lying down."
)


def column(stage: str) -> str:
    i = STAGES.index(stage)
    if i < STAGES.index("A50"):
        return EARLY
    if i < STAGES.index("RW5"):
        return ALTERG_RW1_4
    if i < STAGES.index("B"):
        return RW5_C
    return BUILD


def doses(stage: str) -> list[tuple[str, str]]:
    """(exercise, dose) for a stage, plyometrics only where the table has them."""
    col = column(stage)
    return [(name, by_col[col]) for name, by_col in DOSES.items() if col in by_col]


def session_text(stage: str) -> str:
    """A strength session a runner can follow, one exercise a line."""
    lines = [f"• {name.capitalize()}: {dose}" for name, dose in doses(stage)]
    head = "Strength, about 30 min:"
    tail = [HOW, STOP_AT_PAIN]
    if stage == "P0":
        tail.insert(0, P0_NOTE)
    return "\n".join([head, *lines, *tail])
