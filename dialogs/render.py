"""A decision as the runner reads it (PROTOCOL.md §6): action, session, reasons, food, next."""

from protocols import Decision

STOP_FIRST = "🛑 Stop running today and see your clinician."


def session_line(decision: Decision) -> str:
    s = decision.session
    if s.kind in ("rest",):
        return f"Today: {s.text}"
    return f"Today ({s.minutes} min): {s.text}"


def decision_text(decision: Decision, *, coach_told: bool = False) -> str:
    parts: list[str] = []
    if decision.action == "stop":
        parts.append(STOP_FIRST)
        parts.append(
            "Your coach has been told." if coach_told else
            "Please contact your clinician today."
        )  # fmt: skip
    else:
        parts.append(decision.headline)
    parts.append(session_line(decision))
    if decision.reasons:
        parts.append("Why:\n" + "\n".join(f"• {r}" for r in decision.reasons))
    if decision.nutrition:
        parts.append("Fuel and rest:\n" + "\n".join(f"• {n}" for n in decision.nutrition))
    parts.append(f"Next: {decision.next_step}")
    return "\n\n".join(parts)
