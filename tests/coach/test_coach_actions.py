"""Coach actions against a database (issue 17): done once, refused when already in force,
undone only while safe."""

import dataclasses
import datetime as dt

import pytest

from dialogs import coach_actions
from dialogs.callbacks import parse
from dialogs.squad import find
from storage import (
    get_runner,
    link_coach,
    migrate,
    open_db,
    save_checkin_and_decision,
    upsert_coach,
)
from storage.coach_actions import action_by_key
from tests.storage.conftest import add_runner, make_checkin, make_decision

D0 = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 8, 14, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "c.db")
    migrate(database)
    upsert_coach(database, 900, 900, "Kay", tz="Europe/Berlin")
    add_runner(database, 1, first_name="Rita", site="navicular", running_cleared=False)
    link_coach(database, 900, 1)
    yield database
    database.close()


def stop(db, day=D0, **state):
    decision = make_decision(day, action="stop", stage="W2")
    decision = decision.model_copy(update={"state": dataclasses.replace(decision.state, stopped_at="W2", **state)})
    save_checkin_and_decision(db, 1, make_checkin(day, night_pain=True), decision)


def events(db, kind):
    return db.execute("SELECT count(*) FROM events WHERE type = ?", [kind]).fetchone()[0]


def test_resume_is_done_once_and_then_refused(db):
    stop(db)
    first = coach_actions.perform(db, 900, 1, "resume", "k1", NOW)
    assert first.done and first.text.startswith("▶️ Rita (Top of the foot, midfoot)'s plan is resumed")
    again = coach_actions.perform(db, 900, 1, "resume", "k1", NOW)
    assert again.text == "Already done by you at 09:14." and not again.done
    other = coach_actions.perform(db, 900, 1, "resume", "k2", NOW)  # a second prompt
    assert other.text.startswith("Rita (Top of the foot, midfoot)'s plan was already resumed by you at 09:14")
    assert events(db, "resume") == 1
    assert db.execute("SELECT count(*) FROM outbox WHERE chat_id = 1").fetchone()[0] == 1


def test_a_resume_the_engine_holds_pending_is_not_given_twice(db):
    stop(db, resume_pending=True)  # resumed earlier; the last check-in was not fully clear
    refused = coach_actions.perform(db, 900, 1, "resume", "k3", NOW)
    assert "already resumed" in refused.text and events(db, "resume") == 0


def test_nothing_to_resume_on_a_plan_going_on(db):
    save_checkin_and_decision(db, 1, make_checkin(D0), make_decision(D0))
    outcome = coach_actions.perform(db, 900, 1, "resume", "k4", NOW)
    assert "neither stopped nor on hold" in outcome.text and events(db, "resume") == 0


def test_a_clearance_is_undone_until_a_check_in_reads_it(db):
    done = coach_actions.perform(db, 900, 1, "running", "k5", NOW)
    assert done.done and get_runner(db, 1).profile.running_cleared
    action = action_by_key(db, "k5")
    undone = coach_actions.undo(db, 900, action.id, NOW)
    assert undone.done and not get_runner(db, 1).profile.running_cleared and events(db, "running_cleared") == 0
    assert coach_actions.undo(db, 900, action.id, NOW).text.startswith("Already undone by you at 09:14")
    # cleared again, then a check-in reads it: no undo any more
    coach_actions.perform(db, 900, 1, "running", "k6", NOW)
    save_checkin_and_decision(db, 1, make_checkin(D0), make_decision(D0))
    late = coach_actions.undo(db, 900, action_by_key(db, "k6").id, NOW)
    assert not late.done and "already used the running clearance" in late.text
    assert get_runner(db, 1).profile.running_cleared


def test_another_coach_cannot_undo_or_act(db):
    upsert_coach(db, 901, 901, "Lee")
    coach_actions.perform(db, 900, 1, "hold", "k7", NOW)
    assert coach_actions.undo(db, 901, action_by_key(db, "k7").id, NOW).text == "That button no longer works."
    assert coach_actions.perform(db, 901, 1, "resume", "k8", NOW).text == "That athlete is no longer linked to you."


def test_prompts_name_the_athlete_and_refuse_old_confirmations(db):
    found = find(db, 900, "rit", "clear")
    text, keyboard = coach_actions.prompt(db, 900, found, "clear", NOW)
    assert text.startswith("Which clearance for Rita (Top of the foot, midfoot)?")
    assert [row[0][0] for row in keyboard] == ["✅ Clear running", "Cancel"]
    stamp = int(NOW.timestamp())
    late = NOW + dt.timedelta(seconds=coach_actions.PROMPT_VALID_S + 1)
    assert "expired" in coach_actions.confirm_press(db, 900, parse(f"k:running:1:{stamp}"), late).text
    assert coach_actions.confirm_press(db, 900, parse(f"k:running:1:{stamp}"), NOW).done
    assert coach_actions.confirm_press(db, 900, parse(f"k:running:1:{stamp}"), late).text == "Already done by you at 09:14."
    assert coach_actions.confirm_press(db, 900, parse("k:running:x:1"), NOW).text == "That button no longer works."
