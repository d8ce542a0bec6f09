"""Stable codes from docs/PROTOCOL.md: injury sites, stages, phases, actions and rule IDs."""

from enum import StrEnum


class Site(StrEnum):
    """Injury sites of docs/PROTOCOL.md §1."""

    TIBIA_POSTEROMEDIAL = "tibia_posteromedial"
    TIBIA_ANTERIOR = "tibia_anterior"
    FIBULA = "fibula"
    MEDIAL_MALLEOLUS = "medial_malleolus"
    METATARSAL_SHAFT = "metatarsal_shaft"
    METATARSAL_2_BASE = "metatarsal_2_base"
    METATARSAL_5_PROXIMAL = "metatarsal_5_proximal"
    NAVICULAR = "navicular"
    TALUS = "talus"
    SESAMOID = "sesamoid"
    CALCANEUS = "calcaneus"
    FEMORAL_NECK = "femoral_neck"
    FEMORAL_SHAFT = "femoral_shaft"
    PELVIS_SACRUM = "pelvis_sacrum"
    OTHER = "other"


# §1: Warden's classification [S2, S9]; `other` is treated as high risk [product].
HIGH_RISK_SITES = frozenset(
    {
        Site.TIBIA_ANTERIOR,
        Site.MEDIAL_MALLEOLUS,
        Site.METATARSAL_2_BASE,
        Site.METATARSAL_5_PROXIMAL,
        Site.NAVICULAR,
        Site.TALUS,
        Site.SESAMOID,
        Site.FEMORAL_NECK,
        Site.OTHER,
    }
)

# §1: trabecular sites are an energy-deficiency warning sign [S10, S11].
TRABECULAR_SITES = frozenset({Site.FEMORAL_NECK, Site.PELVIS_SACRUM, Site.CALCANEUS})


class Phase(StrEnum):
    """Phases of the ladder, in order (§2)."""

    PROTECT = "protect"
    WALK = "walk"
    READY = "ready"
    ALTERG = "alterg"
    RUN_WALK = "run_walk"
    CONTINUOUS = "continuous"
    BUILD = "build"
    GRADUATED = "graduated"


STAGES: tuple[str, ...] = (
    "P0",
    "W1", "W2", "W3", "W4", "W5", "W6",
    "R1",
    "A50", "A60", "A70", "A80", "A90", "A100",
    "RW1", "RW2", "RW3", "RW4", "RW5", "RW6", "RW7", "RW8",
    "C1", "C2", "C3", "C4", "C5", "C6",
    "B",
    "G",
)  # fmt: skip

ACTIONS = ("advance", "continue", "repeat", "regress", "stop")
SESSION_KINDS = ("rest", "cross_train", "strength", "walk", "readiness", "alterg", "run_walk", "run")
LOADING_KINDS = frozenset({"walk", "readiness", "alterg", "run_walk", "run"})
RUNNING_KINDS = frozenset({"readiness", "alterg", "run_walk", "run"})

RED_FLAGS = ("RF1", "RF2", "RF3", "RF4", "RF5", "RF6", "RF7", "RF8", "RF9")
SCALE_BACKS = ("SB1", "SB2", "SB3", "SB4")
HOLDS = ("H1", "H3", "H4", "H5", "H6", "H7", "H8", "H9")
REVIEWS = ("RED1", "RED2", "RED3", "RED4", "RED5")
RULE_IDS = (*RED_FLAGS, *SCALE_BACKS, *HOLDS, *REVIEWS, "ADV")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
