"""Plain-language wording of reasons, headlines and next steps (docs/PROTOCOL.md §6).

The reasons themselves are in the rule table, `protocols.rulebook`."""

from protocols.rulebook import REASONS

__all__ = ["REASONS", "RESUMED", "REST_SESSION", "STOP_HEADLINE", "headline", "plural"]

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
