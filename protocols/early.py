"""Which red flags the answers given so far already show (PROTOCOL.md §4, RF1–RF9).

A check-in stops at the first red-flag answer, before any further question. Rather than a
second copy of the rules, the engine itself decides on the answers so far with every field
not yet answered read as green: a red flag that fires then fires whatever the rest says,
because no rule fires on a green value (RF8 needs a bone pain, RF9 a morning pain, RF6 a pain
scale-back or a rise in rest pain — each one an answer already given).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from protocols.engine import decide
from protocols.models import Checkin, Event, Profile
from protocols.rules import Day

BONE_FIELDS = ("pain_rest", "night_pain", "pain_morning", "tenderness", "swelling", "limp",
               "hip_groin_pain")  # fmt: skip
GREEN: dict[str, Any] = {
    "pain_rest": 0, "night_pain": False, "pain_morning": 0, "tenderness": False,
    "swelling": False, "limp": False, "hip_groin_pain": False, "soreness_hours": 0,
}  # fmt: skip
# Not answered by the end of the day: read as not green (conservative), never as clear.
NOT_GREEN: dict[str, Any] = {
    "pain_rest": 1, "night_pain": True, "pain_morning": 1, "tenderness": True,
    "swelling": True, "limp": True, "hip_groin_pain": True,
}  # fmt: skip


def is_green(field: str, value: Any) -> bool:
    """Whether one bone or session answer is green (§3); unknown fields count as green."""
    if field in GREEN:
        return value == GREEN[field] or (field == "soreness_hours" and value is not None and value < 24)
    if field == "pain_session":
        return not value
    return True


def partial_checkin(answers: Mapping[str, Any], fill: Mapping[str, Any] = GREEN) -> Checkin:
    """A Checkin from the answers so far, the missing bone fields taken from `fill`."""
    values = {k: v for k, v in answers.items() if k in Checkin.model_fields and v is not None}
    for name, value in fill.items():
        values.setdefault(name, value)
    values.setdefault("soreness_hours", 0)
    if values.get("session_done") is not None:
        values.setdefault("pain_session", 0)
    return Checkin.model_validate(values)


def known_red_flags(profile: Profile, history: Sequence[Day], answers: Mapping[str, Any],
                    events: Iterable[Event] = ()) -> tuple[str, ...]:  # fmt: skip
    """The red flags (RF…) that today's answers so far already raise: a new urgent alert
    would be sent whatever the remaining answers are. Empty when none."""
    decision = decide(profile, history, partial_checkin(answers), events)
    if not decision.alert:
        return ()
    return tuple(r for r in decision.rules if r.startswith("RF"))
