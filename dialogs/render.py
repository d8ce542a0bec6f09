"""A decision as the runner reads it (docs/PROTOCOL.md §6): action, where they stand on the ladder
in words, today's session with its doses and cues, the reasons, food, what comes next, and the
next milestones at the earliest."""

import contextlib
import re

from dialogs.stop import stop_line, told_line
from protocols import Decision, Profile
from protocols import strength as strength_doses
from protocols.messages import RESUMED
from protocols.words import in_words, place, short_name, stage_line

STOP_FIRST = "🛑 Stop running today and see your clinician."  # kept for older callers
PAIN_CUE = "Stop if bone pain starts."
NO_COACH = (
    "Please contact your clinician today. If you work with a coach, they can get these "
    "alerts too: ask them to send /coach to this bot and share their code with you."
)
RECOVER_WHY = {"SB1": "bone pain during the last session", "SB2": "bone pain on waking",
               "SB3": "soreness that lasted a day or more"}  # fmt: skip


def headline(decision: Decision) -> str:
    stage = short_name(decision.stage)
    action = decision.action
    if action == "advance":
        return f"Well done — moving up to {stage_line(decision.stage).split(' — ')[0]}."
    if action == "regress":
        if decision.reasons and decision.reasons[0] == RESUMED:
            return f"Welcome back — your plan resumes at {stage}, one stage below where it stopped."
        line = f"Scaling back to {stage}: a small step back protects the bone."
        why = [RECOVER_WHY[r] for r in decision.rules if r in RECOVER_WHY]
        if decision.session.kind in ("rest", "cross_train") and why:
            line += (f" Today is a rest day because of {' and '.join(why)}: the bone needs a day "
                     f"off first. {stage} starts on your next loading day.")  # fmt: skip
        elif decision.session.kind in ("rest", "cross_train"):
            line += f" Today is a rest day; {stage} starts on your next loading day."
        return line
    if action == "repeat":
        return f"Staying at {stage} for now."
    if not decision.session.loading:
        return f"Rest day at {stage}."
    return f"Today's session at {stage}."


def session_line(decision: Decision) -> str:
    s = decision.session
    if s.kind == "rest":
        return f"Today: {s.text}"
    if s.kind == "strength":
        return strength_doses.session_text(decision.stage)
    body = s.text
    if s.strength:  # the dosed list below replaces the engine's list of names
        body = re.sub(r" Also strength today: [^.]*\.", "", body)
    text = f"Today ({s.minutes} min): {body}"
    if s.loading:
        text += f" {PAIN_CUE}"
    if s.strength:
        text += "\n\nAlso today: " + strength_doses.session_text(decision.stage)
    return text


def where_line(decision: Decision, profile: Profile | None) -> str:
    line = f"📍 {stage_line(decision.stage)}"
    if profile is not None:
        with contextlib.suppress(ValueError):  # an AlterG stage after access was turned off
            line += f" · {place(decision.stage, profile.has_alterg)}"
    return line


def decision_text(decision: Decision, *, coaches_told: int | None = None,
                  profile: Profile | None = None, milestones: str = "") -> str:  # fmt: skip
    """The reply to a check-in; `coaches_told` is None when showing a stored decision again."""
    parts: list[str] = []
    if decision.action == "stop":
        parts.append(stop_line(decision.stage))
        if coaches_told:
            parts.append(told_line(coaches_told))
        elif coaches_told == 0 and decision.alert:
            parts.append(NO_COACH)
        else:
            parts.append("Please stay with rest and follow your clinician's advice.")
    else:
        parts.append(headline(decision))
    parts.append(where_line(decision, profile))
    parts.append(session_line(decision))
    if decision.reasons:
        parts.append("Why:\n" + "\n".join(f"• {in_words(r)}" for r in decision.reasons))
    if decision.nutrition:
        parts.append("Fuel and rest:\n" + "\n".join(f"• {n}" for n in decision.nutrition))
    parts.append(f"Next: {in_words(decision.next_step)}")
    if milestones:
        parts.append(milestones)
    return "\n\n".join(parts)
