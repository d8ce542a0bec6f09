"""The rule table: every rule ID the engine can fire, in plain words, with its sources.

One place for what a rule *is* (docs/PROTOCOL.md §4–§5, as the engine encodes it) and what a
runner is told when it fires. The engine's reasons, `stridecoach rules`, the simulator's key
and the test that keeps docs/PROTOCOL.md in step all read this table.
"""

import textwrap
from dataclasses import dataclass

from protocols.codes import HOLDS, RED_FLAGS, REVIEWS, RULE_IDS, SCALE_BACKS

RED_FLAG, SCALE_BACK, HOLD, REVIEW, ADVANCE = "red flag", "scale-back", "hold", "review", "advance"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule ID: its group, the rule in plain words, the runner's reason, its sources."""

    id: str
    group: str
    text: str  # the rule, in the third person (for clinicians, coaches, the rule book)
    reason: str  # what the runner reads when it fires (docs/PROTOCOL.md §6)
    sources: tuple[str, ...]  # [S…]/[A…] of docs/PROTOCOL.md; "product" = a product decision


def _rules(group: str, *rows: tuple[str, str, str, tuple[str, ...]]) -> list[Rule]:
    return [Rule(rid, group, text, reason, sources) for rid, text, reason, sources in rows]


_TABLE = [
    *_rules(
        RED_FLAG,
        (
            "RF1",
            "Bone pain that wakes the runner or keeps them up at night (from P0 on).",
            "Bone pain woke you or kept you up at night.",
            ("S8", "S15"),
        ),
        (
            "RF2",
            "Bone pain at rest or while walking around (from W1 on).",
            "You have bone pain at rest or when walking around.",
            ("S1", "S8", "S9"),
        ),
        (
            "RF3",
            "A limp or altered gait (from W1 on).",
            "You are limping or changing your stride.",
            ("S8", "S13"),
        ),
        (
            "RF4",
            "Focal bone tenderness has come back (from W1 on).",
            "Pressing on the bone hurts at one spot again.",
            ("S9", "S16"),
        ),
        (
            "RF5",
            "Groin or front-of-hip pain with weight-bearing: possible femoral-neck stress "
            "fracture, same-day review (from P0 on).",
            "Groin or front-of-hip pain when you put weight on the leg needs a same-day check.",
            ("S17",),
        ),
        (
            "RF6",
            "Pain keeps getting worse: a pain scale-back (SB1/SB2) with another in the "
            "previous 6 days (stop days included), or rest pain 2+ above the mean of the previous "
            "three check-ins (from P0 on).",
            "Your pain has been getting worse over the last few days.",
            ("S8", "S12"),
        ),
        (
            "RF7",
            "Any bone pain during a session at a high-risk site.",
            "Any bone pain during a session at this site needs your clinician's view.",
            ("S2", "S9"),
        ),
        (
            "RF8",
            "New swelling together with any bone pain (rest, morning or session).",
            "There is new swelling together with bone pain.",
            ("S13",),
        ),
        (
            "RF9",
            "Bone pain on waking two mornings in a row.",
            "Bone pain on waking two mornings in a row.",
            ("product", "S8"),
        ),
    ),
    *_rules(
        SCALE_BACK,
        (
            "SB1",
            "Bone pain of 3/10 or more during the session: rest today, next session one "
            "stage down.",
            "Bone pain of 3/10 or more during the last session.",
            ("S8", "S6"),
        ),
        (
            "SB2",
            "Bone pain on waking: rest today, next session one stage down.",
            "Bone pain when you got up this morning.",
            ("S8",),
        ),
        (
            "SB3",
            "Soreness from a prescribed loading session lasting 24 hours or more (once per "
            "session): rest today, next session one stage down.",
            "Soreness from the last session lasted 24 hours or more.",
            ("A2", "S8"),
        ),
        (
            "SB4",
            "Missed days: one stage down for every 5 days in a row without a check-in, "
            "never below the first stage of the previous phase.",
            "Several days without a session: the bone needs a gentler restart.",
            ("S6",),
        ),
    ),
    *_rules(
        HOLD,
        (
            "H1",
            "Brief bone pain of 1–2/10 during the session, low-risk sites only.",
            "A little bone pain (1–2/10) during the session: we hold here until it is pain-free.",
            ("S7",),
        ),
        (
            "H3",
            "New swelling without bone pain.",
            "New swelling without pain: we hold here until it settles.",
            ("S13",),
        ),
        (
            "H4",
            "Under 7 hours of sleep on each of the last 3 nights.",
            "Under 7 hours of sleep three nights running: bone heals in sleep, so we hold.",
            ("S14", "product"),
        ),
        (
            "H5",
            "The last session was partial or skipped: it does not count as clean.",
            "The last session was not done in full, so it does not count yet.",
            ("product",),
        ),
        (
            "H6",
            "The rest-day rule: no run-type session on two days in a row in A, RW and C; "
            "the day between is strength, cross-training or rest.",
            "Rest day: the bone adapts between loading days.",
            ("S8", "S12", "S5"),
        ),
        (
            "H7",
            "The clearance gate: the next stage is a running stage and running is not "
            "cleared (only the coach or clinician can clear it at a high-risk site).",
            "The next step is running, which needs clearance from your clinician first.",
            ("A2", "S2", "S9"),
        ),
        (
            "H8",
            "The weekly cap: in B a week's running minutes stay within 10 % of the week "
            "before; in C each stage is at most 10 % longer than the one before.",
            "This week's running stays within 10% of last week's.",
            ("S8", "S12", "A1"),
        ),
        (
            "H9",
            "Coach hold: the stage repeats until the coach resumes; sessions go on.",
            "Your coach has put progression on hold for now.",
            ("product",),
        ),
    ),
    *_rules(
        REVIEW,
        (
            "RED1",
            "Three or more missed menstrual cycles in a row, or no period by age 15.",
            "Missed periods can mean the body is short of energy: worth a talk with your "
            "clinician.",
            ("S10", "S11"),
        ),
        (
            "RED2",
            "Weight loss of 5 % or more in 30 days, or a BMI of 17.5 or less.",
            "A drop in weight can slow bone healing: worth a talk with your clinician.",
            ("S11",),
        ),
        (
            "RED3",
            "A trabecular-site bone stress injury, or two or more in two years.",
            "This kind of injury can be linked to low energy availability: worth a conversation.",
            ("S10",),
        ),
        (
            "RED4",
            "Protein under 1.2 g/kg on average over the last 7 check-ins.",
            "Protein has been low over the last week: bone needs it to rebuild.",
            ("S18",),
        ),
        (
            "RED5",
            "Vitamin D (25(OH)D) under 30 ng/mL.",
            "Your vitamin D is under 30 ng/mL: please discuss it with your clinician.",
            ("S20",),
        ),
    ),
    *_rules(
        ADVANCE,
        (
            "ADV",
            "The stage has its count of clean sessions (§2, per stage) and no other rule "
            "fired: one stage up.",
            "Enough clean sessions at this stage: time to move up.",
            ("S6", "S8", "S13"),
        ),
    ),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}
