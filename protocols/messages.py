"""Plain-language wording of reasons, headlines and next steps (PROTOCOL.md §6)."""

REASONS: dict[str, str] = {
    "RF1": "Bone pain woke you or kept you up at night.",
    "RF2": "You have bone pain at rest or when walking around.",
    "RF3": "You are limping or changing your stride.",
    "RF4": "Pressing on the bone hurts at one spot again.",
    "RF5": "Groin or front-of-hip pain when you put weight on the leg needs a same-day check.",
    "RF6": "Your pain has been getting worse over the last few days.",
    "RF7": "Any bone pain during a session at this site needs your clinician's view.",
    "RF8": "There is new swelling together with bone pain.",
    "RF9": "Bone pain on waking two mornings in a row.",
    "SB1": "Bone pain of 3/10 or more during the last session.",
    "SB2": "Bone pain when you got up this morning.",
    "SB3": "Soreness from the last session lasted 24 hours or more.",
    "SB4": "Several days without a session: the bone needs a gentler restart.",
    "H1": "A little bone pain (1–2/10) during the session: we hold here until it is pain-free.",
    "H3": "New swelling without pain: we hold here until it settles.",
    "H4": "Under 7 hours of sleep three nights running: bone heals in sleep, so we hold.",
    "H5": "The last session was not done in full, so it does not count yet.",
    "H6": "Rest day: the bone adapts between loading days.",
    "H7": "The next step is running, which needs clearance from your clinician first.",
    "H8": "This week's running stays within 10% of last week's.",
    "H9": "Your coach has put progression on hold for now.",
    "RED1": "Missed periods can mean the body is short of energy: worth a talk with your clinician.",
    "RED2": "A drop in weight can slow bone healing: worth a talk with your clinician.",
    "RED3": "This kind of injury can be linked to low energy availability: worth a conversation.",
    "RED4": "Protein has been low over the last week: bone needs it to rebuild.",
    "RED5": "Your vitamin D is under 30 ng/mL: please discuss it with your clinician.",
    "ADV": "Enough clean sessions at this stage: time to move up.",
}

RESUMED = "Your plan resumes one stage below where it stopped."
STOP_HEADLINE = "Stop running today and see your clinician."
REST_SESSION = (
    "Rest. Pain-free non-impact cross-training (cycling, swimming) only if it causes no bone pain."
)


def headline(action: str, stage: str, rest_day: bool) -> str:
    if action == "stop":
        return STOP_HEADLINE
    if action == "advance":
        return f"Well done — moving up to {stage}."
    if action == "regress":
        return f"Scaling back to {stage} today: a small step back protects the bone."
    if action == "repeat":
        return f"Staying at {stage} for now."
    return f"Rest day at {stage}." if rest_day else f"Today's session at {stage}."


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
