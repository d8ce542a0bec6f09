"""A decision as a runner reads it (docs/PROTOCOL.md §6): action, session, reasons, food, next."""

from protocols import Decision

STOP_FIRST = "🛑 Stop running today and see your clinician."


def session_line(decision: Decision) -> str:
    s = decision.session
    if s.kind in ("rest",):
        return f"Today: {s.text}"
    return f"Today ({s.minutes} min): {s.text}"


NO_COACH = (
    "Please contact your clinician today. If you work with a coach, they can get these "
    "alerts too: ask them to send /coach to this bot and share their code with you."
)


def decision_text(decision: Decision, *, coaches_told: int | None = None) -> str:
    """The reply to a check-in; `coaches_told` is None when showing a stored decision again."""
    parts: list[str] = []
    if decision.action == "stop":
        parts.append(STOP_FIRST)
        if coaches_told:
            parts.append("Your coach has been told." if coaches_told == 1 else "Your coaches have been told.")
        elif coaches_told == 0 and decision.alert:
            parts.append(NO_COACH)
        else:
            parts.append("Please stay with rest and follow your clinician's advice.")
    else:
        parts.append(decision.headline)
    parts.append(session_line(decision))
    if decision.reasons:
        parts.append("Why:\n" + "\n".join(f"• {r}" for r in decision.reasons))
    if decision.nutrition:
        parts.append("Fuel and rest:\n" + "\n".join(f"• {n}" for n in decision.nutrition))
    parts.append(f"Next: {decision.next_step}")
    return "\n\n".join(parts)
