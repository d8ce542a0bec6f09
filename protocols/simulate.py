"""simulate(): replay a scenario day by day with coach events (docs/DESIGN.md, the simulator)."""

from protocols.engine import decide
from protocols.models import Decision, Scenario
from protocols.rules import Day

CLEARANCES = ("walking_cleared", "running_cleared")


def simulate(scenario: Scenario) -> list[Decision]:
    """One decision per check-in, in date order; events apply before that day's decision."""
    profile = scenario.profile
    events = sorted(scenario.events, key=lambda e: e.date)
    history: list[Day] = []
    pending = 0
    for checkin in scenario.checkins:
        todays = []
        while pending < len(events) and events[pending].date <= checkin.date:
            todays.append(events[pending])
            pending += 1
        for event in todays:
            if event.type in CLEARANCES:
                profile = profile.model_copy(update={event.type: True})
        decision = decide(profile, history, checkin, todays)
        history.append(Day(checkin, decision))
    return [day.decision for day in history]


def contract_line(decision: Decision) -> dict:
    """The simulator's output object for one day (docs/DESIGN.md contract)."""
    session = {
        "kind": decision.session.kind,
        "minutes": decision.session.minutes,
        "text": decision.session.text,
    }
    if decision.session.kind in ("run_walk", "run"):
        session["run_minutes"] = decision.session.run_minutes
    return {
        "date": decision.date.isoformat(),
        "action": decision.action,
        "stage_before": decision.stage_before,
        "stage": decision.stage,
        "session": session,
        "rules": list(decision.rules),
        "escalation": decision.escalation,
    }
