"""What the runner told us, changed later (/settings): each change dated, audited, and seen by
the engine at the next decision.

Clearances given reach the engine as its own events (`walking_cleared`, `running_cleared`).
The engine keeps a clearance once given (PROTOCOL.md §7); a clearance withdrawn by the
runner (a "No" after a "Yes", or a move to a high-risk bone where only a coach can clear)
is applied here, to the state the next decision starts from, until the engine has an event
of its own for it. The bone, weight, AlterG access and run days live in the profile, which
every decision reads afresh.
"""

import dataclasses
import datetime as dt
import json

from protocols import Day, Event, Profile
from storage import add_event, events_between, get_runner, history, log_action, update_profile
from storage.clearances import report_clearance, withdraw_clearance_report
from storage.db import utc_iso

HISTORY_DAYS = 30  # the rules look back at most 7 check-ins; the rest is in Decision.state
CLEARANCES = ("walking_cleared", "running_cleared")


def record(db, runner_id: int, field: str, old, new, day: dt.date, actor_id: int | None = None) -> None:
    """One dated change: a `profile_changes` row and an audit entry (call inside a transaction)."""
    db.execute(
        "INSERT INTO profile_changes (runner_id, date, field, old, new, actor_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [runner_id, day.isoformat(), field, json.dumps(old, default=str), json.dumps(new, default=str),
         actor_id if actor_id is not None else runner_id, utc_iso()],
    )  # fmt: skip
    log_action(db, "setting_changed", actor_id=actor_id if actor_id is not None else runner_id,
               runner_id=runner_id, detail={"field": field, "old": old, "new": new,
                                            "date": day.isoformat()})  # fmt: skip


def change_profile(db, runner_id: int, field: str, new, day: dt.date) -> None:
    """Set one profile field, dated and audited; a clearance given is an engine event too."""
    runner = get_runner(db, runner_id)
    old = getattr(runner.profile, field)
    if old == new:
        return
    profile = Profile.model_validate({**runner.profile.model_dump(), field: new})
    with db.atomic():
        update_profile(db, runner_id, profile)
        record(db, runner_id, field, old, new, day)
        if field in CLEARANCES:
            kind = field.removesuffix("_cleared")  # shown to the coach to confirm, or withdrawn
            if new:
                add_event(db, runner_id, Event(date=day, type=field), runner_id)
                report_clearance(db, runner_id, kind)
            else:
                withdraw_clearance_report(db, runner_id, kind)


def withdrawn_since(db, runner_id: int, since: dt.date | None, until: dt.date) -> set[str]:
    """Clearances whose last change from `since` to `until` took them away."""
    sql = "SELECT field, new FROM profile_changes WHERE runner_id = ? AND date <= ?"
    params: list = [runner_id, until.isoformat()]
    if since is not None:
        sql += " AND date >= ?"
        params.append(since.isoformat())
    last: dict[str, bool] = {}
    for field, new in db.execute(sql + " ORDER BY id", params).fetchall():
        if field in CLEARANCES:
            last[field] = bool(json.loads(new))
    return {field for field, value in last.items() if not value}


def apply_withdrawals(db, runner_id: int, days: list[Day], day: dt.date) -> list[Day]:
    """The history with the last state's withdrawn clearances taken away (see module doc)."""
    if not days:
        return days
    gone = withdrawn_since(db, runner_id, days[-1].date + dt.timedelta(days=1), day)
    if not gone:
        return days
    last = days[-1]
    state = dataclasses.replace(last.decision.state, **{name: False for name in gone})
    return [*days[:-1], Day(last.checkin, last.decision.model_copy(update={"state": state}))]


def reported_weight(db, runner_id: int, since: dt.date | None, until: dt.date) -> float | None:
    """A weight changed in /settings since the last check-in: the next check-in reports it
    (the engine reads body weight from check-ins; the profile's is onboarding's)."""
    sql = "SELECT new FROM profile_changes WHERE runner_id = ? AND field = 'weight_kg' AND date <= ?"
    params: list = [runner_id, until.isoformat()]
    if since is not None:
        sql += " AND date >= ?"
        params.append(since.isoformat())
    row = db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    return None if row is None else float(json.loads(row[0]))


def with_reported_weight(db, runner_id: int, days: list[Day], checkin):
    """The check-in with a weight given in /settings since the last one, when it has none."""
    if checkin.weight_kg is not None:
        return checkin
    since = days[-1].date + dt.timedelta(days=1) if days else None
    weight = reported_weight(db, runner_id, since, checkin.date)
    return checkin if weight is None else checkin.model_copy(update={"weight_kg": weight})


def engine_inputs(db, runner_id: int, day: dt.date, withdrawals: bool = True):
    """What decide() gets for a check-in on `day`: the runner (and profile), the earlier days
    (withdrawn clearances applied unless `withdrawals` is False: the days as stored) and the
    events since the last check-in."""
    runner = get_runner(db, runner_id)
    days = [d for d in history(db, runner_id, limit=HISTORY_DAYS) if d.date < day]
    since = days[-1].date + dt.timedelta(days=1) if days else None
    if withdrawals:
        days = apply_withdrawals(db, runner_id, days, day)
    return runner, days, events_between(db, runner_id, since, day)
