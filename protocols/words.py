"""Stage codes in words for runners (PROTOCOL.md §2): "Run/walk 3 of 8 — jog 3 min, walk 3 min
× 5", the place on the ladder, and codes inside engine sentences replaced by names.

Storage, the simulator and coach views keep the stable codes; what a runner reads says
where they are in plain words.
"""

import re

from protocols.codes import STAGES, Phase
from protocols.ladder import LADDER, path_for

PHASE_NAMES = {
    Phase.PROTECT: "Protect", Phase.WALK: "Walk", Phase.READY: "Readiness tests",
    Phase.ALTERG: "AlterG", Phase.RUN_WALK: "Run/walk", Phase.CONTINUOUS: "Continuous run",
    Phase.BUILD: "Build", Phase.GRADUATED: "Graduated",
}  # fmt: skip
# What each phase is, for the /plan ladder.
PHASE_CONTENT = {
    Phase.PROTECT: "rest the bone; pain-free cross-training if your clinician allows",
    Phase.WALK: "brisk walks, 10 → 45 min",
    Phase.READY: "five pain-free hop and strength tests",
    Phase.ALTERG: "anti-gravity treadmill, 50 → 100% body weight",
    Phase.RUN_WALK: "jog/walk intervals, 1 → 30 min of jogging",
    Phase.CONTINUOUS: "easy continuous runs, 30 → 45 min",
    Phase.BUILD: "weekly volume up ≤ 10% a week toward your old running",
    Phase.GRADUATED: "normal training with prevention habits",
}  # fmt: skip


def _phase_stages(stage: str) -> list[str]:
    phase = LADDER[stage].phase
    return [s for s in STAGES if LADDER[s].phase is phase]


def short_name(stage: str) -> str:
    """'Walk 2', 'Run/walk 3', 'Readiness tests', 'AlterG 70%', 'Build'."""
    spec = LADDER[stage]
    name = PHASE_NAMES[spec.phase]
    if spec.phase is Phase.ALTERG:
        return f"AlterG {stage[1:]}%"
    siblings = _phase_stages(stage)
    if len(siblings) == 1:
        return name
    return f"{name} {siblings.index(stage) + 1}"


def stage_name(stage: str) -> str:
    """'Run/walk 3 of 8', 'Walk 2 of 6', 'Readiness tests', 'Build'."""
    siblings = _phase_stages(stage)
    if len(siblings) == 1:
        return PHASE_NAMES[LADDER[stage].phase]
    if LADDER[stage].phase is Phase.ALTERG:
        return f"AlterG {siblings.index(stage) + 1} of {len(siblings)} ({stage[1:]}% body weight)"
    return f"{short_name(stage)} of {len(siblings)}"


def content(stage: str) -> str:
    """What one session of the stage is, short: 'jog 3 min, walk 3 min × 5'."""
    spec = LADDER[stage]
    text = re.sub(r" — (\d+) times", r" × \1", spec.structure)
    if spec.phase is Phase.ALTERG:
        match = re.search(r"run (.+?), (\d+) times", text)
        return f"30 min, run {match.group(1)} × {match.group(2)} inside walking" if match else text
    if spec.phase is Phase.PROTECT:
        return "rest the bone; cross-training only if your clinician allows"
    if spec.phase is Phase.READY:
        return "five pain-free readiness tests"
    return text


def stage_line(stage: str) -> str:
    """'Run/walk 3 of 8 — jog 3 min, walk 3 min × 5'."""
    if stage in ("B", "G"):
        return f"{stage_name(stage)} — {PHASE_CONTENT[LADDER[stage].phase]}"
    return f"{stage_name(stage)} — {content(stage)}"


def place(stage: str, has_alterg: bool) -> str:
    """'step 12 of 24 on your ladder'."""
    path = path_for(has_alterg)
    return f"step {path.index(stage) + 1} of {len(path)} on your ladder"


_CODE = re.compile(r"\b(" + "|".join(sorted((s for s in STAGES if len(s) > 1), key=len, reverse=True)) + r")\b")
_LONE = re.compile(r"\((B|G)\)|\bat (B|G)\b")


def in_words(text: str) -> str:
    """Engine sentences with stage codes as names: 'then RW4' → 'then Run/walk 4'."""
    text = _CODE.sub(lambda m: short_name(m.group(1)), text)
    return _LONE.sub(lambda m: f"({short_name(m.group(1))})" if m.group(1) else f"at {short_name(m.group(2))}", text)
