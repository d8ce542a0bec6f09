"""The progression engine: pure rules from docs/PROTOCOL.md, no I/O, no clock, no Telegram."""

from protocols.engine import decide, initial_state
from protocols.ladder import LADDER, PROTOCOL_VERSION
from protocols.models import Checkin, Decision, EngineState, Event, Profile, Scenario, Session
from protocols.rules import Day
from protocols.simulate import contract_line, simulate

__all__ = [
    "LADDER",
    "PROTOCOL_VERSION",
    "Checkin",
    "Day",
    "Decision",
    "EngineState",
    "Event",
    "Profile",
    "Scenario",
    "Session",
    "contract_line",
    "decide",
    "initial_state",
    "simulate",
]