REASONS: dict[str, str] = {rid: rule.reason for rid, rule in RULES.items()}

SOURCES: dict[str, str] = {
    "S1": "Warden, Edwards, Willy. Optimal load for managing low-risk tibial and metatarsal "
    "bone stress injuries in runners. JOSPT 2021.",
    "S2": "Warden, Davis, Fredericson. Management and prevention of bone stress injuries in "
    "long-distance runners. JOSPT 2014.",
    "S5": "Vincent, Madsen, Vincent. Anti-gravity treadmill return-to-run after tibial stress "
    "reaction. Arthrosc Sports Med Rehabil 2022.",
    "S6": "Sunshine Coast Sports Medicine, Return to running protocol post injury.",
    "S7": "Hospital Return to Running Guidelines (readiness tests); Next Gen Physio.",
    "S8": "Brigham and Women's Hospital, Return to Running Program (2007).",
    "S9": "George, Sheerin, Reid. Return to running after bone stress injury. Sports Med 2024.",
    "S10": "Mountjoy et al. IOC consensus on REDs. Br J Sports Med 2023.",
    "S11": "De Souza et al. Female Athlete Triad cumulative risk assessment. BJSM 2014.",
    "S12": "Oxford University Hospitals NHS, Return to Running Programme (2024).",
    "S13": "Gallatin & Graver, Basic Return to Running Guideline (2019); Trials 2023 table.",
    "S14": "Milewski et al. Chronic lack of sleep and sports injuries. J Pediatr Orthop 2014.",
    "S15": "BWH program (S8) on night pain; RunUltra on night pain as a warning sign.",
    "S16": "Bony tenderness clinical prediction rule. Sports Health 2020.",
    "S17": "Robertson, Wood. Femoral neck stress fractures in sport. 2017.",
    "S18": "Thomas, Erdman, Burke. Nutrition and Athletic Performance. MSSE 2016.",
    "S20": "Millward et al. Vitamin D ≥40 ng/mL and stress fracture rates. OJSM 2021.",
    "A1": "Proformance Sports Rehab, Returning to Running After Stress Fracture: the AlterG "
    "approach.",
    "A2": "Return 2 Run Program: Bone Stress Injuries.",
    "product": "a product decision of stridecoach, on the conservative side",
}

GROUPS = ((RED_FLAG, RED_FLAGS), (SCALE_BACK, SCALE_BACKS), (HOLD, HOLDS), (REVIEW, REVIEWS),
          (ADVANCE, ("ADV",)))  # fmt: skip

assert tuple(RULES) == RULE_IDS, "the rule table and protocols.codes.RULE_IDS disagree"
assert all(RULES[rid].group == g for g, ids in GROUPS for rid in ids)
assert all(s in SOURCES for rule in _TABLE for s in rule.sources)


def table_lines(ids: tuple[str, ...] | None = None, width: int = 100) -> list[str]:
    """The table as plain text: `ID    the rule in plain words [sources]`, wrapped to `width`."""
    out = []
    for rule in (RULES[i] for i in (ids if ids is not None else RULE_IDS)):
        body = f"{rule.text} [{', '.join(rule.sources)}]"
        out += textwrap.wrap(body, width, initial_indent=f"{rule.id:<6}", subsequent_indent=" " * 6)
    return out
