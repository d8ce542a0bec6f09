"""The stage ladder of docs/PROTOCOL.md §2 as data: session content, frequency and clean counts."""

from dataclasses import dataclass
from functools import cache

from protocols.codes import STAGES, Phase

# The version of docs/PROTOCOL.md the engine encodes; stored beside every decision. "1" was
# labelled "2026.11-1" before version 2 (storage migration 3 relabels those rows).
PROTOCOL_VERSION = "2"

# Frequencies (§2): how loading days are placed.
DAILY = "daily"  # P0 (non-loading) and W: every day
EVERY_OTHER_DAY = "every_other_day"  # A, RW, C: never on consecutive days [S8, S12, S5]
RETRY_EVERY_OTHER_DAY = "once_retry_every_other_day"  # R1: once, may repeat every other day [S7]
WEEKLY_PLAN = "weekly_plan"  # B and G: the runner's run days


@dataclass(frozen=True, slots=True)
class StageSpec:
    """One rung of the ladder: what a session is and how it is earned."""

    code: str
    phase: Phase
    kind: str
    minutes: int
    run_minutes: int | None
    structure: str
    surface: str
    effort: str
    frequency: str
    clean_required: int
    clean_required_high_risk: int
    needs_running_clearance: bool

    def clean_needed(self, high_risk: bool) -> int:
        return self.clean_required_high_risk if high_risk else self.clean_required


HARD_SURFACE_SHARE = 0.5  # B and G: hard surfaces at most 50–60 % of the week, the stricter 50 % [A1]
EASY = "easy, you can talk"
FLAT = "flat, even surface"
SOFT = "soft or flat surface"


def _walk(code: str, minutes: int) -> StageSpec:
    # §2 Walk: brisk walk, flat surface, 1 clean session each (3 at high-risk sites)
    # [S6: 10→30 min over 5 days; A2: 30–45 min before running; product: 3 at high risk]
    return StageSpec(
        code, Phase.WALK, "walk", minutes, None, f"brisk walk, {minutes} min", FLAT,
        "brisk but comfortable", DAILY, 1, 3, False,
    )  # fmt: skip


def _alterg(code: str, percent: int, bout_low: int, bout_high: int) -> StageSpec:
    # §2 AlterG [S5 Table 1B]: 30 min at that % body weight, run bouts ×5 inside walking;
    # 2 clean sessions each (3 at high-risk sites). run_minutes takes the lower bound
    # of the bout range (conservative reading).
    bouts = f"{bout_low} min" if bout_low == bout_high else f"{bout_low}–{bout_high} min"
    return StageSpec(
        code, Phase.ALTERG, "alterg", 30, bout_low * 5,
        f"30 min on the anti-gravity treadmill at {percent}% body weight: run {bouts}, "
        "5 times, walking in between",
        "anti-gravity treadmill", EASY, EVERY_OTHER_DAY, 2, 3, True,
    )  # fmt: skip


def _run_walk(code: str, jog: int, walk: int, repeats: int) -> StageSpec:
    # §2 Run/walk [S8 BWH I–V; S12 NHS weeks 4–6]: every other day; 2 clean (3 high risk)
    return StageSpec(
        code, Phase.RUN_WALK, "run_walk", (jog + walk) * repeats, jog * repeats,
        f"jog {jog} min, walk {walk} min — {repeats} times",
        SOFT, EASY, EVERY_OTHER_DAY, 2, 3, True,
    )  # fmt: skip


def _continuous(code: str, minutes: int) -> StageSpec:
    # §2 Continuous [S8]: every other day, each step ≤ 10 % longer (H8), 3 clean per stage
    return StageSpec(
        code, Phase.CONTINUOUS, "run", minutes, minutes,
        f"easy continuous run, {minutes} min", SOFT, "conversational pace, " + EASY,
        EVERY_OTHER_DAY, 3, 3, True,
    )  # fmt: skip


