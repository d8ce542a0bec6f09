"""Fixtures for the storage tests: a migrated database and hand-built model objects."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from protocols.models import Checkin, Decision, EngineState, Profile, Session
from storage import migrate, open_db

D0 = dt.date(2026, 3, 2)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "stridecoach.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    migrate(database)
    yield database
    database.close()


def make_profile(**changes) -> Profile:
    fields = {
        "site": "tibia_posteromedial",
        "sex": "female",
        "age": 29,
        "weight_kg": 58,
        "pre_injury_weekly_minutes": 300,
        "walking_cleared": True,
        "start_stage": "W1",
        "start_date": D0,
    }
    return Profile(**{**fields, **changes})


def make_checkin(date: dt.date = D0, **changes) -> Checkin:
    fields = {
        "date": date,
        "pain_rest": 0,
        "night_pain": False,
        "pain_session": None,
        "pain_morning": 1,
        "soreness_hours": 0,
        "tenderness": False,
        "swelling": False,
        "limp": False,
        "hip_groin_pain": False,
        "session_done": None,
        "sleep_hours": 8,
        "calcium_mg": 1100,
        "protein_g": 100,
    }
    return Checkin(**{**fields, **changes})


def make_decision(date: dt.date = D0, action: str = "continue", stage: str = "W2", **changes):
    state = EngineState(
        stage=stage,
        stage_entered=D0,
        clean_count=2,
        pending=date,
        last_loading=date - dt.timedelta(days=1),
        b_steps=(120, 150),
        weights=((D0, 58.0),),
        reviews_sent=(("RED2", D0),),
    )
    fields = {
        "date": date,
        "action": action,
        "stage_before": "W1" if action == "advance" else stage,
        "stage": stage,
        "session": Session(kind="walk", minutes=30, text="Walk 30 minutes, flat ground."),
        "rules": ("ADV",) if action == "advance" else (),
        "reasons": ("Two clean sessions in a row.",),
        "escalation": None,
        "headline": "Walk 30 minutes today",
        "next_step": "Two more clean walks to move on.",
        "nutrition": ("Calcium 1500 mg",),
        "protocol_version": "2026.1",
        "state": state,
    }
    return Decision(**{**fields, **changes})


def add_runner(db, user_id: int = 101, **kw):
    from storage import update_profile, upsert_runner

    upsert_runner(db, user_id, chat_id=user_id, first_name=kw.pop("first_name", "Ana"))
    if kw.pop("onboard", True):
        update_profile(db, user_id, make_profile(**kw))
    return user_id


@pytest.fixture
def make():
    """The helpers above, as a fixture (test modules cannot import conftest reliably)."""
    return SimpleNamespace(
        d0=D0,
        profile=make_profile,
        checkin=make_checkin,
        decision=make_decision,
        runner=add_runner,
    )
