"""Pydantic models of the engine's inputs and outputs, validated with field-naming errors."""

import datetime as dt
import operator
from dataclasses import dataclass, fields
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from protocols.codes import LOADING_KINDS, SESSION_KINDS, STAGES, WEEKDAYS, Site
from protocols.ladder import LADDER, Phase

Pain = Annotated[int, Field(ge=0, le=10, strict=False)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Stage = Literal[STAGES]  # type: ignore[valid-type]
SessionKind = Literal[SESSION_KINDS]  # type: ignore[valid-type]

# What each field accepts, in words: used in error messages of the CLI and the bot.
ALLOWED: dict[str, str] = {
    "site": "one of " + ", ".join(s.value for s in Site),
    "start_stage": "one of " + ", ".join(STAGES),
    "stage": "one of " + ", ".join(STAGES),
    "pain_rest": "a whole number 0–10",
    "pain_session": "a whole number 0–10, or null if there was no session",
    "pain_morning": "a whole number 0–10",
    "soreness_hours": "hours, 0–240",
    "sleep_hours": "hours, 0–24",
    "calcium_mg": "milligrams, 0–5000",
    "protein_g": "grams, 0–500",
    "weight_kg": "kilograms, 25–250",
    "height_cm": "centimetres, 100–230",
    "age": "years, 9–100",
    "sex": "female, male or other",
    "session_done": "full, partial, none or null",
    "missed_cycles": "a whole number 0–24",
    "vitamin_d_ng_ml": "ng/mL, 0–200",
    "pre_injury_weekly_minutes": "minutes per week, 30–3000",
    "previous_bsi_count_2y": "a whole number 0–20",
    "run_days": "weekdays: " + ", ".join(WEEKDAYS),
    "strength_days": "weekdays: " + ", ".join(WEEKDAYS),
    "type": "walking_cleared, running_cleared, resume, hold, pause or unpause",
    "date": "a date as YYYY-MM-DD",
    "start_date": "a date as YYYY-MM-DD",
}

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Profile(BaseModel):
    """What the engine knows about a runner (set at onboarding, updated by clearances)."""

    model_config = _STRICT

    site: Site
    sex: Literal["female", "male", "other"] | None = None
    age: Annotated[int, Field(ge=9, le=100)] | None = None
    weight_kg: Annotated[float, Field(ge=25, le=250)]
    height_cm: Annotated[float, Field(ge=100, le=230)] | None = None
    pre_injury_weekly_minutes: Annotated[int, Field(ge=30, le=3000)]
    has_alterg: bool = False
    walking_cleared: bool = False
    running_cleared: bool = False
    start_stage: Stage = "P0"
    start_date: dt.date
    run_days: tuple[Weekday, ...] = ("mon", "wed", "fri")
    strength_days: tuple[Weekday, ...] | None = None
    previous_bsi_count_2y: Annotated[int, Field(ge=0, le=20)] = 0
    # RED1's "no period by age 15": False means periods have not started (optional).
    periods_started: bool | None = None
    diagnosed_on: dt.date | None = None  # for expectations in messages, never a gate (§1)

    @field_validator("run_days", "strength_days")
    @classmethod
    def _weekdays_unique_sorted(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("give at least one weekday")
        if len(set(v)) != len(v):
            raise ValueError("weekdays must not repeat")
        return tuple(sorted(v, key=WEEKDAYS.index))

    @model_validator(mode="after")
    def _alterg_stage_needs_access(self) -> "Profile":
        if LADDER[self.start_stage].phase is Phase.ALTERG and not self.has_alterg:
            raise ValueError(
                f"start_stage {self.start_stage} is an AlterG stage: set has_alterg to true "
                "or choose another stage"
            )
        return self

    @property
    def strength_weekdays(self) -> tuple[str, ...]:
        """Chosen strength days, or two non-run days by default (§2: twice a week)."""
        if self.strength_days is not None:
            return self.strength_days
        free = [d for d in ("tue", "thu", "sat", "sun", "mon", "wed", "fri") if d not in self.run_days]
        return tuple(sorted(free[:2], key=WEEKDAYS.index))


class Checkin(BaseModel):
    """One morning's answers (docs/PROTOCOL.md §3); session fields report on yesterday's session."""

    model_config = _STRICT

    date: dt.date
    pain_rest: Pain
    night_pain: bool
    pain_session: Pain | None = None
    pain_morning: Pain
    soreness_hours: Annotated[float, Field(ge=0, le=240)]
    tenderness: bool
    swelling: bool
    limp: bool
    hip_groin_pain: bool
    session_done: Literal["full", "partial", "none"] | None = None
    sleep_hours: Annotated[float, Field(ge=0, le=24)] | None = None
    calcium_mg: Annotated[float, Field(ge=0, le=5000)] | None = None
    protein_g: Annotated[float, Field(ge=0, le=500)] | None = None
    weight_kg: Annotated[float, Field(ge=25, le=250)] | None = None
    missed_cycles: Annotated[int, Field(ge=0, le=24)] | None = None
    vitamin_d_ng_ml: Annotated[float, Field(ge=0, le=200)] | None = None


class Event(BaseModel):
    """A coach or clinician event (docs/DESIGN.md simulator contract)."""

    model_config = _STRICT

    date: dt.date
    # pause/unpause: the runner's /pause and /resume; days in between never count as missed
    type: Literal["walking_cleared", "running_cleared", "resume", "hold", "pause", "unpause"]


class Session(BaseModel):
    """Today's prescription."""

    model_config = ConfigDict(frozen=True)

    kind: SessionKind
    minutes: int
    run_minutes: int | None = None
    text: str
    surface: str | None = None
    effort: str | None = None
    strength: tuple[str, ...] = ()

    @property
    def loading(self) -> bool:
        return self.kind in LOADING_KINDS


class Week(BaseModel):
    """A closed calendar week in B or G, as the weekly logic needs it (§7 C to B)."""

    model_config = ConfigDict(frozen=True)

    monday: dt.date
    full: bool  # spent entirely in B/G
    green: bool
    run_minutes: int


@dataclass(slots=True)
class EngineState:
    """Everything decide() carries from one day to the next, stored with each decision.

    The engine works on a copy of the previous day's state and mutates it through its
    helpers; slots make a misspelt field an error, not a silent new key. A `Decision` made
    from it validates it once (pydantic revalidates the instance: `revalidate_instances`).
    """

    __pydantic_config__ = ConfigDict(revalidate_instances="always")

    stage: Stage
    stage_entered: dt.date
    clean_count: int = 0
    pending: dt.date | None = None  # last loading session not yet judged clean or not
    pending_clean: bool = False
    pending_reported: bool = False  # the check-in of the day after it arrived
    last_loading: dt.date | None = None
    sb3_session: dt.date | None = None  # SB3 fires at most once per loading session
    stopped_at: Stage | None = None
    clamped_from: Stage | None = None  # wanted start stage, held at W6 until cleared (H7)
    resume_pending: bool = False
    coach_hold: bool = False
    paused_from: dt.date | None = None  # the runner paused reminders on this day
    walking_cleared: bool = False
    running_cleared: bool = False
    c1_started: dt.date | None = None
    b_steps: tuple[int, ...] = ()  # weekly totals reached in B/G; last is this week's plan
    week_monday: dt.date | None = None
    week_full: bool = False
    week_green: bool = True
    week_run_minutes: int = 0
    week_capped: bool = False  # H8 constrains this week's total
    closed_weeks: tuple[Week, ...] = ()  # the last two, oldest first
    weights: tuple[tuple[dt.date, float], ...] = ()  # last 30 days
    weight_kg: float | None = None  # latest known body weight
    missed_cycles: int | None = None
    vitamin_d_ng_ml: float | None = None
    reviews_sent: tuple[tuple[str, dt.date], ...] = ()

    def set(self, **changes: object) -> None:
        """Assign several fields at once (an unknown name raises AttributeError)."""
        for name, value in changes.items():
            setattr(self, name, value)

    def copy(self) -> "EngineState":
        """A working copy for the next day's decision (positional: ~4× `dataclasses.replace`)."""
        return EngineState(*_state_values(self))


_state_values = operator.attrgetter(*(f.name for f in fields(EngineState)))


class Decision(BaseModel):
    """The engine's answer for one check-in day (docs/DESIGN.md decision 1)."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    action: Literal["advance", "continue", "repeat", "regress", "stop"]
    stage_before: Stage
    stage: Stage
    session: Session
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    escalation: Literal["review", "urgent"] | None
    reviews: tuple[str, ...] = ()  # RED rules whose review goes to the coach today
    alert: bool = False  # a red flag fired today: a new urgent alert
    headline: str
    next_step: str
    nutrition: tuple[str, ...] = ()
    protocol_version: str
    state: EngineState


class Scenario(BaseModel):
    """A simulator input file (docs/DESIGN.md, the simulator)."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    profile: Profile
    events: list[Event] = []
    checkins: list[Checkin]

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Scenario":
        dates = [c.date for c in self.checkins]
        if dates != sorted(set(dates)):
            raise ValueError("checkins: dates must be unique and in order")
        if dates and dates[0] < self.profile.start_date:
            raise ValueError("checkins: the first check-in is before profile.start_date")
        return self