LADDER: dict[str, StageSpec] = {
    spec.code: spec
    for spec in (
        # §2 Protect: cross-training only if the clinician allows; exits via walking_cleared
        # and 2 consecutive check-ins without rest pain or tenderness (§7 P0). 20 min is the
        # lower bound of 20–40 min.
        StageSpec(
            "P0", Phase.PROTECT, "cross_train", 20, None,
            "pain-free cross-training only if your clinician allows it: deep-water running, "
            "cycling or swimming, 20–40 min; upper-body and core strength; no impact",
            "pool or bike", "easy", DAILY, 2, 2, False,
        ),
        _walk("W1", 10), _walk("W2", 15), _walk("W3", 20),
        _walk("W4", 30), _walk("W5", 40), _walk("W6", 45),
        # §2 Ready [S7]: all tests must be pain-free; once, may repeat every other day.
        StageSpec(
            "R1", Phase.READY, "readiness", 15, None,
            "readiness tests, all must be pain-free: 25 single-leg heel raises per leg; "
            "60 s step-ups per leg; 60 s single-leg squat; 60 s double-leg jumps; "
            "60 s single-leg hops per leg",
            FLAT, "controlled, stop at any bone pain", RETRY_EVERY_OTHER_DAY, 1, 1, True,
        ),
        _alterg("A50", 50, 1, 1), _alterg("A60", 60, 1, 2), _alterg("A70", 70, 1, 3),
        _alterg("A80", 80, 2, 3), _alterg("A90", 90, 3, 4), _alterg("A100", 100, 4, 5),
        _run_walk("RW1", 1, 5, 5), _run_walk("RW2", 2, 4, 5), _run_walk("RW3", 3, 3, 5),
        _run_walk("RW4", 4, 2, 5), _run_walk("RW5", 5, 1, 5), _run_walk("RW6", 9, 1, 3),
        _run_walk("RW7", 14, 1, 2),
        # RW8: 30 min continuous with 5 min walking before and after
        StageSpec(
            "RW8", Phase.RUN_WALK, "run_walk", 40, 30,
            "walk 5 min, jog 30 min continuously, walk 5 min", SOFT, EASY,
            EVERY_OTHER_DAY, 2, 3, True,
        ),
        _continuous("C1", 30), _continuous("C2", 33), _continuous("C3", 36),
        _continuous("C4", 39), _continuous("C5", 42), _continuous("C6", 45),
        # §2 Build: weekly plan on run days; minutes come from the week's total (weeks.py).
        StageSpec(
            "B", Phase.BUILD, "run", 45, 45, "easy run on your run days",
            f"mostly soft surfaces; hard surfaces at most {HARD_SURFACE_SHARE:.0%} of the week",
            "conversational pace, " + EASY, WEEKLY_PLAN, 0, 0, True,
        ),
        StageSpec(
            "G", Phase.GRADUATED, "run", 45, 45,
            "normal training: weekly volume up at most 10%, strength twice a week, vary surfaces",
            "varied surfaces", EASY, WEEKLY_PLAN, 0, 0, True,
        ),
    )
}  # fmt: skip

assert tuple(LADDER) == STAGES, "ladder and stage codes must list the same stages in order"

PHASE_ORDER = tuple(Phase)

# §2 Strength beside every phase from W1 on, twice a week on non-run days [A1, A2, A3];
# no plyometrics before RW5; hops and bounding only in B [A4, S7].
STRENGTH_BASE = (
    "calf raises",
    "single-leg balance",
    "glute bridges",
    "side-lying hip abduction",
    "split squats",
    "core",
)
STRENGTH_MINUTES = 30  # [product] length shown for a strength session
CROSS_TRAIN_TEXT = (
    "rest day — easy pain-free non-impact cross-training (cycling, swimming) is fine"
)


def strength_exercises(stage: str) -> tuple[str, ...]:
    """The strength list for a stage (§2): light jumps from RW5, hops and bounding in B/G."""
    if stage in ("B", "G"):
        return (*STRENGTH_BASE, "hops and bounding")
    if stage in STAGES[STAGES.index("RW5") : STAGES.index("B")]:
        return (*STRENGTH_BASE, "double-leg jumps")
    return STRENGTH_BASE


def stage_index(stage: str) -> int:
    return STAGES.index(stage)


def is_running_stage(stage: str) -> bool:
    """R1 and every later stage need `running_cleared` (§1, H7)."""
    return LADDER[stage].needs_running_clearance


@cache
def path_for(has_alterg: bool) -> tuple[str, ...]:
    """The ladder a runner climbs: AlterG stages only with access to one (§2)."""
    if has_alterg:
        return STAGES
    return tuple(s for s in STAGES if LADDER[s].phase is not Phase.ALTERG)


def next_stage(stage: str, has_alterg: bool) -> str | None:
    path = path_for(has_alterg)
    i = path.index(stage)
    return path[i + 1] if i + 1 < len(path) else None


def previous_stage(stage: str, has_alterg: bool) -> str:
    """One stage down; RW1 → A100 with AlterG else R1, W1 → P0 (§7 stop and resume)."""
    path = path_for(has_alterg)
    i = path.index(stage)
    return path[max(i - 1, 0)]


def drop_floor(stage: str, has_alterg: bool) -> str:
    """First stage of the current phase's predecessor: the lowest a scale-back may reach (§4)."""
    path = path_for(has_alterg)
    phases = [p for p in PHASE_ORDER if any(LADDER[s].phase is p for s in path)]
    current = LADDER[stage].phase
    k = phases.index(current)
    floor_phase = phases[max(k - 1, 0)]
    return next(s for s in path if LADDER[s].phase is floor_phase)


def drop(stage: str, steps: int, has_alterg: bool) -> str:
    """`steps` stages down, never below the drop floor."""
    path = path_for(has_alterg)
    floor = path.index(drop_floor(stage, has_alterg))
    return path[max(path.index(stage) - steps, floor)]
