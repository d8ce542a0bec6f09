"""How the bot speaks to a coach about an athlete: by name, in the third person, quoting the
answers behind a flag. The runner-facing wording (protocols/messages.py) says "you"; none of
it is reused here."""

import datetime as dt

from dialogs.vocabulary import SITE_NAMES
from protocols.codes import HIGH_RISK_SITES, Site
from protocols.ladder import LADDER, is_running_stage, next_stage
from storage import RunnerRow

# One phrase per rule, completing "<name> …" (PROTOCOL.md §4–§5).
RULES: dict[str, str] = {
    "RF1": "reported bone pain that woke {them} or kept {them} up at night",
    "RF2": "has bone pain at rest or when walking around",
    "RF3": "is limping or changing {their} stride",
    "RF4": "feels pain again when pressing on the bone at one spot",
    "RF5": "has groin or front-of-hip pain when weight-bearing: a same-day check is needed",
    "RF6": "has had bone pain getting worse over the last few days",
    "RF7": "had bone pain during a session at a high-risk site",
    "RF8": "has new swelling together with bone pain",
    "RF9": "has had bone pain on waking two mornings in a row",
    "SB1": "had bone pain of 3/10 or more during the last session",
    "SB2": "had bone pain on getting up",
    "SB3": "had soreness lasting 24 hours or more after the last session",
    "SB4": "had several days without a session",
    "H1": "had a little bone pain (1–2/10) during the session",
    "H3": "has new swelling without pain",
    "H4": "slept under 7 hours three nights running",
    "H5": "did not do the last session in full",
    "H6": "has a rest day",
    "H7": "is waiting for running clearance",
    "H8": "is held to a 10% weekly increase",
    "H9": "is on hold by {their} coach",
    "RED1": "reports missed periods: possible low energy availability",
    "RED2": "has lost weight: possible low energy availability",
    "RED3": "has an injury linked to low energy availability (site or repeat injury)",
    "RED4": "has had low protein over the last week",
    "RED5": "has vitamin D under 30 ng/mL",
    "ADV": "had enough clean sessions to move up",
}

# The check-in answers behind each red flag (PROTOCOL.md §3).
EVIDENCE = {
    "RF1": ("night_pain",), "RF2": ("pain_rest",), "RF3": ("limp",), "RF4": ("tenderness",),
    "RF5": ("hip_groin_pain",), "RF6": ("pain_rest", "pain_morning", "pain_session"),
    "RF7": ("pain_session",), "RF8": ("swelling", "pain_rest", "pain_morning", "pain_session"),
    "RF9": ("pain_morning",),
}  # fmt: skip
FIELD_WORDS = {
    "night_pain": "night pain", "pain_rest": "bone pain at rest", "limp": "limp",
    "tenderness": "tender at one spot", "hip_groin_pain": "groin/hip pain",
    "pain_morning": "bone pain on waking", "pain_session": "bone pain in the session",
    "swelling": "new swelling",
}  # fmt: skip

PHASES = {"P": "Protect", "W": "Walk", "R": "Readiness", "A": "AlterG", "RW": "Run/walk",
          "C": "Continuous running", "B": "Build", "G": "Graduated"}  # fmt: skip


def name(runner: RunnerRow | None) -> str:
    return (runner.first_name if runner and runner.first_name else None) or "The athlete"


def site(runner: RunnerRow) -> str:
    return SITE_NAMES[Site(runner.profile.site)] if runner.profile else "bone not set yet"


def label(runner: RunnerRow) -> str:
    """Name and bone: how every coach message names an athlete."""
    return f"{name(runner)} ({site(runner)})"


def pronouns(runner: RunnerRow) -> tuple[str, str]:
    """(subject, possessive) for the athlete: she/her, he/his, or they/their."""
    sex = runner.profile.sex if runner.profile else None
    return {"female": ("she", "her"), "male": ("he", "his")}.get(sex, ("they", "their"))


def _object(runner: RunnerRow) -> str:
    sex = runner.profile.sex if runner.profile else None
    return {"female": "her", "male": "him"}.get(sex, "them")


def high_risk(runner: RunnerRow) -> bool:
    return runner.profile is not None and runner.profile.site in HIGH_RISK_SITES


def rule(runner: RunnerRow, rule_id: str) -> str:
    """A fired rule as a sentence about the athlete."""
    phrase = RULES.get(rule_id, "had rule " + rule_id + " fire")
    return f"{name(runner)} {phrase.format(them=_object(runner), their=pronouns(runner)[1])}."


def evidence(checkin, rules: tuple[str, ...]) -> str:
    """The answers behind the red flags, e.g. "night pain: yes, bone pain at rest: 2/10"."""
    fields: list[str] = []
    for rule_id in rules:
        for field in EVIDENCE.get(rule_id, ()):
            if field not in fields:
                fields.append(field)
    parts = []
    for field in fields:
        value = getattr(checkin, field)
        if value is None:
            continue
        shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value}/10"
        parts.append(f"{FIELD_WORDS[field]}: {shown}")
    return ", ".join(parts)


def stage_words(stage: str) -> str:
    """A stage in words, e.g. "W3 · Walk 20 min" or "RW2 · Run/walk 2/4 ×5"."""
    spec = LADDER.get(stage)
    phase = next((w for code, w in sorted(PHASES.items(), key=lambda kv: -len(kv[0]))
                  if stage.startswith(code)), stage)  # fmt: skip
    detail = {
        "P0": "no impact, cross-training only",
        "R1": "readiness tests",
        "B": "weekly build-up",
        "G": "back to normal training",
    }.get(stage)
    if detail is None and spec is not None:
        detail = spec.structure.split(":")[0]
    return f"{stage} · {phase}" + (f", {detail}" if detail else "")


def next_words(runner: RunnerRow, decision, held: bool, resumed: bool) -> str:
    """What the athlete needs next, for the coach (never the runner's "you" wording)."""
    s = decision.state
    who = name(runner)
    if s.stopped_at is not None or decision.action == "stop":
        if resumed or s.resume_pending:
            return f"Resumed: {who}'s plan restarts one stage below at the next fully clear check-in."
        return f"Stopped at {s.stopped_at or decision.stage}: resting until you resume the plan."
    if held:
        return f"On hold by you at {decision.stage}: no step up until you resume."
    stage = decision.stage
    if stage == "P0" and not s.walking_cleared:
        return f"Waiting for walking clearance: /clear {who} once their clinician allows walking."
    target = next_stage(stage, runner.profile.has_alterg) if runner.profile else None
    if target is None:
        return f"{who} has graduated."
    if target in LADDER and not s.running_cleared and is_running_stage(target):
        return f"Next is {target}, a running stage: it needs running clearance (/clear {who})."
    needed = LADDER[stage].clean_needed(high_risk(runner)) if stage in LADDER else 0
    left = max(0, needed - s.clean_count)
    if stage in ("B", "G"):
        return "Weekly build-up: each green week adds up to 10%."
    return f"{left} more clean session{'s' if left != 1 else ''} at {stage}, then {target}."


def when(at: dt.datetime, tz) -> str:
    """A moment in the coach's zone: "09:14" today-ish, with the date when it helps."""
    return at.astimezone(tz).strftime("%H:%M")


def day(d: dt.date) -> str:
    return f"{d.day} {d:%b}"
